"""Large scratch arrays handed out again once nothing holds them, instead of fresh from the OS.

A training step makes the same large arrays every time: the patch matrix of each convolution,
col2im's buffer, batch norm's x - mean, an activation's output. NumPy asks the C library for
each one, and the C library gives memory this large back to the operating system when it is
freed (or trims its heap), so the next step's array starts as fresh pages that the kernel must
fault in and zero first: thousands of page faults a DCGAN step, and hundreds an MLP step
(the figures are in benchmarks/NOTES.md, "Speed, fifth round" and "eighth round"). The weight
gradients and the ``.grad`` arrays, which ``zero_grad()`` drops every step, come from here too.

:func:`empty` keeps every array of at least :data:`MIN_BYTES` it hands out, and hands one out
again, for a request of the same dtype and byte size, once the only reference left to it is
this cache's own (``sys.getrefcount``): once the Tensor, view or saved context that used it is
gone. An array somebody still holds, even through a view, is never handed out again, so reuse
cannot change a result; it only skips the page faults. This is what a caching allocator does
(PyTorch's for CUDA, oneDNN's scratchpad), in a page of Python. On a GPU (CuPy) it does
nothing: CuPy's memory pool already reuses device memory.

The cache holds at most :data:`LIMIT_BYTES` of arrays nobody uses; :func:`empty_cache` frees
them all.
"""
import math
import sys
import threading

from .backend import backend_of, get_array_module

MIN_BYTES = 1 << 19            # 512 KiB: the MLP's 800 KB gradients are kept; smaller arrays, hot
                               # in cache, are best reused by the C library's heap (measured, NOTES.md)
LIMIT_BYTES = 1 << 30          # at most this much cached memory that nothing uses

_cache = {}                    # (dtype, nbytes) -> list of flat arrays, oldest first
_lock = threading.Lock()
_made = 0                      # how many arrays the cache has asked the C library for


def _refs(buf):
    """``buf``'s reference count, seen from a ``for buf in entries`` loop over a cache list."""
    return sys.getrefcount(buf)


def _measure_free():
    """The count :func:`_refs` gives for a cached array that nothing else holds. Measured, not
    assumed: how many references a loop and a call add differs between Python versions."""
    entries = [bytearray(1)]
    for buf in entries:
        return _refs(buf)


_FREE = _measure_free()


def empty(shape, dtype, like):
    """An uninitialised C-contiguous array of ``shape`` and ``dtype`` on ``like``'s backend: a
    cached one that nothing holds any more, or a new one (kept for later)."""
    global _made
    xp = get_array_module(like)
    if backend_of(like) == "cupy":
        return xp.empty(shape, dtype=dtype)
    dtype = xp.dtype(dtype)
    size = math.prod(shape)
    nbytes = size * dtype.itemsize
    if nbytes < MIN_BYTES:
        return xp.empty(shape, dtype=dtype)
    with _lock:
        entries = _cache.setdefault((dtype.str, nbytes), [])
        for buf in entries:
            if _refs(buf) <= _FREE:
                return buf.reshape(shape)       # a view: the cache sees it held while the view lives
        buf = xp.empty(size, dtype=dtype)
        _made += 1
        entries.append(buf)
        _trim()
        return buf.reshape(shape)


def empty_like(a, dtype=None):
    """:func:`empty` with ``a``'s shape, dtype and memory layout (a channels-last NCHW array
    gives a channels-last one, as ``numpy.empty_like`` does)."""
    dtype = a.dtype if dtype is None else dtype
    if a.flags.c_contiguous:             # the common case, without working out the axes' order
        return empty(a.shape, dtype, like=a)
    order = sorted(range(a.ndim), key=lambda i: -a.strides[i])   # axes, outermost in memory first
    if not a.transpose(order).flags.c_contiguous:
        return get_array_module(a).empty_like(a, dtype=dtype)
    buf = empty(tuple(a.shape[i] for i in order), dtype, like=a)
    return buf.transpose([order.index(i) for i in range(a.ndim)])


def zeros(shape, dtype, like):
    """:func:`empty`, filled with zeros."""
    buf = empty(shape, dtype, like)
    buf.fill(0)
    return buf


def copy(a, dtype=None):
    """A C-contiguous copy of ``a`` (of any layout, cast to ``dtype`` if given) in :func:`empty`'s
    memory: for arrays remade every step, such as the weight gradients and ``.grad``."""
    out = empty(a.shape, a.dtype if dtype is None else dtype, like=a)
    out[...] = a
    return out


def _unused():
    """Every cached array that nothing holds, oldest first, as (list it is in, array)."""
    found = []
    for entries in _cache.values():
        for buf in entries:
            if _refs(buf) <= _FREE:
                found.append((entries, buf))
    return found


def _drop(entries, buf):
    """Remove ``buf`` itself from its list. (``list.remove`` compares with ``==``, which on two
    arrays of the same size compares them element by element and raises.)"""
    del entries[next(i for i, b in enumerate(entries) if b is buf)]


def _trim():
    """Drop the oldest unused arrays while they add up to more than LIMIT_BYTES."""
    unused = _unused()
    total = sum(buf.nbytes for _, buf in unused)
    for entries, buf in unused:
        if total <= LIMIT_BYTES:
            break
        _drop(entries, buf)
        total -= buf.nbytes


def empty_cache():
    """Drop every cached array that nothing holds (as ``torch.cuda.empty_cache`` does for its pool)."""
    with _lock:
        for entries, buf in _unused():
            _drop(entries, buf)


def arrays_made():
    """How many arrays :func:`empty` has had to make anew so far (each request it could not
    serve from the cache): after a first training step, the next ones should make none."""
    return _made


def cached_bytes():
    """The bytes of every array the cache keeps, in use or not."""
    with _lock:
        return sum(buf.nbytes for entries in _cache.values() for buf in entries)


__all__ = ["empty", "empty_like", "zeros", "copy", "empty_cache", "cached_bytes", "arrays_made", "MIN_BYTES", "LIMIT_BYTES"]
