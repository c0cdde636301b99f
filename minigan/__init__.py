"""minigan: a small deep-learning engine, written from scratch on NumPy (and CuPy), that
trains the MLP GAN and the DCGAN of the course on MNIST.

    import minigan
    import minigan.nn as nn
    import minigan.functional as F

Where things live: ``ops`` holds every elementary differentiable op (elementwise ones, the
activations included, reductions, shapes, indexing) behind Tensor's operators and methods;
``functional`` the layer-level kernels (linear, convolutions, batch norm, losses) and the
checked function forms (``F.relu``, ...); ``nn`` the modules built on them. Each op's backward
is written once and serves first and second derivatives (see ``minigan.autograd``).

The names at the top level are PyTorch's (``minigan.randn``, ``minigan.device``,
``minigan.float32``, ``minigan.no_grad``, ...), with PyTorch's meaning.
"""
from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .backend import cupy_available, get_backend, manual_seed, set_backend
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .tensor import (BoolTensor, DoubleTensor, FloatTensor, LongTensor, Tensor, allclose, arange,
                     as_tensor, bool_, cat, concatenate, empty, empty_like, eye, float32, float64,
                     from_numpy, full, full_like, get_default_dtype, int32, int64, is_tensor,
                     linspace, maximum, minimum, numel, ones, ones_like, rand, rand_like, randint,
                     randn, randn_like, randperm, set_default_dtype, stack, tensor, uint8, where,
                     zeros, zeros_like)
from .device import device  # noqa: E402  (after tensor: device's op needs Tensor)
from .tensor_functions import (abs, add, argmax, argmin, bmm, chunk, clamp, clip, clone, div, exp, flatten,  # noqa: A004
                               isfinite, log, masked_fill, matmul, max, mean, min, mm, mul, norm, permute, pow,
                               relu, reshape, sigmoid, split, sqrt, squeeze, std, sub, sum, t, tanh,
                               transpose, unsqueeze, var)

# PyTorch's dtype names (they shadow the builtins only inside this module, which uses none)
float = float32          # noqa: A001
double = float64
long = int64
int = int32              # noqa: A001
bool = bool_             # noqa: A001

from . import autograd, backend, cuda, functional, io, nn, optim, serialization  # noqa: E402,F401
from . import utils, vision  # noqa: E402,F401  (torch.utils.data and torchvision's names)
from .serialization import load, save  # noqa: E402  (PyTorch's minigan.save / minigan.load)
from .threads import get_num_threads, set_num_threads  # noqa: E402  (PyTorch's names)

__version__ = "0.1.0"
