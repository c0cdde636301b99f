"""Convolution layers: Conv2d and ConvTranspose2d, with PyTorch's arguments, init and printouts."""
from .. import conv_arithmetic
from ..functional.conv import _conv2d, _conv_transpose2d
from ..tensor import Tensor, empty_like_shape
from . import init
from .module import Module, Parameter, positive_int


class _ConvNd(Module):
    """What Conv2d and ConvTranspose2d share: settings as pairs, parameters, init, printout."""

    transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, output_padding, bias):
        super().__init__()
        name = type(self).__name__
        in_channels = positive_int(name, "in_channels", in_channels)
        out_channels = positive_int(name, "out_channels", out_channels)
        try:
            pairs = conv_arithmetic.resolve_padding(padding, kernel_size, stride, dilation)   # "same", "valid"
            settings = conv_arithmetic.check_conv_settings(kernel_size, stride, pairs, dilation,
                                                  output_padding if self.transposed else None)
        except (ValueError, TypeError) as e:
            raise type(e)(f"{name}: {e}") from None
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding, self.dilation = settings[:4]
        if isinstance(padding, str):
            self.padding = padding          # kept as given and printed so, as PyTorch does
        self.output_padding = settings[4] if self.transposed else (0, 0)
        # PyTorch's layouts: Conv2d (out, in, kH, kW); ConvTranspose2d (in, out, kH, kW)
        first, second = (in_channels, out_channels) if self.transposed else (out_channels, in_channels)
        self.weight = Parameter(empty_like_shape((first, second) + self.kernel_size))
        if bias:
            self.bias = Parameter(empty_like_shape((out_channels,)))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        # U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = weight.shape[1] * kH * kW (PyTorch's rule,
        # which for ConvTranspose2d's (in, out, kH, kW) weight counts out_channels)
        init.default_uniform_(self.weight, self.bias)

    def extra_repr(self):
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0, 0):
            s += f", padding={self.padding}"     # a string ("same", "valid") too, as PyTorch
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0, 0):
            s += f", output_padding={self.output_padding}"
        if self.bias is None:
            s += ", bias=False"
        return s


class Conv2d(_ConvNd):
    """2-D convolution: (N, in_channels, H, W) -> (N, out_channels, Ho, Wo),
    Ho = floor((H + 2p - d(k - 1) - 1)/s) + 1. Weight (out_channels, in_channels, kH, kW)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, bias=True):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, 0, bias)

    def forward(self, x):
        # the layer itself is the name in error messages: str(self) is its printout
        return _conv2d(self, x, self.weight, self.bias, self.stride, self.padding, self.dilation)


class ConvTranspose2d(_ConvNd):
    """2-D transposed convolution: (N, in_channels, H, W) -> (N, out_channels, Ho, Wo),
    Ho = (H - 1)s - 2p + d(k - 1) + output_padding + 1. Weight (in_channels, out_channels, kH, kW)."""

    transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
                 bias=True, dilation=1):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, output_padding, bias)

    def forward(self, x, output_size=None):
        """``output_size`` (PyTorch's): the (H, W) (or (N, C, H, W)) wanted, which picks the
        output_padding for this call; a stride-2 layer can give either of two sizes."""
        output_padding = self.output_padding
        if output_size is not None:
            if not isinstance(x, Tensor) or x.ndim != 4:
                raise ValueError(f"{self}: output_size needs a 4-D input (N, C, H, W)")
            size = tuple(output_size)[-2:]
            if len(tuple(output_size)) not in (2, 4) or not all(isinstance(v, int) for v in size):
                raise ValueError(f"{self}: output_size must be (H, W) or (N, C, H, W) ints, got {output_size!r}")
            try:
                output_padding = conv_arithmetic.output_padding_for_size(
                    x.shape[2:], size, self.kernel_size, self.stride, self.padding, self.dilation)
            except ValueError as e:
                raise ValueError(f"{self}: {e}") from None
        return _conv_transpose2d(self, x, self.weight, self.bias, self.stride, self.padding,
                                 output_padding, self.dilation)
