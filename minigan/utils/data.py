"""``minigan.utils.data``: PyTorch's Dataset, TensorDataset and DataLoader.

    loader = DataLoader(dataset, batch_size=64, shuffle=True, drop_last=True)
    for images, labels in loader: ...

A batch is collated as PyTorch's ``default_collate`` does: tensors (and NumPy arrays) are
stacked along a new first dimension, Python ints become an int64 tensor, floats a float64 one,
tuples and lists are collated field by field and dicts key by key.

``num_workers`` is accepted and ignored: minigan loads in the main process (its datasets live
in memory, so worker processes would only add start-up time). ``minigan.data.DataLoader``,
the engine's own fast loader over in-memory arrays, is unchanged.
"""
import numbers

import numpy

from .. import backend
from ..tensor import Tensor, int64, float64, stack, tensor


class Dataset:
    """A map-style dataset: define ``__getitem__(i)`` and ``__len__()``."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")


class TensorDataset(Dataset):
    """Examples ``(t[i] for t in tensors)`` from tensors sharing their first dimension."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        n = tensors[0].shape[0]
        if any(t.shape[0] != n for t in tensors):
            raise ValueError("TensorDataset: every tensor must have the same size in dimension 0, got "
                             + ", ".join(str(t.shape[0]) for t in tensors))
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The examples of ``dataset`` at ``indices``, in that order (PyTorch's Subset)."""

    def __init__(self, dataset, indices):
        self.dataset, self.indices = dataset, list(indices)

    def __getitem__(self, index):
        if isinstance(index, list):
            return [self.dataset[self.indices[i]] for i in index]
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)


def random_split(dataset, lengths, generator=None):
    """Non-overlapping Subsets of the given lengths, from one random permutation: PyTorch's rules
    (lengths that add up to len(dataset), or fractions that add up to 1, whose rounding
    remainder goes one example at a time to the first subsets). The permutation comes from
    minigan's NumPy generator (``minigan.manual_seed``); ``generator`` is accepted and ignored."""
    n = len(dataset)
    lengths = list(lengths)
    if lengths and all(isinstance(v, numbers.Real) and not isinstance(v, numbers.Integral) for v in lengths) \
            and abs(sum(lengths) - 1) < 1e-9:
        if any(not 0 <= v <= 1 for v in lengths):
            raise ValueError(f"random_split: fractions must be between 0 and 1, got {lengths}")
        sizes = [int(v * n) for v in lengths]              # PyTorch: floor, then the remainder
        for i in range(n - sum(sizes)):                    # round-robin from the first subset
            sizes[i % len(sizes)] += 1
        lengths = sizes
    if not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 0 for v in lengths):
        raise ValueError(f"random_split: lengths must be non-negative ints or fractions adding up to 1, "
                         f"got {lengths}")
    if sum(lengths) != n:
        raise ValueError(f"random_split: the lengths {lengths} add up to {sum(lengths)}, not to the "
                         f"dataset's length {n}")
    order = backend.generator("numpy").permutation(n).tolist()
    out, start = [], 0
    for size in lengths:
        out.append(Subset(dataset, order[start:start + size]))
        start += size
    return out


def default_collate(batch):
    """Merge a list of examples into a batch, as PyTorch's ``default_collate``."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(list(batch))
    if isinstance(elem, numpy.ndarray):
        return tensor(numpy.stack(batch))
    if isinstance(elem, bool):
        return tensor(batch)
    if isinstance(elem, numbers.Integral):
        return tensor(batch, dtype=int64)
    if isinstance(elem, numbers.Real):
        return tensor(batch, dtype=float64)
    if isinstance(elem, str):
        return list(batch)
    if isinstance(elem, dict):
        return {k: default_collate([b[k] for b in batch]) for k in elem}
    if isinstance(elem, (tuple, list)):
        if any(len(b) != len(elem) for b in batch):
            raise ValueError("default_collate: every example in a batch must have the same number of fields")
        return [default_collate(list(field)) for field in zip(*batch)]
    raise TypeError(f"default_collate: cannot batch examples of type {type(elem).__name__}: expected "
                    "tensors, arrays, numbers, strings, or tuples/lists/dicts of them")


class DataLoader:
    """``DataLoader(dataset, batch_size=1, shuffle=False, num_workers=0, drop_last=False,
    collate_fn=None, ...)`` with PyTorch's defaults. The shuffled order is drawn from
    minigan's NumPy generator, so ``minigan.manual_seed(s)`` makes it reproducible."""

    def __init__(self, dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, generator=None, prefetch_factor=None, persistent_workers=False):
        if not isinstance(batch_size, numbers.Integral) or isinstance(batch_size, bool) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got {batch_size!r}")
        if not isinstance(num_workers, numbers.Integral) or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers must be a non-negative integer, got {num_workers!r}")
        if sampler is not None or batch_sampler is not None:
            raise NotImplementedError("DataLoader: sampler and batch_sampler are not supported; use shuffle=")
        self.dataset, self.batch_size, self.shuffle = dataset, int(batch_size), bool(shuffle)
        self.num_workers, self.drop_last = num_workers, bool(drop_last)     # num_workers: see module doc
        self.collate_fn = default_collate if collate_fn is None else collate_fn

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self):
        n = len(self.dataset)
        order = backend.generator("numpy").permutation(n) if self.shuffle else numpy.arange(n)
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            idx = order[start:start + self.batch_size]
            if isinstance(self.dataset, TensorDataset):   # one gather per tensor, same batch as collating
                yield list(self.dataset[tensor(idx)])
            else:
                yield self.collate_fn([self.dataset[int(i)] for i in idx])
