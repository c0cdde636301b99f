"""Where arrays live: NumPy (the default, on the CPU) or CuPy (on an NVIDIA GPU).

Every kernel in minigan is written once against an *array module* ``xp``, which is
either ``numpy`` or ``cupy``. A kernel never names NumPy itself; it asks its inputs::

    xp = get_array_module(x, weight)
    y = xp.matmul(x, weight.T)

so the same line runs on the CPU and on the GPU. Code that *creates* arrays from
nothing (initialisation, noise) uses the active backend instead: ``xp = active_module()``.

CuPy is imported only when it is first asked for, so this module works (and prints
nothing) on machines without a GPU.
"""
import os

import numpy

BACKENDS = ("numpy", "cupy")
_CUPY_HINT = ("install the GPU extra with  pip install 'minigan[gpu]'  (needs an NVIDIA GPU "
              "with CUDA 12), or use the default backend 'numpy'")

_active = None          # name of the active backend, resolved lazily from MINIGAN_BACKEND
_cupy = None            # the cupy module once imported
_seed = None            # last seed given to manual_seed (None: fresh entropy)
_generators = {}        # backend name -> random generator of that backend


class BackendError(RuntimeError):
    """CuPy was asked for but cannot be used on this machine."""


def _import_cupy():
    global _cupy
    if _cupy is None:
        try:
            import cupy
        except ImportError as e:
            raise BackendError(f"the 'cupy' backend needs CuPy, which is not installed ({e}); "
                               + _CUPY_HINT) from None
        try:
            count = cupy.cuda.runtime.getDeviceCount()
        except Exception as e:  # CUDA driver missing, no device, ...
            raise BackendError(f"CuPy is installed but no GPU answered ({type(e).__name__}: {e}); "
                               + _CUPY_HINT) from None
        if count < 1:
            raise BackendError("CuPy is installed but found no GPU; " + _CUPY_HINT)
        _cupy = cupy
    return _cupy


def cupy_available():
    """True when CuPy imports and a GPU answers. Never raises."""
    try:
        _import_cupy()
        return True
    except BackendError:
        return False


def _check_name(name):
    if not isinstance(name, str) or name.lower() not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}: expected one of {', '.join(BACKENDS)}")
    return name.lower()


def get_module(name):
    """The array module (numpy or cupy) for a backend name."""
    name = _check_name(name)
    return numpy if name == "numpy" else _import_cupy()


def set_backend(name):
    """Choose where new tensors are created: ``"numpy"`` (CPU) or ``"cupy"`` (GPU)."""
    global _active
    name = _check_name(name)
    get_module(name)  # fail now, with the clear message, rather than at the first op
    _active = name


def get_backend():
    """Name of the active backend; the first call reads ``MINIGAN_BACKEND`` (default numpy)."""
    global _active
    if _active is None:
        name = os.environ.get("MINIGAN_BACKEND", "numpy") or "numpy"
        try:
            name = _check_name(name)
        except ValueError:
            raise ValueError(f"MINIGAN_BACKEND={name!r} is not a backend: expected one of "
                             f"{', '.join(BACKENDS)}") from None
        get_module(name)
        _active = name
    return _active


def active_module():
    """The array module of the active backend (for creating arrays from nothing)."""
    return get_module(get_backend())


def backend_of(array):
    """``"cupy"`` for a CuPy array, ``"numpy"`` for anything else."""
    return "cupy" if type(array).__module__.startswith("cupy") else "numpy"


def get_array_module(*arrays):
    """The array module that the given arrays live in (``numpy`` unless one is a CuPy array).

    Looking at the type's module name means CuPy is never imported just to ask.
    """
    for a in arrays:
        if backend_of(a) == "cupy":
            return _import_cupy()
    return numpy


def to_backend(array, name):
    """Copy ``array`` to backend ``name`` (no copy when it is already there)."""
    name = _check_name(name)
    if backend_of(array) == name:
        return array
    if name == "cupy":
        return _import_cupy().asarray(array)
    return array.get()  # cupy -> numpy: one device-to-host copy


def to_numpy(array):
    """A NumPy array with the values of ``array`` (a view when it is already NumPy)."""
    return to_backend(array, "numpy")


# --------------------------------------------------------------------------- random numbers
def manual_seed(seed):
    """Seed every backend's generator, so a run with a fixed seed is reproducible."""
    if not isinstance(seed, (int, numpy.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    global _seed
    _seed = int(seed)
    _generators.clear()


def generator(name=None):
    """The random generator of a backend (default: the active one), created on first use.

    NumPy's is a ``numpy.random.Generator`` (PCG64); CuPy's a ``cupy.random.Generator``.
    """
    name = get_backend() if name is None else _check_name(name)
    if name not in _generators:
        _generators[name] = get_module(name).random.default_rng(_seed)
    return _generators[name]


class fork_rng:
    """``with fork_rng():`` draws inside the block come from throwaway generators, and the
    seeded ones continue afterwards exactly where they were (as ``torch.random.fork_rng``).
    For work whose random draws must not shift a run's stream, e.g. building a network whose
    weights are overwritten at once by a file's."""

    def __enter__(self):
        self._saved = dict(_generators)
        _generators.clear()
        return self

    def __exit__(self, *exc):
        _generators.clear()
        _generators.update(self._saved)
        return False


def get_rng_state():
    """The NumPy generator's state, a plain dict (for checkpoints)."""
    return generator("numpy").bit_generator.state


def set_rng_state(state):
    """Restore a state returned by :func:`get_rng_state`."""
    generator("numpy").bit_generator.state = state
