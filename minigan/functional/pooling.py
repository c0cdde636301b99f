"""Max and average pooling over 2-D windows, NCHW, with PyTorch's arguments.

For a window of kH x kW taps, stride s and padding p, output pixel (i, j) of channel c is

    max_pool2d:  out[n, c, i, j] = max_{a, b}  x_pad[n, c, i*sh + a, j*sw + b]      (padding = -inf)
    avg_pool2d:  out[n, c, i, j] = (1/D) sum_{a, b} x_pad[n, c, i*sh + a, j*sw + b]  (padding = 0)

with D = kH*kW (``count_include_pad=True``, PyTorch's default) or the number of taps that
fall inside the unpadded input (``count_include_pad=False``). Output size:
Ho = floor((H + 2p - kH) / s) + 1, the convolution's formula. The stride defaults to the
kernel size, as in PyTorch.

Both read the windows through the same strided view the convolution uses
(:func:`~minigan.functional.im2col.patches`) and send gradients back with its adjoint
(:func:`~minigan.functional.im2col.col2im`): max pooling passes each output's gradient to the
first tap holding the maximum (PyTorch's tie rule), average pooling spreads it over the
window divided by D.

The backwards call ``col2im``, which writes into a buffer slice by slice, so they work on
raw arrays only (not on Tensors): pooling has no second derivative through autograd yet.

Not supported (a ValueError says so): ``dilation`` other than 1, ``ceil_mode=True``,
``return_indices=True`` and ``divisor_override``; the course's networks use none of them.
"""
from .. import conv_arithmetic
from ..backend import get_array_module
from ..function import Function
from ..tensor import Tensor
from .im2col import col2im, patches


def _windows(x, kernel, stride, padding, out_size, fill):
    """(N, Ho, Wo, kH*kW, C) copy of every window of ``x`` (N, C, H, W), borders = ``fill``."""
    xp = get_array_module(x)
    n, c, h, w = x.shape
    ph, pw = padding
    buf = xp.full((n, h + 2 * ph, w + 2 * pw, c), fill, dtype=x.dtype)
    buf[:, ph:ph + h, pw:pw + w, :] = x.transpose(0, 2, 3, 1)
    view = patches(buf, kernel, stride, (1, 1), out_size)
    return view.reshape(n, out_size[0], out_size[1], kernel[0] * kernel[1], c)


class MaxPool2d(Function):
    @staticmethod
    def forward(ctx, x, kernel=(2, 2), stride=(2, 2), padding=(0, 0), out_size=(1, 1)):
        xp = get_array_module(x)
        win = _windows(x, kernel, stride, padding, out_size, -xp.inf)
        idx = win.argmax(axis=3)                               # (N, Ho, Wo, C), first maximum
        out = xp.take_along_axis(win, idx[:, :, :, None, :], axis=3)[:, :, :, 0, :]
        ctx.idx, ctx.settings = idx, (x.shape, kernel, stride, padding, out_size)
        return out.transpose(0, 3, 1, 2)                       # NCHW view of channels-last memory

    @staticmethod
    def backward(ctx, g):
        xp = get_array_module(g)
        in_shape, kernel, stride, padding, out_size = ctx.settings
        c = in_shape[1]
        taps = kernel[0] * kernel[1]
        # one-hot over the window's taps, times the output gradient: the gradient of each tap
        hot = ctx.idx[:, :, :, None, :] == xp.arange(taps).reshape(1, 1, 1, taps, 1)
        cols = hot * g.transpose(0, 2, 3, 1)[:, :, :, None, :]
        return col2im(cols.reshape(-1, taps * c), in_shape, kernel, stride, padding, (1, 1), out_size)


class AvgPool2d(Function):
    @staticmethod
    def forward(ctx, x, kernel=(2, 2), stride=(2, 2), padding=(0, 0), out_size=(1, 1),
                count_include_pad=True):
        xp = get_array_module(x)
        win = _windows(x, kernel, stride, padding, out_size, 0)
        if count_include_pad or padding == (0, 0):
            divisor = x.dtype.type(kernel[0] * kernel[1])
        else:   # taps inside the input, per output pixel: pool a map of ones the same way
            ones = xp.ones((1, 1) + x.shape[2:], dtype=x.dtype)
            divisor = _windows(ones, kernel, stride, padding, out_size, 0).sum(axis=3)   # (1, Ho, Wo, 1)
        ctx.divisor, ctx.settings = divisor, (x.shape, kernel, stride, padding, out_size)
        return (win.sum(axis=3) / divisor).transpose(0, 3, 1, 2)

    @staticmethod
    def backward(ctx, g):
        xp = get_array_module(g)
        in_shape, kernel, stride, padding, out_size = ctx.settings
        c = in_shape[1]
        taps = kernel[0] * kernel[1]
        share = g.transpose(0, 2, 3, 1) / ctx.divisor                        # (N, Ho, Wo, C)
        cols = xp.broadcast_to(share[:, :, :, None, :], share.shape[:3] + (taps, c))
        return col2im(xp.ascontiguousarray(cols).reshape(-1, taps * c), in_shape, kernel, stride,
                      padding, (1, 1), out_size)


def pool_settings(name, kernel_size, stride, padding, dilation=1, ceil_mode=False):
    """Checked (kernel, stride, padding) pairs; stride None means the kernel size."""
    try:
        kernel, s, p, d = conv_arithmetic.check_conv_settings(kernel_size, kernel_size if stride is None else stride,
                                                     padding, dilation)
    except (ValueError, TypeError) as e:
        raise type(e)(f"{name}: {e}") from None
    if d != (1, 1):
        raise ValueError(f"{name}: dilation {d} is not supported (only 1)")
    if ceil_mode:
        raise ValueError(f"{name}: ceil_mode=True is not supported; the output size uses floor")
    for pk, kk in zip(p, kernel):
        if 2 * pk > kk:   # PyTorch's rule: a window made only of padding has no input to pool
            raise ValueError(f"{name}: padding should be at most half of the kernel size, got "
                             f"padding={p} for kernel_size={kernel}")
    return kernel, s, p


def _pool(name, fn, x, kernel_size, stride, padding, dilation=1, ceil_mode=False, **extra):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(x).__name__}")
    if x.ndim != 4:
        raise ValueError(f"{name}: expected a 4-D input (N, C, H, W), got shape {x.shape}")
    kernel, s, p = pool_settings(name, kernel_size, stride, padding, dilation, ceil_mode)
    try:
        out_size = conv_arithmetic.conv2d_output_hw(x.shape[2:], kernel, s, p, (1, 1))
    except ValueError as e:
        raise ValueError(f"{name}: input of shape {x.shape} is too small: {e}") from None
    return fn.apply(x, kernel=kernel, stride=s, padding=p, out_size=out_size, **extra)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Maximum over each kH x kW window of ``input`` (N, C, H, W); stride defaults to kernel_size."""
    if return_indices:
        raise ValueError("max_pool2d: return_indices=True is not supported")
    return _pool("max_pool2d", MaxPool2d, input, kernel_size, stride, padding, dilation, ceil_mode)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over each kH x kW window of ``input`` (N, C, H, W); stride defaults to kernel_size."""
    if divisor_override is not None:
        raise ValueError("avg_pool2d: divisor_override is not supported")
    return _pool("avg_pool2d", AvgPool2d, input, kernel_size, stride, padding, 1, ceil_mode,
                 count_include_pad=bool(count_include_pad))
