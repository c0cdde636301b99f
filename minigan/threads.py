"""How many threads the BLAS library (OpenBLAS, MKL) under NumPy may use.

NumPy's matrix products run in the BLAS library's own thread pool, which by default takes one
thread per core. On a machine that other work also uses, those threads spin and wait for each
other, and everything gets slower, not faster; and the thread count changes the rounding of
every product, so results differ between thread counts. minigan therefore sets the count
explicitly, through ``threadpoolctl`` (the library made for exactly this), once at start:

    minigan train --threads 2 ...          python lessons/07_mlp_gan_mnist.py --threads 2
    MINIGAN_THREADS=2 jupyter lab          (lessons run as notebooks read the variable)

The default, :data:`DEFAULT_THREADS`, and the measurements behind it are in
benchmarks/NOTES.md ("Threads").
"""
import os

DEFAULT_THREADS = 1
_limiter = None          # the threadpool_limits object in force (kept so it is not undone)


def default_threads():
    """``$MINIGAN_THREADS`` when set (a positive integer), else :data:`DEFAULT_THREADS`."""
    text = os.environ.get("MINIGAN_THREADS", "").strip()
    if not text:
        return DEFAULT_THREADS
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"MINIGAN_THREADS={text!r} is not a thread count: expected a positive integer")
    return value


def set_threads(n=None):
    """Let the BLAS library use ``n`` threads (default :func:`default_threads`); returns ``n``.

    Raises ValueError for anything but a positive integer.
    """
    global _limiter
    if n is None:
        n = default_threads()
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"threads must be a positive integer, got {n!r}")
    from threadpoolctl import threadpool_limits
    _limiter = threadpool_limits(limits=n, user_api="blas")
    return n


def get_threads():
    """The largest thread count among the BLAS libraries NumPy has loaded (1 if none reports)."""
    from threadpoolctl import threadpool_info
    counts = [info["num_threads"] for info in threadpool_info() if info.get("user_api") == "blas"]
    return max(counts, default=1)


__all__ = ["DEFAULT_THREADS", "default_threads", "set_threads", "get_threads"]
