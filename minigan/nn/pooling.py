"""Pooling layers: MaxPool2d and AvgPool2d, with PyTorch's arguments and printouts."""
from ..functional.pooling import avg_pool2d, max_pool2d, pool_settings
from .module import Module


class MaxPool2d(Module):
    """Maximum over kH x kW windows: (N, C, H, W) -> (N, C, Ho, Wo), Ho = floor((H + 2p - k)/s) + 1.
    The stride defaults to the kernel size (non-overlapping windows)."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        if return_indices:
            raise ValueError("MaxPool2d: return_indices=True is not supported")
        pool_settings("MaxPool2d", kernel_size, stride, padding, dilation, ceil_mode)     # fail early
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding, self.dilation, self.ceil_mode = padding, dilation, ceil_mode

    def forward(self, x):
        return max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    """Mean over kH x kW windows; padding counts as zeros in the mean unless
    ``count_include_pad=False``. The stride defaults to the kernel size."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        if divisor_override is not None:
            raise ValueError("AvgPool2d: divisor_override is not supported")
        pool_settings("AvgPool2d", kernel_size, stride, padding, 1, ceil_mode)
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding, self.ceil_mode, self.count_include_pad = padding, ceil_mode, count_include_pad

    def forward(self, x):
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
