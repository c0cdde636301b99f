"""Fully connected layers."""
from .. import functional as F
from ..tensor import _dim_index, empty_like_shape
from . import init
from .module import Module, Parameter, positive_int


class Linear(Module):
    """y = x W^T + b, with W of shape (out_features, in_features) and PyTorch's default init."""

    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        in_features = positive_int("Linear", "in_features", in_features)
        out_features = positive_int("Linear", "out_features", out_features)
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(empty_like_shape((out_features, in_features)))
        if bias:
            self.bias = Parameter(empty_like_shape((out_features,)))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.default_uniform_(self.weight, self.bias)

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Flatten(Module):
    """Flatten dimensions start_dim..end_dim into one (default: all but the batch)."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Dimension ``dim`` unfolded into ``unflattened_size`` (an MLP's output shaped as images):
    the inverse of Flatten, as PyTorch's; one size may be -1."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, x):
        d = _dim_index(self.dim, x.ndim, "Unflatten")
        return x.reshape(x.shape[:d] + self.unflattened_size + x.shape[d + 1:])

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Identity(Module):
    """Returns its input unchanged (a placeholder layer); accepts and ignores any arguments."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input
