"""Dropout, embedding lookup, one-hot and nearest upsampling, composed from tensor ops (so
their gradients, first and second, are those of multiplication, indexing and broadcasting).

    dropout(x)   = x * m / (1 - p),  m ~ Bernoulli(1 - p) per element (per channel for dropout2d)
    embedding(i) = weight[i]
    nearest x s  : out[n, c, i, j] = x[n, c, i // s, j // s]
"""
import numbers

from .. import backend
from ..tensor import Tensor, int64


def _check_p(name, p):
    if not isinstance(p, numbers.Real) or not 0.0 <= p <= 1.0:
        raise ValueError(f"{name}: p must be a probability between 0 and 1, got {p!r}")


def _keep_mask(input, shape, p):
    """A constant float mask of 0 and 1/(1-p), drawn from minigan's generator of input's backend."""
    rng = backend.generator(input.backend)
    keep = rng.random(shape, dtype=input.dtype) >= input.dtype.type(p)
    return keep.astype(input.dtype) / input.dtype.type(1.0 - p)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1/(1-p) (identity when not training)."""
    _check_p("dropout", p)
    if not training or p == 0:
        return input
    if p == 1:
        return input * 0.0
    return input * _keep_mask(input, input.shape, p)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of a (N, C, H, W) or (C, H, W) input with probability p."""
    _check_p("dropout2d", p)
    if input.ndim not in (3, 4):
        raise ValueError(f"dropout2d: expected a (N, C, H, W) or (C, H, W) input, got shape {tuple(input.shape)}")
    if not training or p == 0:
        return input
    if p == 1:
        return input * 0.0
    return input * _keep_mask(input, tuple(input.shape[:-2]) + (1, 1), p)


def _check_indices(name, indices):
    if not isinstance(indices, Tensor) or indices.dtype.kind not in "iu":
        got = indices.dtype if isinstance(indices, Tensor) else type(indices).__name__
        raise TypeError(f"{name}: expected an integer (int64) index tensor, got {got}")


def embedding(input, weight, padding_idx=None):
    """Rows ``weight[input]``; output shape ``input.shape + (embedding_dim,)``. Rows at
    ``padding_idx`` are looked up but get no gradient, as in PyTorch."""
    _check_indices("embedding", input)
    n = weight.shape[0]
    if input.numel() and (int(input.array.min()) < 0 or int(input.array.max()) >= n):
        raise IndexError(f"embedding: indices must be in 0..{n - 1} (num_embeddings={n}), got values "
                         f"from {int(input.array.min())} to {int(input.array.max())}")
    out = weight[input]
    if padding_idx is None:
        return out
    if padding_idx < 0:
        padding_idx += n
    keep = (input.array != padding_idx).astype(weight.dtype)[..., None]
    return out * keep + out.detach() * (1 - keep)


def one_hot(tensor, num_classes=-1):
    """int64 tensor of shape ``tensor.shape + (num_classes,)``, 1 at each index (-1: max + 1)."""
    _check_indices("one_hot", tensor)
    if num_classes == -1:
        num_classes = int(tensor.array.max()) + 1 if tensor.numel() else 0
    if tensor.numel() and (int(tensor.array.min()) < 0 or int(tensor.array.max()) >= num_classes):
        raise ValueError(f"one_hot: class values must be in 0..{num_classes - 1}, got values from "
                         f"{int(tensor.array.min())} to {int(tensor.array.max())}")
    xp = backend.get_array_module(tensor.array)
    out = (tensor.array[..., None] == xp.arange(num_classes)).astype(int64)
    return Tensor._make(out)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Upsample a (N, C, H, W) input by an integer factor with mode 'nearest' (each pixel
    repeated s x s times). ``size`` must then be a whole multiple of the input size."""
    if mode != "nearest":
        raise NotImplementedError(f"interpolate: only mode='nearest' is implemented, got {mode!r}")
    if input.ndim != 4:
        raise ValueError(f"interpolate: expected a (N, C, H, W) input, got shape {tuple(input.shape)}")
    n, c, h, w = input.shape
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    if size is not None:
        size = (size, size) if isinstance(size, numbers.Integral) else tuple(size)
        if size[0] % h or size[1] % w:
            raise ValueError(f"interpolate: size {size} must be a whole multiple of the input's {(h, w)}")
        sh, sw = size[0] // h, size[1] // w
    else:
        sh, sw = (scale_factor, scale_factor) if isinstance(scale_factor, numbers.Real) else scale_factor
        if sh != int(sh) or sw != int(sw) or sh < 1 or sw < 1:
            raise ValueError(f"interpolate: scale_factor must be a positive whole number, got {scale_factor!r}")
        sh, sw = int(sh), int(sw)
    return input.reshape(n, c, h, 1, w, 1).expand(n, c, h, sh, w, sw).reshape(n, c, h * sh, w * sw)


