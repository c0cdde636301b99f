"""softmax and log_softmax along one dimension, computed stably (log-sum-exp).

    log_softmax(x)_i = x_i - m - log sum_j exp(x_j - m),   m = max_j x_j
    softmax(x)_i     = exp(log_softmax(x)_i)

Subtracting the maximum changes nothing mathematically and keeps every exponent <= 0, so
no logit, however large, overflows. Backward, with p = softmax(x) and g = d(loss)/d(out):

    log_softmax:  dx = g - p * sum_j g_j
    softmax:      dx = p * (g - sum_j g_j p_j)

Both backwards use only ``* - .sum(axis, keepdims)`` on the saved output (arrays or Tensors).
"""
from ..backend import get_array_module
from ..function import Function
from ..tensor import Tensor, _dim_index


class LogSoftmax(Function):
    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, dim=-1):
        xp = get_array_module(x)
        shifted = x - x.max(axis=dim, keepdims=True)
        out = shifted - xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True))
        ctx.save_for_backward(out)
        ctx.p, ctx.dim = xp.exp(out), dim          # p = softmax(x), kept for a first-order backward
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        p = out.exp() if ctx.graph else ctx.p      # building a graph: p as a function of the output
        return g - p * g.sum(axis=ctx.dim, keepdims=True)


class Softmax(Function):
    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, dim=-1):
        xp = get_array_module(x)
        e = xp.exp(x - x.max(axis=dim, keepdims=True))
        out = e / e.sum(axis=dim, keepdims=True)
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, g):
        (p,) = ctx.saved_tensors
        return p * (g - (g * p).sum(axis=ctx.dim, keepdims=True))


def _dim(name, input, dim):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
    if dim is None:
        # PyTorch guesses a dimension here (with a deprecation warning); guessing hides mistakes
        raise TypeError(f"{name}: say along which dimension, e.g. {name}(x, dim=1) for (N, C) scores")
    dim = _dim_index(dim, input.ndim, name)      # an IndexError in PyTorch's words, as every dim
    return dim if input.ndim else None


def softmax(input, dim=None):
    """exp(x) / sum exp(x) along ``dim`` (required): probabilities that sum to 1 along it."""
    return Softmax.apply(input, dim=_dim("softmax", input, dim))


def log_softmax(input, dim=None):
    """log(softmax(x)) along ``dim`` (required), without the overflow of doing it in two steps."""
    return LogSoftmax.apply(input, dim=_dim("log_softmax", input, dim))
