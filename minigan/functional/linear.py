"""The fully connected layer: y = x W^T + b, with PyTorch's weight layout (out, in)."""
from .. import parallel
from ..function import Function
from ..tensor import Tensor


def _mm(a, b):
    """a @ b; on arrays :func:`minigan.parallel.matmul` (fixed blocks, BLAS on one thread:
    the same bits for any thread count), the leading dimensions of ``a`` flattened."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return a @ b
    out = parallel.matmul(a.reshape(-1, a.shape[-1]), b)
    return out.reshape(a.shape[:-1] + (b.shape[-1],))


class Linear(Function):
    differentiable_backward = True      # its backward is matrix products of saved inputs

    @staticmethod
    def forward(ctx, x, weight, bias=None):
        ctx.save_for_backward(x, weight)
        ctx.has_bias = bias is not None
        out = _mm(x, weight.T)            # (..., in) @ (in, out) -> (..., out)
        if bias is not None:
            out += bias                   # in place: out is a fresh array
        return out

    @staticmethod
    def backward(ctx, g):
        # dx = g W,  dW = g^T x (summed over all leading dims),  db = sum of g over them
        x, weight = ctx.saved_tensors
        need_x, need_w = ctx.needs_input_grad[:2]
        need_b = ctx.has_bias and ctx.needs_input_grad[2]
        g2 = g.reshape(-1, g.shape[-1])
        gx = _mm(g, weight) if need_x else None
        gw = _mm(g2.T, x.reshape(-1, x.shape[-1])) if need_w else None
        gb = g2.sum(axis=0) if need_b else None
        return gx, gw, gb


def linear(x, weight, bias=None):
    """y = x @ weight.T + bias for x of shape (..., in_features) and weight (out_features, in_features)."""
    if weight.ndim != 2:
        raise ValueError(f"linear: weight must be 2-D (out_features, in_features), got shape {weight.shape}")
    if x.ndim < 1 or x.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: input of shape {x.shape} does not fit weight of shape {weight.shape}: "
                         f"expected the input's last dimension to be in_features={weight.shape[1]}")
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ValueError(f"linear: bias must have shape ({weight.shape[0]},), got {bias.shape}")
    if bias is None:
        return Linear.apply(x, weight)
    return Linear.apply(x, weight, bias)
