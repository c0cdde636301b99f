"""Devices, PyTorch's way: ``minigan.device("cpu")`` is the NumPy backend, ``"cuda"`` the CuPy one.

    device = minigan.device("cuda" if minigan.cuda.is_available() else "cpu")
    x = minigan.randn(4, 3, device=device)
    y = x.to(device)            # differentiable: gradients flow back to x's backend

minigan drives one GPU (CuPy's current device), so ``"cuda"`` and ``"cuda:0"`` are the only
CUDA devices; ``"cuda:1"`` is refused with a message rather than silently mapped to GPU 0.
The backend names ``"numpy"`` and ``"cupy"`` are accepted wherever a device is.

The differentiable move between backends is ``ops.ToBackend``; ``Tensor.to`` reads its
arguments (device, dtype, another tensor) with the helpers here.
"""
import builtins

import numpy

from . import backend

_TYPE_OF_BACKEND = {"numpy": "cpu", "cupy": "cuda"}
_BACKEND_OF_TYPE = {"cpu": "numpy", "cuda": "cupy"}


class device:
    """Where a tensor lives: ``device("cpu")``, ``device("cuda")``, ``device("cuda:0")``,
    ``device("cuda", 0)``. Compares equal to another device of the same type and index, as in
    PyTorch (``device("cuda") != device("cuda:0")``; a CUDA tensor's ``.device`` is ``cuda:0``)."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        if not isinstance(type, str):
            raise TypeError(f"device() takes a string such as 'cpu', 'cuda' or 'cuda:0', got "
                            f"{type!r} ({builtins.type(type).__name__})")
        name = type.strip().lower()
        name = _TYPE_OF_BACKEND.get(name, name)           # 'numpy' / 'cupy' name the same places
        if ":" in name:
            if index is not None:
                raise ValueError(f"device {type!r} already names an index; do not pass index={index!r} too")
            name, _, text = name.partition(":")
            if not text.isdigit():
                raise ValueError(f"device {type!r}: the index after ':' must be a number, as in 'cuda:0'")
            index = int(text)
        if name not in _BACKEND_OF_TYPE:
            raise ValueError(f"unknown device {type!r}: expected 'cpu', 'cuda' or 'cuda:0' "
                             "(or the backend names 'numpy' and 'cupy')")
        if index is not None:
            if isinstance(index, bool) or not isinstance(index, (int, numpy.integer)) or index < 0:
                raise ValueError(f"device index must be a non-negative integer, got {index!r}")
            index = int(index)
            if name == "cpu" and index != 0:
                raise ValueError(f"device 'cpu:{index}': there is one CPU device, 'cpu'")
            if name == "cuda" and index != 0:
                raise ValueError(f"device 'cuda:{index}': minigan uses one GPU (CuPy's current "
                                 "device), so only 'cuda' / 'cuda:0' exist; choose the GPU with "
                                 "CUDA_VISIBLE_DEVICES instead")
            if name == "cpu":
                index = None          # PyTorch prints device(type='cpu') for 'cpu:0' too
        self.type, self.index = name, index

    @property
    def backend(self):
        """The minigan backend of this device: ``"numpy"`` or ``"cupy"``."""
        return _BACKEND_OF_TYPE[self.type]

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = device(other)
            except ValueError:
                return False
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"


def device_of_backend(name):
    """The device a tensor on backend ``name`` reports: ``cpu``, or ``cuda:0`` (as PyTorch's
    CUDA tensors report their index)."""
    return device("cpu") if name == "numpy" else device("cuda", 0)


def backend_of_device(where):
    """``"numpy"`` or ``"cupy"`` for a device, a device string or a backend name."""
    return device(where).backend


def is_device_like(x):
    """True for a device object or a string naming one (``"cpu"``, ``"cuda:0"``, ``"numpy"``)."""
    if isinstance(x, device):
        return True
    if isinstance(x, str):
        try:
            device(x)
            return True
        except ValueError:
            return False
    return False
