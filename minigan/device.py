"""Devices, PyTorch's way: ``minigan.device("cpu")`` is the NumPy backend, ``"cuda"`` the CuPy one.

    device = minigan.device("cuda" if minigan.cuda.is_available() else "cpu")
    x = minigan.randn(4, 3, device=device)
    y = x.to(device)            # differentiable: gradients flow back to x's backend

minigan drives one GPU (CuPy's current device), so ``"cuda"`` and ``"cuda:0"`` are the only
CUDA devices; ``"cuda:1"`` is refused with a message rather than silently mapped to GPU 0.
The backend names ``"numpy"`` and ``"cupy"`` are accepted wherever a device is.

:class:`ToBackend` is the differentiable move between backends, and :func:`parse_to_args`
reads the arguments of ``.to(...)`` (for tensors and modules alike).
"""
import builtins

import numpy

from . import backend
from .function import Function

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


def parse_to_args(args, kwargs, to_dtype):
    """Read the arguments of ``.to(...)`` as PyTorch does:
    ``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(other_tensor)``, and the keywords
    ``device=``, ``dtype=``, ``non_blocking=``, ``copy=``.

    Returns ``(backend_name or None, dtype or None, copy)``. ``to_dtype`` turns a dtype-like
    value into a NumPy dtype (raising TypeError for anything else).
    """
    from .tensor import Tensor
    kwargs = dict(kwargs)
    where, dtype = kwargs.pop("device", None), kwargs.pop("dtype", None)
    kwargs.pop("non_blocking", None)              # one stream: there is nothing to overlap
    copy = bool(kwargs.pop("copy", False))
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got unexpected keyword argument(s) {', '.join(sorted(kwargs))}")
    args = list(args)
    if args and isinstance(args[0], Tensor):
        other = args.pop(0)
        where, dtype = other.device, other.dtype
    elif args and is_device_like(args[0]):
        where = args.pop(0)
    if args and dtype is None and not isinstance(args[0], bool):
        dtype = args.pop(0)
    if args and isinstance(args[0], bool):       # to(dtype, non_blocking, copy) positional flags
        args.pop(0)
        if args and isinstance(args[0], bool):
            copy = args.pop(0)
    if args:
        raise TypeError(f"to() got unexpected argument(s) {args!r}: expected a device, a dtype, "
                        "a device and a dtype, or a tensor")
    if isinstance(dtype, str):
        try:
            to_dtype(dtype)
        except TypeError:
            raise TypeError(f"to({dtype!r}): expected a device ('cpu', 'cuda', 'cuda:0') or a dtype "
                            "(minigan.float32, minigan.float64, ...)") from None
    name = None if where is None else backend_of_device(where)
    if name is not None:
        backend.get_module(name)      # fail now with the clear message when CuPy is missing
    return name, (None if dtype is None else to_dtype(dtype)), copy


class ToBackend(Function):
    """Move an array to another backend; the gradient moves back: d(out)/d(in) = identity.

    Its backward is the move back, as an op (``ToBackend.run``), so it can be differentiated
    again.
    """
    differentiable_backward = True

    @staticmethod
    def forward(ctx, a, target):
        ctx.source = backend.backend_of(a)
        return backend.to_backend(a, target)

    @staticmethod
    def backward(ctx, g):
        return ToBackend.run(g, target=ctx.source)
