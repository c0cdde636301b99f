"""Batch normalisation layers, with PyTorch's buffers, state_dict keys and printouts."""
from ..functional.batchnorm import _batch_norm
from ..tensor import Tensor, empty_like_shape, int64, zeros, ones
from . import init
from .module import Module, Parameter, positive_int


class _BatchNorm(Module):
    expected = ""                 # the accepted input ndims, for error messages

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True):
        super().__init__()
        name = type(self).__name__
        num_features = positive_int(name, "num_features", num_features)
        if momentum is not None and not 0 <= momentum <= 1:
            raise ValueError(f"{name}: momentum must be in [0, 1] (or None for a cumulative average), got {momentum}")
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(empty_like_shape((num_features,)))
            self.bias = Parameter(empty_like_shape((num_features,)))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features))
            self.register_buffer("running_var", ones(num_features))
            self.register_buffer("num_batches_tracked", Tensor(0, dtype=int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean.array[...] = 0
            self.running_var.array[...] = 1
            self.num_batches_tracked.array[...] = 0

    def reset_parameters(self):
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            init.zeros_(self.bias)

    def _check_input(self, x):
        raise NotImplementedError

    def forward(self, x):
        self._check_input(x)
        if x.shape[1] != self.num_features:
            raise ValueError(f"{self}: input of shape {x.shape} has {x.shape[1]} channels, "
                             f"expected {self.num_features}")
        factor = self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.array += 1         # in place: the buffer is shared with state_dict
            if self.momentum is None:                  # cumulative moving average, as PyTorch
                factor = 1.0 / int(self.num_batches_tracked.item())
        # batch statistics when training, or when there are no running ones to use
        use_batch = self.training or self.running_mean is None
        return _batch_norm(self, x, self.running_mean, self.running_var, self.weight, self.bias,
                           use_batch, 0.0 if factor is None else factor, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm over (N, C) or (N, C, L) inputs, per feature C."""

    def _check_input(self, x):
        if x.ndim not in (2, 3):
            raise ValueError(f"{self}: expected a 2-D (N, C) or 3-D (N, C, L) input with C = "
                             f"{self.num_features}, got a {x.ndim}-D input of shape {x.shape}")


class BatchNorm2d(_BatchNorm):
    """Batch norm over (N, C, H, W) inputs, per channel C."""

    def _check_input(self, x):
        if x.ndim != 4:
            raise ValueError(f"{self}: expected a 4-D input (N, C, H, W) with C = {self.num_features}, "
                             f"got a {x.ndim}-D input of shape {x.shape}")
