"""Work split over the batch and run on a small pool of threads, with the same result for any
thread count.

A kernel that touches every element of a large batch (im2col, col2im, batch norm's passes, an
activation) writes its formula for one slice of the batch and hands it here:

    def relu_rows(s):                         # the plain formula, on images s of the batch
        xp.maximum(x[s], 0, out=out[s])
    parallel.run(relu_rows, n, per_item=x[0].size)

:func:`run` cuts ``range(n)`` into fixed chunks and calls the function once per chunk. With
one thread (the default; see :func:`minigan.set_num_threads`) it is a plain loop in the
caller, no pool; with n threads, the caller and n - 1 pool threads kept for the life of the
process each take the next chunk until none is left.
NumPy releases the GIL inside its array loops and its matrix product, so the threads really
run at once. The BLAS library under NumPy is held to one thread while chunks run
(``threadpoolctl``), with one thread or many: each chunk's product is one thread's share,
BLAS's own threads would only spin against the pool's, and a product's rounding changes with
BLAS's thread count (measured with OpenBLAS, benchmarks/NOTES.md), so minigan's results would too.
:func:`matmul` is a matrix product cut into fixed blocks of its result (or, for a small
result, of its inner dimension) the same way.

Results do not depend on the thread count: the chunks are cut from the size of the work alone
(:func:`chunks`, never from the number of threads), each element is computed by the same
operations whatever thread runs it, and partial results (a channel sum per chunk) are returned
in chunk order, for the caller to add in that order (:func:`sum_chunks`).
"""
import contextlib
import threading

from . import workspace
from .backend import backend_of, get_array_module

DEFAULT_CHUNK_ELEMENTS = 1 << 18     # ~1 MB of float32 a chunk: a chunk's passes stay in cache
PRODUCT_CHUNK_ELEMENTS = 1 << 22     # a chunk that holds a matrix product (~16 MB of its operands)
PRODUCT_MIN_ROWS = 512               # a block of fewer rows ran 8-10% slower than the whole product on one core
SHORT_PRODUCT_MIN_ROWS = 128         # ... unless the operand every block reads whole is small (see matmul)
PRODUCT_MIN_MACS = 1 << 23           # a block of a product has at least this many multiply-adds (~0.1 ms)
MIN_CHUNKS = 4                       # large work is cut into at least this many chunks
SMALL = 1 << 17                      # up to this many elements in all, one chunk (a plain call)

_num_threads = 1
_pool = None
_blas = None                          # threadpoolctl's controllers of the loaded BLAS libraries
_blas_held = None                     # set_workers' threadpool_limits (BLAS at one thread), kept in force
_inside = threading.local()           # set while a thread runs pool chunks: a nested run() is a plain loop
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
    """``range(n)`` cut into 2^j slices of about ``target`` elements, ``per_item`` elements an
    item: at least :data:`MIN_CHUNKS` slices, fewer only where a slice would get fewer than
    ``min_items`` items. The slices' sizes differ by at most one item, and a power of two of
    them keeps 2 or 4 threads evenly busy (7 slices on 2 threads would leave one idle an
    eighth of the time). Work of :data:`SMALL` elements or fewer is one slice. The cut
    depends on the work alone, never on the number of threads."""
    if n * per_item <= SMALL:
        return [slice(0, n)]
    count = MIN_CHUNKS
    while count * target < n * per_item:
        count *= 2
    while count > 1 and n // count < max(1, min_items):
        count //= 2
    return [slice(i * n // count, (i + 1) * n // count) for i in range(count)]


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
    with _one_blas_thread():
        if _num_threads == 1 or len(parts) == 1 or getattr(_inside, "active", False):
            return [fn(s) for s in parts]
        return _get_pool().map(fn, parts)


def matmul(a, b):
    """``a @ b`` for 2-D arrays, in fixed blocks of the result's rows (``a`` tall) or else of
    its columns, each at least :data:`PRODUCT_MIN_ROWS` of them (:data:`SHORT_PRODUCT_MIN_ROWS`
    where the operand every block reads whole is small) and :data:`PRODUCT_MIN_MACS`
    multiply-adds (:func:`chunks`). Every element is computed by one BLAS call on one thread,
    from the whole of its row of ``a`` and column of ``b``; the blocks depend on the shapes
    alone, so the result does not depend on the thread count. A small result of a long
    inner dimension (m * n <= :data:`SMALL`) is cut along that dimension instead, and the
    partial products are added in block order (:func:`sum_chunks`)."""
    (m, k), n = a.shape, b.shape[1]
    if k == 1:
        # an outer product: one multiply an element, which is all BLAS computes too (it ran
        # at ~1 GFLOP/s on the (128, 1) @ (1, 6272) of the DCGAN's last layer)
        return a * b
    if m * n * k >= 2 * PRODUCT_MIN_MACS and backend_of(a) != "cupy":   # work for two blocks
        xp = get_array_module(a, b)
        count, per_item, other = (m, k + n, n) if m >= n else (n, k + m, m)
        # every block reads the whole of the other operand (k x other): when that fits in
        # cache, blocks down to 128 rows cost ~5% on one core; when not, they read it again
        # from memory per block (measured: benchmarks/NOTES.md, "Speed, seventh round")
        shared = k * other
        least = max(SHORT_PRODUCT_MIN_ROWS if shared <= SMALL else PRODUCT_MIN_ROWS, -(-PRODUCT_MIN_MACS // shared))
        if len(chunks(count, per_item, PRODUCT_CHUNK_ELEMENTS, least)) > 1:
            out = workspace.empty((m, n), xp.result_type(a, b), like=a)
            if m >= n:
                def block(s):
                    xp.matmul(a[s], b, out=out[s])
            else:
                def block(s):
                    xp.matmul(a, b[:, s], out=out[:, s])
            run(block, count, per_item, PRODUCT_CHUNK_ELEMENTS, least, like=a)
            return out
        deep = max(PRODUCT_MIN_ROWS, -(-PRODUCT_MIN_MACS // (m * n)))
        if m * n <= SMALL and len(chunks(k, m + n, PRODUCT_CHUNK_ELEMENTS, deep)) > 1:
            # a small result of a long inner dimension (a weight gradient summed over every
            # pixel of the batch): blocks of k, their partial products added in block order
            return sum_chunks(lambda s: a[:, s] @ b[s], k, m + n, PRODUCT_CHUNK_ELEMENTS, deep)
    with _one_blas_thread():
        return a @ b                        # one block: the plain product


def sum_chunks(fn, n, per_item=1, target=DEFAULT_CHUNK_ELEMENTS, min_items=1, like=None):
    """The sum of ``fn(s)`` over the chunks, added in chunk order (the same rounding for any
    thread count). ``fn`` returns an array (a partial sum) or a tuple of them."""
    parts = run(fn, n, per_item, target, min_items, like=like)
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


def _get_pool():
    global _pool
    with _lock:
        if _pool is None:
            _pool = _Pool(_num_threads)
        return _pool


class _Pool:
    """``n - 1`` threads kept for the life of the process, and the caller as the n-th: each
    takes the next chunk not yet taken until none is left. The caller working too, and one
    wake-up per helper thread, keep a call at ~10 microseconds (``ThreadPoolExecutor.map``, a
    future per chunk with the caller only waiting, took ~37). Which thread runs a chunk does
    not change what the chunk computes."""

    def __init__(self, n):
        import queue
        self.jobs = [queue.SimpleQueue() for _ in range(n - 1)]
        self.threads = [threading.Thread(target=self._serve, args=(q,), daemon=True, name=f"minigan-{i}")
                        for i, q in enumerate(self.jobs)]
        for t in self.threads:
            t.start()

    @staticmethod
    def _work(job):
        fn, parts, results, taken, errors = job
        for i in taken:                     # itertools.count: next() is atomic under the GIL
            if i >= len(parts):
                return
            try:
                results[i] = fn(parts[i])
            except BaseException as e:      # handed to the caller, which raises it
                errors.append(e)

    def _serve(self, jobs):
        _inside.active = True               # a run() inside a chunk is a plain loop
        while True:
            job, done = jobs.get()
            if job is None:
                return
            self._work(job)
            done.release()

    def map(self, fn, parts):
        import itertools
        job = (fn, parts, [None] * len(parts), itertools.count(), [])
        helpers = self.jobs[:len(parts) - 1]
        dones = [threading.Lock() for _ in helpers]
        for q, done in zip(helpers, dones):
            done.acquire()
            q.put((job, done))
        _inside.active = True
        try:
            self._work(job)
        finally:
            _inside.active = False
            for done in dones:              # every helper has finished its last chunk
                done.acquire()
        if job[4]:
            raise job[4][0]
        return job[2]

    def shutdown(self, wait=True):
        for q in self.jobs:
            q.put((None, None))
        if wait:
            for t in self.threads:
                t.join()


_NOTHING_TO_DO = contextlib.nullcontext()


def _one_blas_thread():
    """A context in which the BLAS libraries use one thread: nothing to do (a shared no-op) once
    :func:`set_workers` holds them there or inside a chunk, which is almost always; entered
    around every kernel call, it must cost next to nothing."""
    if _blas_held is not None or getattr(_inside, "active", False):
        return _NOTHING_TO_DO
    return _OneBlasThread()


class _OneBlasThread:
    """The BLAS libraries at one thread for the length of a ``with`` (see :func:`_one_blas_thread`,
    which makes one only when they may not be there already): it asks threadpoolctl's library
    controllers directly, and only changes a count that is not 1 already (``threadpool_limits``
    would list the loaded libraries every time)."""

    def __enter__(self):
        global _blas
        self.saved = []
        if _blas is None:
            from threadpoolctl import ThreadpoolController
            _blas = [c for c in ThreadpoolController().lib_controllers if c.user_api == "blas"]
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
           "DEFAULT_CHUNK_ELEMENTS", "PRODUCT_CHUNK_ELEMENTS", "PRODUCT_MIN_ROWS", "SHORT_PRODUCT_MIN_ROWS",
           "PRODUCT_MIN_MACS", "MIN_CHUNKS", "SMALL"]
