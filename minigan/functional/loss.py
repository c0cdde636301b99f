"""Binary cross-entropy, the GAN loss: from probabilities and, more stably, from logits.

For a prediction p in [0, 1] and a target t (1 = real, 0 = fake):

    BCE(p, t) = -[ t log p + (1 - t) log(1 - p) ]

Each log is clamped at -100, as PyTorch does, so p = 0 or p = 1 gives a large but finite
loss instead of inf. From a logit x (p = sigmoid(x)) the same loss is

    max(x, 0) - x t + log(1 + exp(-|x|))

which never takes the log of 0 and never overflows.
"""
import math

from ..backend import get_array_module
from ..function import Function
from ..ops import Log, Sigmoid

REDUCTIONS = ("mean", "sum", "none")


def _reduce(loss, reduction, count=None):
    """The mean, the sum or (``"none"``) all of ``loss``. ``count``, when given, is called for
    the mean's divisor (nll's sum of the target weights) instead of the number of elements."""
    if reduction == "mean":
        return loss.mean() if count is None else loss.sum() / count()
    if reduction == "sum":
        return loss.sum()
    return loss


def _reduce_grad(g, shape, reduction, dtype):
    """Gradient of the reduction: spread g back over the elements."""
    if reduction == "mean":
        size = 1
        for n in shape:
            size *= n
        return g / dtype.type(size)
    return g


def _clamped_log(a):
    """log(a) clamped at -100 (PyTorch's guard), as a differentiable op: where the clamp acts
    (a <= e^-100) its derivative is 0."""
    return Log.run(a.clip(min=math.exp(-100.0)))


class BinaryCrossEntropy(Function):
    differentiable_backward = True

    @staticmethod
    def forward(ctx, p, target, reduction="mean"):
        xp = get_array_module(p, target)
        # where p is exactly 0 (or 1) the clamped log is -100 directly: log(0) itself would
        # print a divide-by-zero warning every time the discriminator saturates
        log_p = xp.where(p > 0, xp.maximum(xp.log(xp.where(p > 0, p, 1)), -100), -100)
        log_1mp = xp.where(p < 1, xp.maximum(xp.log1p(-xp.where(p < 1, p, 0)), -100), -100)
        ctx.save_for_backward(p, target)
        ctx.reduction = reduction
        return _reduce(-(target * log_p + (1 - target) * log_1mp), reduction)

    @staticmethod
    def backward(ctx, g):
        # dBCE/dp = (p - t) / (p (1 - p)); the denominator is kept >= 1e-12 (PyTorch's guard)
        # dBCE/dt = log(1 - p) - log p   (with the same clamped logs)
        p, t = ctx.saved_tensors
        g = _reduce_grad(g, p.shape, ctx.reduction, p.dtype)
        gp = g * (p - t) / (p * (1 - p)).clip(min=1e-12) if ctx.needs_input_grad[0] else None
        gt = g * (_clamped_log(1 - p) - _clamped_log(p)) if ctx.needs_input_grad[1] else None
        return gp, gt


class BinaryCrossEntropyWithLogits(Function):
    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, target, reduction="mean"):
        xp = get_array_module(x, target)
        ctx.save_for_backward(x, target)
        ctx.reduction = reduction
        loss = xp.maximum(x, 0) - x * target + xp.log1p(xp.exp(-xp.abs(x)))
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx, g):
        # dL/dx = sigmoid(x) - t ;  dL/dt = -x
        x, t = ctx.saved_tensors
        g = _reduce_grad(g, x.shape, ctx.reduction, x.dtype)
        gx = gt = None
        if ctx.needs_input_grad[0]:
            gx = g * (Sigmoid.run(x) - t)
        if ctx.needs_input_grad[1]:
            gt = -g * x
        return gx, gt


def _check(name, input, target, reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of {', '.join(REDUCTIONS)}, got {reduction!r}")
    if input.shape != target.shape:
        raise ValueError(f"{name}: input and target must have the same shape, got {input.shape} and "
                         f"{target.shape} (a (B, 1) output needs a (B, 1) target)")


def binary_cross_entropy(input, target, reduction="mean"):
    """BCE between probabilities ``input`` in [0, 1] and ``target`` of the same shape."""
    _check("binary_cross_entropy", input, target, reduction)
    return BinaryCrossEntropy.apply(input, target, reduction=reduction)


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    """BCE of sigmoid(input) against ``target``, computed stably from the logits."""
    _check("binary_cross_entropy_with_logits", input, target, reduction)
    return BinaryCrossEntropyWithLogits.apply(input, target, reduction=reduction)


# --------------------------------------------------------------------------- multi-class losses
# nll_loss and cross_entropy, for C classes, composed from tensor ops (so they have second
# derivatives wherever log_softmax does):
#
#     nll_loss(logp, y)_n      = -w[y_n] logp[n, y_n]
#     cross_entropy(x, y)      = nll_loss(log_softmax(x, dim=1), y)
#     with label_smoothing e:  (1 - e) * nll  +  (e / C) * sum_c -w[c] logp[n, c]
#
# The pick ``logp[n, y_n]`` is a product with a constant one-hot mask, summed over classes.
# reduction="mean" divides by sum_n w[y_n] over the targets that are not ``ignore_index``
# (PyTorch's weighted mean), "sum" adds, "none" keeps one loss per target. Class-probability
# targets (a float target shaped like the input) give sum_c -w[c] t[n, c] logp[n, c], and
# their mean divides by the number of targets.



def _class_targets(name, input, target, ignore_index):
    """The integer target array, checked against the input's shape, classes and backend."""
    from ..backend import backend_of
    from ..tensor import Tensor
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
    if not isinstance(target, Tensor):
        raise TypeError(f"{name}: target must be a Tensor of class indices, got {type(target).__name__}")
    if input.ndim < 1:
        raise ValueError(f"{name}: input must hold one score per class, (N, C) or (C,), got a 0-D tensor")
    y = target.array
    if y.dtype.kind not in "iu":
        raise TypeError(f"{name}: target must hold integer class indices (int64), got {y.dtype}; "
                        "class probabilities go to cross_entropy with a target shaped like the input")
    expected = input.shape[:1] + input.shape[2:] if input.ndim > 1 else ()
    if y.shape != expected:
        raise ValueError(f"{name}: input of shape {input.shape} needs a target of shape {expected} "
                         f"(one class index per {'sample' if input.ndim > 1 else 'input'}), got {y.shape}")
    if backend_of(y) != backend_of(input.array):
        raise TypeError(f"{name}: input is on {backend_of(input.array)} but target on {backend_of(y)}")
    c = input.shape[1] if input.ndim > 1 else input.shape[0]
    bad = ((y < 0) | (y >= c)) & (y != ignore_index)
    if bool(bad.any()):
        raise ValueError(f"{name}: target holds class {int(y[bad].reshape(-1)[0])}, outside 0..{c - 1} "
                         f"for an input with {c} classes")
    return y


def _class_weight(name, input, weight):
    """The per-class weights as an array of the input's dtype, or None."""
    if weight is None:
        return None
    c = input.shape[1] if input.ndim > 1 else input.shape[0]
    w = weight.array if hasattr(weight, "array") else weight
    if tuple(w.shape) != (c,):
        raise ValueError(f"{name}: weight must have one entry per class, shape ({c},), got {tuple(w.shape)}")
    return w.astype(input.dtype, copy=False)


def _class_shape(ndim, c):
    """(1, C, 1, ...) for broadcasting a per-class array against an (N, C, d1, ...) input."""
    return (c,) if ndim == 1 else (1, c) + (1,) * (ndim - 2)


def _check_reduction(name, reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of {', '.join(REDUCTIONS)}, got {reduction!r}")


def _nll(input, y, w, ignore_index, reduction):
    """-(w[y] * logp[., y]) per target, reduced; ``input`` holds log-probabilities."""
    xp = get_array_module(input.array)
    class_axis = 1 if input.ndim > 1 else 0
    c = input.shape[class_axis]
    valid = y != ignore_index
    labels = xp.where(valid, y, 0)
    classes = xp.arange(c).reshape(_class_shape(input.ndim, c))
    mask = (xp.expand_dims(labels, class_axis) == classes) & xp.expand_dims(valid, class_axis)
    mask = mask.astype(input.dtype)
    if w is not None:
        mask = mask * w.reshape(_class_shape(input.ndim, c))
    per = -(input * mask).sum(axis=class_axis)
    return _reduce(per, reduction, lambda: _nll_denominator(xp, y, w, ignore_index, input.dtype))


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """Negative log-likelihood of class indices ``target`` under log-probabilities ``input``.

    input (N, C) or (N, C, d1, ...) or (C,); target int (N,) or (N, d1, ...) or (), with class
    indices in 0..C-1 (``ignore_index`` entries count for nothing). ``weight``: (C,) per class.
    """
    _check_reduction("nll_loss", reduction)
    y = _class_targets("nll_loss", input, target, ignore_index)
    return _nll(input, y, _class_weight("nll_loss", input, weight), ignore_index, reduction)


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """Cross-entropy between the softmax of the scores ``input`` and ``target``.

    ``target`` holds class indices (int, shaped like the input without its class axis) or
    class probabilities (float, shaped like the input). ``label_smoothing`` e in [0, 1]
    mixes the target with the uniform distribution: (1 - e) * target + e / C.
    """
    from .softmax import log_softmax
    from ..tensor import Tensor
    _check_reduction("cross_entropy", reduction)
    if not 0.0 <= float(label_smoothing) <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    if not isinstance(input, Tensor):
        raise TypeError(f"cross_entropy: input must be a Tensor, got {type(input).__name__}")
    eps = float(label_smoothing)
    class_axis = 1 if input.ndim > 1 else 0
    w = _class_weight("cross_entropy", input, weight)
    if isinstance(target, Tensor) and target.dtype.kind == "f" and target.shape == input.shape:
        # class probabilities (a float target of any other shape is refused below)
        logp = log_softmax(input, dim=class_axis)
        c = input.shape[class_axis]
        t = target * (1 - eps) + eps / c if eps else target
        if w is not None:
            t = t * w.reshape(_class_shape(input.ndim, c))
        per = -(logp * t).sum(axis=class_axis)
        return _reduce(per, reduction, lambda: input.dtype.type(max(per.array.size, 1)))
    y = _class_targets("cross_entropy", input, target, ignore_index)
    logp = log_softmax(input, dim=class_axis)
    nll = _nll(logp, y, w, ignore_index, reduction)
    if not eps:
        return nll
    xp = get_array_module(input.array)
    c = input.shape[class_axis]
    row = xp.expand_dims(y != ignore_index, class_axis).astype(input.dtype)
    if w is not None:
        row = row * w.reshape(_class_shape(input.ndim, c))
    smooth = -(logp * row).sum(axis=class_axis)
    if reduction == "sum":
        smooth = smooth.sum()
    elif reduction == "mean":
        denom = _nll_denominator(xp, y, w, ignore_index, input.dtype)
        smooth = smooth.sum() / denom
    return nll * (1 - eps) + smooth * (eps / c)


def _nll_denominator(xp, y, w, ignore_index, dtype):
    """sum_n w[y_n] over the targets that are not ignore_index (their count without weights)."""
    valid = y != ignore_index
    if w is None:
        return dtype.type(float(valid.sum()))
    return dtype.type(float(w[xp.where(valid, y, 0)][valid].sum()))


# ----------------------------------------------------------------------------- regression losses
def _regression(name, input, target, reduction):
    _check(name, input, target, reduction)
    if input.dtype != target.dtype:
        raise TypeError(f"{name}: input and target must have the same dtype, got {input.dtype} and "
                        f"{target.dtype}")


def mse_loss(input, target, reduction="mean"):
    """Mean squared error, mean((input - target)^2); composed from tensor ops (LSGAN's loss)."""
    _regression("mse_loss", input, target, reduction)
    d = input - target
    return _reduce(d * d, reduction)


def l1_loss(input, target, reduction="mean"):
    """Mean absolute error, mean(|input - target|); the derivative of |d| at 0 is 0, as in PyTorch."""
    _regression("l1_loss", input, target, reduction)
    return _reduce((input - target).abs(), reduction)
