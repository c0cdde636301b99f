"""Saving and loading without ever leaving a half-written file.

Every file minigan writes goes to a temporary file in the same folder first and is then
renamed over the target (``os.replace`` is atomic on one file system): a crash, a full disk
or Ctrl-C leaves either the old file or the new one, never a broken mix.

``save``/``load`` store nested dicts, lists, numbers, strings and arrays (tensors are stored
as NumPy arrays) with pickle. ``load`` only rebuilds those types, so opening a file from
someone else cannot run code hidden in it.
"""
import contextlib
import io
import json
import os
import pickle
import tempfile

import numpy

from . import backend
from .device import backend_of_device
from .tensor import Tensor


@contextlib.contextmanager
def atomic_write(path, mode="wb"):
    """``with atomic_write(p) as f: f.write(...)``: p appears complete, or not at all."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)     # mkstemp makes private (0600) files; saved files may be shared
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise


def _to_host(obj):
    """Tensors and CuPy arrays become NumPy arrays; containers are walked."""
    if isinstance(obj, Tensor):
        return backend.to_numpy(obj.array)
    if backend.backend_of(obj) == "cupy" and hasattr(obj, "shape"):
        return backend.to_numpy(obj)
    if isinstance(obj, dict):
        return type(obj)((k, _to_host(v)) for k, v in obj.items()) if type(obj) is not dict else \
            {k: _to_host(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_host(v) for v in obj)
    return obj


def save(obj, path):
    """Write ``obj`` (dicts, lists, numbers, strings, arrays, tensors) to ``path`` atomically."""
    with atomic_write(path) as f:
        pickle.dump(_to_host(obj), f, protocol=pickle.HIGHEST_PROTOCOL)


class _SafeUnpickler(pickle.Unpickler):
    """Rebuilds only containers, numbers, strings and NumPy arrays."""

    _allowed = {("collections", "OrderedDict"), ("builtins", "complex"), ("builtins", "slice")}

    def find_class(self, module, name):
        if (module, name) in self._allowed or (
                module.split(".")[0] == "numpy" and name in ("_reconstruct", "ndarray", "dtype", "scalar",
                                                             "_frombuffer")) or (
                module.split(".")[0] == "numpy" and module.endswith("dtypes")):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}: a minigan file holds only "
                                     "arrays, numbers, strings and containers")


def _to_location(obj, name):
    if isinstance(obj, numpy.ndarray):
        return backend.to_backend(obj, name)
    if isinstance(obj, dict):
        return type(obj)((k, _to_location(v, name)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_location(v, name) for v in obj)
    return obj


def load(path, map_location=None):
    """Read a file written by :func:`save`. Raises ValueError if it is not one.

    Tensors come back as arrays (``Module.load_state_dict`` and ``Optimizer.load_state_dict``
    take them as they are; ``minigan.tensor(a)`` makes one a Tensor again). ``map_location``
    (``"cpu"``, ``"cuda"``, a ``minigan.device``, or a backend name) puts them on that device;
    by default they stay NumPy arrays, which any machine can read."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no such file: {path}")
    with open(path, "rb") as f:
        data = f.read()
    try:
        obj = _SafeUnpickler(io.BytesIO(data)).load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError) as e:
        raise ValueError(f"{path} is not a minigan file (or it is damaged): {e}") from None
    if map_location is None:
        return obj
    return _to_location(obj, backend_of_device(map_location))


def save_json(obj, path):
    with atomic_write(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def save_figure(fig, path, **kwargs):
    """Save a matplotlib figure atomically (format from the file name)."""
    fmt = os.path.splitext(os.fspath(path))[1].lstrip(".") or "png"
    with atomic_write(path) as f:
        fig.savefig(f, format=fmt, **kwargs)
