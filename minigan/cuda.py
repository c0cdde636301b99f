"""``minigan.cuda``: the few ``torch.cuda`` calls that GAN scripts make.

``is_available()`` answers False, quickly and without printing, where CuPy is not installed
or no GPU answers; importing this module never imports CuPy. ``FloatTensor`` and
``LongTensor`` are the legacy constructors (``Tensor = cuda.FloatTensor if cuda else
FloatTensor`` in many public GAN scripts), making tensors on the GPU.
"""
import warnings

from . import backend

_available = None     # cached answer: asking CuPy twice costs a driver call each time


def is_available():
    """True when CuPy imports and a GPU answers. Never raises, never prints."""
    global _available
    if _available is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")     # CuPy warns on some driver mismatches at import
            _available = backend.cupy_available()
    return _available


def device_count():
    """1 when a GPU is usable (minigan drives one), else 0."""
    return 1 if is_available() else 0


def current_device():
    """The index of the GPU in use: always 0 (minigan drives CuPy's current device)."""
    backend.get_module("cupy")                 # the clear error where there is no GPU
    return 0


def manual_seed(seed):
    """Seed the random generators. minigan has one seed for every backend, so this is
    :func:`minigan.manual_seed` (which also reseeds the CPU generator)."""
    backend.manual_seed(seed)


manual_seed_all = manual_seed


def synchronize():
    """Wait for the GPU to finish its queued work (for timing)."""
    backend.get_module("cupy").cuda.get_current_stream().synchronize()


def FloatTensor(*args):
    """A float32 tensor on the GPU: ``FloatTensor(2, 3)`` (zeros of that shape) or
    ``FloatTensor(data)``."""
    from .tensor import legacy_constructor
    return legacy_constructor(args, "float32", "cupy")


def LongTensor(*args):
    """An int64 tensor on the GPU: ``LongTensor(5)`` (zeros) or ``LongTensor(data)``."""
    from .tensor import legacy_constructor
    return legacy_constructor(args, "int64", "cupy")
