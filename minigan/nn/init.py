"""In-place initialisers, as in ``torch.nn.init``. They draw from minigan's seeded generator
of the tensor's backend, so ``minigan.manual_seed(0)`` makes every model start the same."""
import math

from .. import backend
from ..autograd import no_grad


def _fill(tensor, values):
    with no_grad():
        tensor.array[...] = values
    return tensor


def _rng(tensor):
    return backend.generator(tensor.backend)


def normal_(tensor, mean=0.0, std=1.0):
    """Fill with samples of N(mean, std^2)."""
    if std < 0:
        raise ValueError(f"normal_: std must be >= 0, got {std}")
    values = _rng(tensor).standard_normal(tensor.shape, dtype=tensor.dtype)
    return _fill(tensor, values * tensor.dtype.type(std) + tensor.dtype.type(mean))


def uniform_(tensor, a=0.0, b=1.0):
    """Fill with samples of U(a, b)."""
    if b < a:
        raise ValueError(f"uniform_: need a <= b, got a={a}, b={b}")
    values = _rng(tensor).random(tensor.shape, dtype=tensor.dtype)
    return _fill(tensor, values * tensor.dtype.type(b - a) + tensor.dtype.type(a))


def constant_(tensor, val):
    return _fill(tensor, val)


def zeros_(tensor):
    return _fill(tensor, 0)


def ones_(tensor):
    return _fill(tensor, 1)


def fan_in(tensor):
    """Inputs feeding one output unit: in_features for Linear, C_in*kH*kW for Conv2d."""
    if tensor.ndim < 2:
        raise ValueError(f"fan_in needs a weight with at least 2 dimensions, got shape {tensor.shape}")
    receptive = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive


def default_uniform_(weight, bias=None, fan=None):
    """PyTorch's default for Linear and Conv layers: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)).

    (PyTorch writes this as kaiming_uniform_ with a = sqrt(5), which works out to the same bound.)
    """
    fan = fan_in(weight) if fan is None else fan
    bound = 1.0 / math.sqrt(fan) if fan > 0 else 0.0
    uniform_(weight, -bound, bound)
    if bias is not None:
        uniform_(bias, -bound, bound)
