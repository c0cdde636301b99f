"""minigan.functional (``import minigan.functional as F``): the kernels as plain functions.

Each function checks its arguments, then calls a Function whose forward and backward are
written side by side on NumPy/CuPy arrays.
"""
from .activation import leaky_relu, relu, sigmoid, tanh
from .batchnorm import batch_norm
from .conv import conv2d, conv_transpose2d
from .linear import linear
from .loss import binary_cross_entropy, binary_cross_entropy_with_logits

__all__ = ["conv2d", "conv_transpose2d", "batch_norm", "linear", "relu", "leaky_relu", "tanh", "sigmoid",
           "binary_cross_entropy", "binary_cross_entropy_with_logits"]
