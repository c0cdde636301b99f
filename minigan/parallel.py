"""Work split over the batch and run on a small pool of threads, with the same result for any
thread count.

A kernel that touches every element of a large batch (im2col, col2im, batch norm's passes, an
activation) writes its formula for one slice of the batch and hands it here:

    def relu_rows(s):                         # the plain formula, on images s of the batch
        xp.maximum(x[s], 0, out=out[s])
    parallel.run(relu_rows, n, per_item=x[0].size)

:func:`run` cuts ``range(n)`` into fixed chunks and calls the function once per chunk. With
one thread (the default; see :func:`minigan.set_num_threads`) it is a plain loop in the
caller, no pool; with more, the chunks go to a pool of that many threads kept for the life of
the process.
NumPy releases the GIL inside its array loops and its matrix product, so the threads really
run at once. The BLAS library under NumPy is held to one thread while chunks run
(``threadpoolctl``), with one thread or many: each chunk's product is one thread's share,
BLAS's own threads would only spin against the pool's, and a product's rounding changes with
BLAS's thread count (measured with OpenBLAS, benchmarks/NOTES.md), so minigan's results would too.
:func:`matmul` is a matrix product cut into fixed blocks of its result the same way.

Results do not depend on the thread count: the chunks are cut from the size of the work alone
(:func:`chunks`, never from the number of threads), each element is computed by the same
operations whatever thread runs it, and partial results (a channel sum per chunk) are returned
in chunk order, for the caller to add in that order (:func:`sum_chunks`).
"""
import threading

from .backend import backend_of, get_array_module

DEFAULT_CHUNK_ELEMENTS = 1 << 18     # ~1 MB of float32 a chunk: a chunk's passes stay in cache
PRODUCT_CHUNK_ELEMENTS = 1 << 21     # a chunk that holds a matrix product (~8 MB of its operands)
PRODUCT_MIN_ROWS = 512               # fewer rows than this, and BLAS's packing of the other operand dominates
MIN_CHUNKS = 4                       # large work is cut into at least this many chunks
SMALL = 1 << 17                      # up to this many elements in all, one chunk (a plain call)

_num_threads = 1
_pool = None
_blas = None                          # threadpoolctl's controllers of the loaded BLAS libraries
_blas_held = None                     # set_workers' threadpool_limits (BLAS at one thread), kept in force
_inside = threading.local()           # set in the pool's threads: a nested run() is a plain loop
_lock = threading.Lock()


def set_workers(n):
    """Run the chunks on ``n`` threads (a positive integer), and hold the BLAS libraries to one
    thread from now on. Set through :func:`minigan.set_num_threads` / ``--threads``
    (:mod:`minigan.threads`)."""
    global _num_threads, _pool, _blas_held
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"the number of threads must be a positive integer, got {n!r}")
    from threadpoolctl import threadpool_limits
    with _lock:
        _blas_held = threadpool_limits(limits=1, user_api="blas")
        if n != _num_threads and _pool is not None:
            _pool.shutdown(wait=True)
            _pool = None
        _num_threads = n


def get_workers():
    """The number of threads the chunks run on (1: no pool at all)."""
    return _num_threads


def chunks(n, per_item=1, target=DEFAULT_CHUNK_ELEMENTS, min_items=1):
    """``range(n)`` cut into equal slices (the last one shorter) of about ``target`` elements,
    ``per_item`` elements an item, at least ``min_items`` items, and at least
    :data:`MIN_CHUNKS` of them where that leaves ``min_items``. Work of :data:`SMALL`
    elements or fewer is one chunk. The size depends on the work alone, never on the number
    of threads."""
    if n * per_item <= SMALL:
        return [slice(0, n)]
    size = max(1, min_items, min(target // max(1, per_item), -(-n // MIN_CHUNKS)))
    return [slice(i, min(i + size, n)) for i in range(0, n, size)]


def run(fn, n, per_item=1, target=DEFAULT_CHUNK_ELEMENTS, min_items=1, like=None):
    """``[fn(s) for s in chunks(n, per_item, target, min_items)]``, the calls spread over the
    threads, BLAS held to one thread meanwhile.

    ``fn`` writes its chunk's results into arrays the caller made (each chunk its own rows)
    and/or returns a partial result; the returned list is in chunk order. ``like``: an array
    of the work; on a GPU (a CuPy array) the work is one chunk, since there every chunk
    would be more kernel launches and the device is parallel already.
    """
    if backend_of(like) == "cupy":
        return [fn(slice(0, n))]
    parts = chunks(n, per_item, target, min_items)
    if _num_threads == 1 or len(parts) == 1 or getattr(_inside, "active", False):
        if _blas_held is not None:          # BLAS is at one thread already (set_workers)
            return [fn(s) for s in parts]
        with _OneBlasThread():
            return [fn(s) for s in parts]
    with _OneBlasThread():
        return list(_get_pool().map(fn, parts))


def matmul(a, b):
    """``a @ b`` for 2-D arrays, in fixed blocks of the result's rows (``a`` tall) or else of
    its columns, at least :data:`PRODUCT_MIN_ROWS` each (one block when there are fewer than
    twice as many). Every element is computed by one
    BLAS call on one thread, from the whole of its row of ``a`` and column of ``b``; the blocks
    depend on the shapes alone, so the result does not depend on the thread count."""
    (m, k), n = a.shape, b.shape[1]
    count, per_item = (m, k + n) if m >= n else (n, k + m)
    # fewer than two full blocks (the MLP's products): one plain product, on one core a block
    # split would only cost, and on two it would gain next to nothing
    if count < 2 * PRODUCT_MIN_ROWS or count * per_item <= SMALL or backend_of(a) == "cupy":
        if _blas_held is not None:
            return a @ b                    # one block: the plain product
        with _OneBlasThread():
            return a @ b
    xp = get_array_module(a, b)
    out = xp.empty((m, n), dtype=xp.result_type(a, b))
    if m >= n:
        def block(s):
            xp.matmul(a[s], b, out=out[s])
    else:
        def block(s):
            xp.matmul(a, b[:, s], out=out[:, s])
    run(block, count, per_item, PRODUCT_CHUNK_ELEMENTS, PRODUCT_MIN_ROWS, like=a)
    return out


def sum_chunks(fn, n, per_item=1, target=DEFAULT_CHUNK_ELEMENTS, like=None):
    """The sum of ``fn(s)`` over the chunks, added in chunk order (the same rounding for any
    thread count). ``fn`` returns an array (a partial sum) or a tuple of them."""
    parts = run(fn, n, per_item, target, like=like)
    total = parts[0]
    for p in parts[1:]:
        total = tuple(a + b for a, b in zip(total, p)) if isinstance(total, tuple) else total + p
    return total


def over_batch(fn, a, target=DEFAULT_CHUNK_ELEMENTS):
    """:func:`run` over chunks of the first axis of the array ``a`` (``fn(Ellipsis)`` once for a
    0-d one): ``fn(s)`` works on ``a[s]`` and writes ``out[s]`` of arrays shaped like ``a``."""
    if a.ndim == 0:
        return [fn(Ellipsis)]
    return run(fn, a.shape[0], a.size // max(1, a.shape[0]), target, like=a)


def sum_over_batch(fn, a, target=DEFAULT_CHUNK_ELEMENTS):
    """:func:`sum_chunks` over chunks of the first axis of ``a`` (a partial sum per chunk)."""
    return sum_chunks(fn, a.shape[0], a.size // max(1, a.shape[0]), target, like=a)


def _mark_inside():
    _inside.active = True


def _get_pool():
    global _pool
    with _lock:
        if _pool is None:
            from concurrent.futures import ThreadPoolExecutor
            _pool = ThreadPoolExecutor(max_workers=_num_threads, thread_name_prefix="minigan",
                                       initializer=_mark_inside)
        return _pool


class _OneBlasThread:
    """A context in which the loaded BLAS libraries use one thread. It asks threadpoolctl's
    library controllers directly, and only changes a count that is not 1 already: entered
    around every chunked kernel, it must cost next to nothing (``threadpool_limits`` would
    list the loaded libraries every time)."""

    def __enter__(self):
        global _blas
        if _blas is None:
            from threadpoolctl import ThreadpoolController
            _blas = [c for c in ThreadpoolController().lib_controllers if c.user_api == "blas"]
        self.saved = []
        if not getattr(_inside, "active", False):
            for lib in _blas:
                count = lib.get_num_threads()
                if count != 1:
                    lib.set_num_threads(1)
                    self.saved.append((lib, count))
        return self

    def __exit__(self, *exc):
        for lib, count in self.saved:
            lib.set_num_threads(count)
        return False


__all__ = ["set_workers", "get_workers", "chunks", "run", "matmul", "sum_chunks", "over_batch", "sum_over_batch",
           "DEFAULT_CHUNK_ELEMENTS", "PRODUCT_CHUNK_ELEMENTS", "PRODUCT_MIN_ROWS", "MIN_CHUNKS", "SMALL"]
