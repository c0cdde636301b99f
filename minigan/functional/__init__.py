"""minigan.functional (``import minigan.functional as F``): the kernels as plain functions.

Each function checks its arguments, then calls a Function whose forward and backward are
written side by side on NumPy/CuPy arrays.
"""
from .activation import leaky_relu, logsigmoid, relu, sigmoid, softplus, tanh
from .batchnorm import batch_norm
from .conv import conv2d, conv_transpose2d
from .linear import linear
from .loss import binary_cross_entropy, binary_cross_entropy_with_logits
# --- classifier kernels (issue 15: pooling, softmax, multi-class losses)
from .loss import cross_entropy, nll_loss
from .pooling import avg_pool2d, max_pool2d
from .softmax import log_softmax, softmax
# --- issue 13: PyTorch surface
from .loss import l1_loss, mse_loss
from .normalization import layer_norm
from .dropout import dropout, dropout2d
from .embedding import embedding, one_hot
from .upsample import interpolate

__all__ = ["conv2d", "conv_transpose2d", "batch_norm", "linear", "relu", "leaky_relu", "tanh", "sigmoid",
           "binary_cross_entropy", "binary_cross_entropy_with_logits",
           "max_pool2d", "avg_pool2d", "softmax", "log_softmax", "cross_entropy", "nll_loss",
           "mse_loss", "l1_loss", "layer_norm",
           "dropout", "dropout2d", "embedding", "interpolate", "one_hot", "softplus", "logsigmoid"]
