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


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
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
