"""Batch normalisation for (N, C) and (N, C, *spatial) inputs, with a closed-form backward.

Per channel c, over the n = N * H * W values of that channel:

    training   mean = (1/n) sum x,   var = (1/n) sum (x - mean)^2       (biased)
               xhat = (x - mean) / sqrt(var + eps),   out = weight * xhat + bias
               running_mean = (1 - momentum) running_mean + momentum mean
               running_var  = (1 - momentum) running_var  + momentum var * n/(n - 1)   (unbiased)
    eval       the same with running_mean and running_var in place of mean and var.

Backward in training mode (every sum over one channel's n values, g = d(loss)/d(out)):

    d bias   = sum g
    d weight = sum g * xhat
    d x      = weight / sqrt(var + eps) * (g - mean(g) - xhat * mean(g * xhat))

The last line is the whole chain through mean and var folded into two per-channel sums, so
the backward reads g and the saved (x - mean) a few times instead of replaying a graph of
generic ops. In eval mode the statistics are constants and the backward is that of the
affine map x * scale + shift: d x = g * scale.
"""
from ..backend import get_array_module
from ..function import Function
from ..tensor import Tensor


def _layout(x):
    """Reduction axes (all but the channel axis 1) and the shape that broadcasts a (C,) vector."""
    axes = (0,) + tuple(range(2, x.ndim))
    return axes, (1, x.shape[1]) + (1,) * (x.ndim - 2)


class BatchNorm(Function):
    @staticmethod
    def forward(ctx, x, weight=None, bias=None, running_mean=None, running_var=None, training=True,
                momentum=0.1, eps=1e-5):
        xp = get_array_module(x)
        axes, shape = _layout(x)
        n = x.size // x.shape[1]
        ctx.training, ctx.n, ctx.has_weight, ctx.has_bias = training, n, weight is not None, bias is not None
        if training:
            mean = x.mean(axis=axes)
            xc = x - mean.reshape(shape)                       # saved: backward needs x - mean
            work = xp.square(xc)                               # two passes: no E[x^2] - mean^2 cancellation
            var = work.mean(axis=axes)
            invstd = 1 / xp.sqrt(var + eps)
            if running_mean is not None:                       # in place: they are the module's buffers
                running_mean *= 1 - momentum
                running_mean += momentum * mean
            if running_var is not None:
                running_var *= 1 - momentum
                running_var += (momentum * n / (n - 1)) * var
            scale = invstd if weight is None else invstd * weight
            # = weight * xhat, written over the squares: one full-size allocation fewer
            out = xp.multiply(xc, scale.reshape(shape), out=work)
            ctx.save_for_backward(xc, invstd, weight)
        else:
            invstd = 1 / xp.sqrt(running_var + eps)
            scale = invstd if weight is None else invstd * weight
            out = x * scale.reshape(shape)
            out -= (running_mean * scale).reshape(shape)
            # d weight needs xhat; save x (not a copy) and this step's statistics
            ctx.save_for_backward(x if ctx.needs_input_grad[1] else None, running_mean.copy(), invstd, weight)
        if bias is not None:
            out += bias.reshape(shape)
        return out

    @staticmethod
    def backward(ctx, g):
        need_x, need_w, need_b = ctx.needs_input_grad
        need_w, need_b = need_w and ctx.has_weight, need_b and ctx.has_bias
        xp = get_array_module(g)
        axes, shape = _layout(g)
        if ctx.training:
            xc, invstd, weight = ctx.saved_tensors
            gsum = g.sum(axis=axes)                             # = d bias
            gx = gw = None
            if need_x or need_w:
                work = g * xc
                gxc = work.sum(axis=axes)                       # sum g (x - mean) = d weight / invstd
                gw = gxc * invstd if need_w else None
            if need_x:
                scale = invstd if weight is None else invstd * weight
                n = g.dtype.type(ctx.n)
                # dx = scale * (g - gsum/n) - xc * scale * invstd^2 * gxc / n
                gx = g - (gsum / n).reshape(shape)
                gx *= scale.reshape(shape)
                gx -= xp.multiply(xc, (scale * invstd * invstd * gxc / n).reshape(shape), out=work)
            return gx, gw, gsum if need_b else None
        x, mean, invstd, weight = ctx.saved_tensors
        scale = invstd if weight is None else invstd * weight
        gx = g * scale.reshape(shape) if need_x else None
        gw = (g * (x - mean.reshape(shape))).sum(axis=axes) * invstd if need_w else None
        gb = g.sum(axis=axes) if need_b else None
        return gx, gw, gb


def _check_vector(name, what, t, c, dtype):
    if t is None:
        return
    if not isinstance(t, Tensor):
        raise TypeError(f"{name}: {what} must be a Tensor or None, got {type(t).__name__}")
    if t.shape != (c,):
        raise ValueError(f"{name}: {what} must have shape ({c},) (one value per channel), got {t.shape}")
    if t.dtype != dtype:
        raise TypeError(f"{name}: {what} is {t.dtype} but the input is {dtype}: minigan never upcasts "
                        "silently; convert the module with .float() or .double()")


def _batch_norm(name, x, running_mean, running_var, weight, bias, training, momentum, eps):
    """batch_norm with ``name`` (a layer's printout, or "batch_norm") in its error messages."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(x).__name__}")
    if x.ndim < 2:
        raise ValueError(f"{name}: expected an input of shape (N, C) or (N, C, ...), got shape {x.shape}")
    c = x.shape[1]
    for what, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        _check_vector(name, what, t, c, x.dtype)
    if (running_mean is None) != (running_var is None):
        raise ValueError(f"{name}: give both running_mean and running_var, or neither")
    if not training and running_mean is None:
        raise ValueError(f"{name}: evaluation mode (training=False) normalises with the running "
                         "statistics, but running_mean and running_var are None")
    if training and x.numel() // max(c, 1) <= 1:
        raise ValueError(f"{name}: expected more than 1 value per channel when training, got input of "
                         f"shape {x.shape} (the batch variance of a single value is undefined)")
    if eps <= 0:
        raise ValueError(f"{name}: eps must be > 0, got {eps}")
    return BatchNorm.apply(x, weight, bias, running_mean=None if running_mean is None else running_mean.data,
                           running_var=None if running_var is None else running_var.data,
                           training=bool(training), momentum=float(momentum), eps=float(eps))


def batch_norm(x, running_mean, running_var, weight=None, bias=None, training=True, momentum=0.1, eps=1e-5):
    """Normalise x (N, C) or (N, C, ...) per channel; see the module docstring for the formulas.

    running_mean, running_var: (C,) tensors updated in place when training (or None: always use
    the batch statistics). weight, bias: (C,) or None.
    """
    return _batch_norm("batch_norm", x, running_mean, running_var, weight, bias, training, momentum, eps)
