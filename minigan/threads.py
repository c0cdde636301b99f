"""How many threads minigan uses, for its own kernels; this module owns the setting.

NumPy's matrix products run in the BLAS library's (OpenBLAS's, MKL's) own thread pool, which by
default takes one thread per core. On a machine that other work also uses, those threads spin
and wait for each other, and everything gets slower, not faster; and BLAS's thread count
changes the rounding of a product, so results would differ between thread counts. minigan
therefore holds BLAS to one thread (through ``threadpoolctl``, the library made for exactly
this) and runs its heavy kernels (im2col, col2im, the convolutions' and linear layers' matrix
products, batch norm, ReLU and LeakyReLU) on its own threads instead, over fixed chunks of the
batch (:mod:`minigan.parallel`): with one thread or many, the same bits. Set the count once at
start:

    minigan train --threads 2 ...          python lessons/07_mlp_gan_mnist.py --threads 2
    MINIGAN_THREADS=2 jupyter lab          (lessons run as notebooks read the variable)
    minigan.set_num_threads(2)             (in a program, PyTorch's name)

The default, :data:`DEFAULT_THREADS`, and the measurements behind it are in
benchmarks/NOTES.md ("Threads").
"""
import os

from . import parallel

DEFAULT_THREADS = 1


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
    """Use ``n`` threads (default :func:`default_threads`) for minigan's kernels, with the BLAS
    library held to one thread; returns ``n``.

    Raises ValueError for anything but a positive integer.
    """
    if n is None:
        n = default_threads()
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"threads must be a positive integer, got {n!r}")
    parallel.set_workers(n)             # it also holds BLAS to one thread
    return n


def set_num_threads(n):
    """PyTorch's ``torch.set_num_threads``: use ``n`` threads (a positive integer) from now on.
    The same as :func:`set_threads`, returning None as PyTorch's does."""
    if n is None:
        raise ValueError("threads must be a positive integer, got None")
    set_threads(n)


def get_num_threads():
    """PyTorch's ``torch.get_num_threads``: the thread count minigan's kernels use."""
    return parallel.get_workers()


def get_blas_threads():
    """The largest thread count among the BLAS libraries NumPy has loaded (1 if none reports);
    1 once :func:`set_threads` has run."""
    from threadpoolctl import threadpool_info
    counts = [info["num_threads"] for info in threadpool_info() if info.get("user_api") == "blas"]
    return max(counts, default=1)


__all__ = ["DEFAULT_THREADS", "default_threads", "set_threads", "get_blas_threads", "set_num_threads",
           "get_num_threads"]
