"""Activation functions, each a kernel with its own closed-form backward.

Each backward uses what the forward already has (the output, or a boolean mask), so no
activation recomputes anything or keeps more than one array per call. ReLU and LeakyReLU
multiply g by a constant mask (their second derivative is zero wherever it exists); tanh
and sigmoid write their derivative from the output, which under ``create_graph=True`` is
the graph's output tensor, so d/dx of the gradient comes out right.
"""
from ..backend import get_array_module
from ..function import Function
from ..ops import times_mask


class ReLU(Function):
    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        out = get_array_module(x).maximum(x, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        # relu'(x) = 1 where x > 0, else 0 (0 at the kink, as PyTorch); out > 0 exactly where x > 0
        (out,) = ctx.saved_arrays
        # the 0/1 mask is written straight as floats (no bool temporary, no bool*float loop)
        xp = get_array_module(out)
        return times_mask(g, xp.greater(out, 0, out=xp.empty_like(out)))


class LeakyReLU(Function):
    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, negative_slope=0.01):
        xp = get_array_module(x)
        positive = x > 0
        ctx.save_for_backward(positive)
        ctx.slope = x.dtype.type(negative_slope)
        if 0 <= negative_slope <= 1:
            # for a slope in [0, 1], max(x, slope*x) is x when x > 0 and slope*x otherwise;
            # one maximum is several times faster than where() in NumPy, and writing it over
            # slope*x saves allocating a second array
            out = xp.multiply(x, ctx.slope, out=xp.empty_like(x))
            return xp.maximum(x, out, out=out)
        return xp.where(positive, x, x * ctx.slope)

    @staticmethod
    def backward(ctx, g):
        # local slope: 1 where x > 0, negative_slope elsewhere (x = 0 included, as PyTorch);
        # built in place from the saved mask: 1*(1 - s) + s = 1 and 0*(1 - s) + s = s
        (positive,) = ctx.saved_arrays
        local = positive.astype(ctx.slope.dtype)
        local *= 1 - ctx.slope
        local += ctx.slope
        return times_mask(g, local)


class Tanh(Function):
    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        out = get_array_module(x).tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors     # tanh'(x) = 1 - tanh(x)^2
        return g * (1 - out * out)


class Sigmoid(Function):
    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        # Stable for large |x|: with e = exp(-|x|) <= 1 nothing overflows.
        #   x >= 0:  1 / (1 + e)         x < 0:  e / (1 + e)
        xp = get_array_module(x)
        e = xp.exp(-xp.abs(x))
        out = xp.where(x >= 0, x.dtype.type(1), e) / (1 + e)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors     # sigmoid' = sigmoid (1 - sigmoid)
        return g * out * (1 - out)


def relu(x):
    """max(x, 0), elementwise."""
    return ReLU.apply(x)


def leaky_relu(x, negative_slope=0.01):
    """x for x > 0, negative_slope * x otherwise."""
    return LeakyReLU.apply(x, negative_slope=negative_slope)


def tanh(x):
    return Tanh.apply(x)


def sigmoid(x):
    """1 / (1 + exp(-x)), computed without overflow for any x."""
    return Sigmoid.apply(x)
