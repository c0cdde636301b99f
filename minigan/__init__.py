"""minigan: a small deep-learning engine, written from scratch on NumPy (and CuPy), that
trains the MLP GAN and the DCGAN of the course on MNIST.

    import minigan
    import minigan.nn as nn
    import minigan.functional as F
"""
from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .backend import cupy_available, get_backend, manual_seed, set_backend
from .gradcheck import GradcheckError, gradcheck
from .tensor import (Tensor, bool_, cat, concatenate, float32, float64, full, get_default_dtype,
                     int64, maximum, ones, ones_like, rand, randn, set_default_dtype, stack,
                     tensor, zeros, zeros_like)

from . import backend, functional, io, nn, optim, serialization  # noqa: E402,F401

__version__ = "0.1.0"
