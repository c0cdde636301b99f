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
from .. import parallel, workspace
from ..backend import get_array_module
from ..function import Function
from ..tensor import Tensor


def _layout(x):
    """Reduction axes (all but the channel axis 1) and the shape that broadcasts a (C,) vector."""
    axes = (0,) + tuple(range(2, x.ndim))
    return axes, (1, x.shape[1]) + (1,) * (x.ndim - 2)


def _rows(a):
    """``a`` (N, C, ...) as an (M, C) matrix, one row per position, when that is a *view*:
    when ``a`` is (N, C) or stored channels-last (as every convolution output is). Else None."""
    moved = a if a.ndim == 2 else a.transpose(0, *range(2, a.ndim), 1)
    return moved.reshape(-1, a.shape[1]) if moved.flags.c_contiguous else None


def _sum_rows(a):
    """sum over every axis but the channel axis of an array: (C,). On the (M, C) view this
    is ones(M) @ A, a matrix-vector product (benchmarks/NOTES.md has the measurement)."""
    rows = _rows(a)
    if rows is None:
        return a.sum(axis=_layout(a)[0])
    return get_array_module(a).ones(rows.shape[0], dtype=a.dtype) @ rows


def _dot_rows(a, b):
    """sum over every axis but the channel axis of a * b, on arrays: (C,), without storing a * b."""
    ra, rb = _rows(a), _rows(b)
    if ra is not None and rb is not None:
        return get_array_module(a).einsum("mc,mc->c", ra, rb)
    return (a * b).sum(axis=_layout(a)[0])


def _chunked(fn, a):
    """``fn`` over chunks of the batch of ``a`` (:mod:`minigan.parallel`), its partial channel
    sums added in chunk order."""
    return parallel.sum_over_batch(fn, a)


def _channel_sum(a):
    """sum over every axis but the channel axis: (C,); on Tensors (create_graph) a plain
    differentiable sum, on arrays by chunks of the batch."""
    if isinstance(a, Tensor):
        return a.sum(axis=_layout(a)[0])
    return _chunked(lambda s: _sum_rows(a[s]), a)


def _channel_dot(a, b):
    """sum over every axis but the channel axis of a * b: (C,); on Tensors a plain sum."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return (a * b).sum(axis=_layout(a)[0])
    return _chunked(lambda s: _dot_rows(a[s], b[s]), a)


def _statistics(x, eps):
    """The batch statistics of the module docstring, on Tensors (create_graph):
    (x - mean, var, 1/sqrt(var + eps), mean), each per channel."""
    _, shape = _layout(x)
    n = x.dtype.type(x.numel() // x.shape[1])
    mean = _channel_sum(x) / n
    xc = x - mean.reshape(shape)
    var = _channel_dot(xc, xc) / n           # two passes: no E[x^2] - mean^2 cancellation
    return xc, var, (var + eps) ** -0.5, mean


def _array_statistics(x, eps):
    """The same on arrays, in two passes over chunks of the batch: the channel sums, then
    x - mean, whose squares are summed while the chunk is still in cache."""
    xp = get_array_module(x)
    _, shape = _layout(x)
    n = x.dtype.type(x.size // x.shape[1])
    mean = _channel_sum(x) / n
    xc = workspace.empty_like(x)

    def centre(s):
        xp.subtract(x[s], mean.reshape(shape), out=xc[s])
        return _dot_rows(xc[s], xc[s])

    var = _chunked(centre, x) / n
    return xc, var, (var + eps) ** -0.5, mean


def _affine(a, scale, shift=None, b=None, k=None):
    """``a * scale + b * k + shift`` (the last two terms when given), with per-channel (C,)
    vectors scale, k and shift broadcast, into a fresh array
    of ``a``'s layout, by chunks of the batch (each chunk's passes run while it is in cache)."""
    xp = get_array_module(a)
    _, shape = _layout(a)
    out = workspace.empty_like(a)

    def rows(s):
        xp.multiply(a[s], scale.reshape(shape), out=out[s])
        if b is not None:
            out[s] += b[s] * k.reshape(shape)
        if shift is not None:
            out[s] += shift.reshape(shape)

    parallel.over_batch(rows, a)
    return out


class BatchNorm(Function):
    """Batch normalisation; see the module docstring. Under ``create_graph=True`` the
    backward recomputes x - mean and 1/sqrt(var + eps) from x as Tensors, so the gradient's
    own derivative goes through the batch statistics exactly (treating them as constants
    would give a wrong second derivative)."""
    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, weight=None, bias=None, running_mean=None, running_var=None, training=True,
                momentum=0.1, eps=1e-5):
        xp = get_array_module(x)
        _, shape = _layout(x)
        n = x.size // x.shape[1]
        ctx.training, ctx.n, ctx.eps = training, n, eps
        ctx.has_weight, ctx.has_bias = weight is not None, bias is not None
        ctx.save_for_backward(x, weight)
        if training:
            xc, var, invstd, mean = _array_statistics(x, eps)
            if running_mean is not None:                       # in place: they are the module's buffers
                running_mean *= 1 - momentum
                running_mean += momentum * mean
            if running_var is not None:
                running_var *= 1 - momentum
                running_var += (momentum * n / (n - 1)) * var
            scale = invstd if weight is None else invstd * weight
            out = _affine(xc, scale, bias)                     # weight * xhat + bias
            ctx.xc, ctx.invstd = xc, invstd                    # reused by a first-order backward
        else:
            invstd = 1 / xp.sqrt(running_var + eps)
            scale = invstd if weight is None else invstd * weight
            out = x * scale.reshape(shape)
            out -= (running_mean * scale).reshape(shape)
            ctx.mean, ctx.invstd = running_mean.copy(), invstd  # this step's statistics: constants
            if bias is not None:
                out += bias.reshape(shape)
        return out

    @staticmethod
    def backward(ctx, g):
        need_x, need_w, need_b = ctx.needs_input_grad
        need_w, need_b = need_w and ctx.has_weight, need_b and ctx.has_bias
        _, shape = _layout(g)
        x, weight = ctx.saved_tensors
        if not ctx.training:   # the affine map x * scale + shift, with constant statistics
            gsum = _channel_sum(g) if need_b else None                                    # = d bias
            scale = ctx.invstd if weight is None else ctx.invstd * weight
            gx = g * scale.reshape(shape) if need_x else None
            gw = _channel_dot(g, x - ctx.mean.reshape(shape)) * ctx.invstd if need_w else None
            return gx, gw, gsum
        gsum = gxc = None      # sum g (= d bias) and sum g (x - mean) (= d weight / invstd)
        if ctx.graph:
            xc, _, invstd, _ = _statistics(x, ctx.eps)
            gsum = _channel_sum(g) if (need_b or need_x) else None
            gxc = _channel_dot(g, xc) if (need_x or need_w) else None
        else:
            xc, invstd = ctx.xc, ctx.invstd
            if need_x or need_w:                                # both sums in one pass over each chunk
                gsum, gxc = _chunked(lambda s: (_sum_rows(g[s]), _dot_rows(g[s], xc[s])), g)
            elif need_b:
                gsum = _channel_sum(g)
        gw = gxc * invstd if need_w else None
        gx = None
        if need_x:
            scale = invstd if weight is None else invstd * weight
            n = g.dtype.type(ctx.n)
            # dx = scale * (g - gsum/n) - xc * scale * invstd^2 * gxc / n
            #    = scale * g + (xc * k + shift), two per-channel vectors k and shift
            k, shift = -scale * invstd * invstd * gxc / n, -(scale * gsum / n)
            if ctx.graph:
                gx = g * scale.reshape(shape) + xc * k.reshape(shape) + shift.reshape(shape)
            else:
                gx = _affine(g, scale, shift, xc, k)
        return gx, gw, gsum if need_b else None


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
    return BatchNorm.apply(x, weight, bias, running_mean=None if running_mean is None else running_mean.array,
                           running_var=None if running_var is None else running_var.array,
                           training=bool(training), momentum=float(momentum), eps=float(eps))


def batch_norm(x, running_mean, running_var, weight=None, bias=None, training=True, momentum=0.1, eps=1e-5):
    """Normalise x (N, C) or (N, C, ...) per channel; see the module docstring for the formulas.

    running_mean, running_var: (C,) tensors updated in place when training (or None: always use
    the batch statistics). weight, bias: (C,) or None.
    """
    return _batch_norm("batch_norm", x, running_mean, running_var, weight, bias, training, momentum, eps)
