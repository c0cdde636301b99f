"""Embedding lookup and one-hot, for integer (class index) tensors.

    embedding(i) = weight[i]          (a differentiable gather: its backward sums into rows)
    one_hot(i)[..., k] = 1 if i == k else 0
"""
from .. import backend
from ..tensor import Tensor, int64


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
