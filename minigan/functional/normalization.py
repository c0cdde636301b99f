"""Layer normalisation (Ba, Kiros & Hinton, 2016), composed from tensor ops.

Over the last ``len(normalized_shape)`` dimensions of x, for each leading index:

    mu = mean(x),  var = mean((x - mu)^2)          (biased variance, as PyTorch's)
    y  = (x - mu) / sqrt(var + eps) * weight + bias

Built from differentiable tensor ops, so its gradient (and its gradient of gradients) comes
from theirs; no kernel of its own is needed.
"""
from ..tensor import Tensor


def _normalized_shape(normalized_shape):
    if isinstance(normalized_shape, int):
        return (normalized_shape,)
    return tuple(int(n) for n in normalized_shape)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """``F.layer_norm``: normalise ``input`` over its trailing ``normalized_shape`` dimensions."""
    if not isinstance(input, Tensor):
        raise TypeError(f"layer_norm: input must be a Tensor, got {type(input).__name__}")
    shape = _normalized_shape(normalized_shape)
    k = len(shape)
    if k == 0 or input.ndim < k or tuple(input.shape[-k:]) != shape:
        raise ValueError(f"layer_norm: normalized_shape {shape} must match the last dimensions of "
                         f"the input, whose shape is {tuple(input.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise ValueError(f"layer_norm: {name} must have shape {shape}, got {tuple(t.shape)}")
    dims = tuple(range(input.ndim - k, input.ndim))
    centred = input - input.mean(dim=dims, keepdim=True)
    var = (centred * centred).mean(dim=dims, keepdim=True)
    out = centred / (var + eps).sqrt()
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out
