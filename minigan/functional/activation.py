"""The activation functions as ``F.relu(x)``, ...; their kernels (forward beside backward)
are elementwise ops and live with the others in :mod:`minigan.ops`."""
from ..ops import LeakyReLU, ReLU, Sigmoid, Softplus, Tanh

__all__ = ["relu", "leaky_relu", "tanh", "sigmoid", "softplus", "logsigmoid", "ReLU", "LeakyReLU", "Tanh",
           "Sigmoid", "Softplus"]


def relu(x, inplace=False):
    """max(x, 0), elementwise. ``inplace`` is accepted for PyTorch's code and ignored: minigan
    computes out of place (docs/coming_from_pytorch.md)."""
    return ReLU.apply(x)


def leaky_relu(x, negative_slope=0.01, inplace=False):
    """x for x > 0, negative_slope * x otherwise (``inplace``: as in :func:`relu`)."""
    return LeakyReLU.apply(x, negative_slope=negative_slope)


def tanh(x):
    return Tanh.apply(x)


def sigmoid(x):
    """1 / (1 + exp(-x)), computed without overflow for any x."""
    return Sigmoid.apply(x)


def softplus(x, beta=1.0, threshold=20.0):
    """(1/beta) log(1 + exp(beta x)), linear above the threshold (PyTorch's defaults)."""
    return Softplus.apply(x, beta=beta, threshold=threshold)


def logsigmoid(x):
    """log sigmoid(x) = -softplus(-x), without the underflow of taking the log of a sigmoid
    (log D(x) of a discriminator that ends in logits)."""
    return -softplus(-x)
