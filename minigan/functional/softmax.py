"""softmax and log_softmax along one dimension (``F.softmax(x, dim=1)``), PyTorch's functional
forms of the Tensor methods; the kernels, with their formulas, are in :mod:`minigan.ops`."""
from ..tensor import Tensor


def _check(name, input):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")


def softmax(input, dim=None):
    """exp(x) / sum exp(x) along ``dim`` (required): probabilities that sum to 1 along it."""
    _check("softmax", input)
    return input.softmax(dim)


def log_softmax(input, dim=None):
    """log(softmax(x)) along ``dim`` (required), without the overflow of doing it in two steps."""
    _check("log_softmax", input)
    return input.log_softmax(dim)
