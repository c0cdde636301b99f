"""2-D convolution and transposed convolution (NCHW, PyTorch's arguments and weight layouts).

Convolution (cross-correlation, as in every deep-learning library), weight (C_out, C_in, kH, kW):

    out[n, o, i, j] = bias[o] + sum_{c, a, b} weight[o, c, a, b] * x_pad[n, c, i*s + a*d, j*s + b*d]

    Ho = floor((H + 2p - d(kH - 1) - 1) / s) + 1          (minigan.conv_arithmetic.conv2d_output_size)

With the patch matrix cols = im2col(x), shape (N*Ho*Wo, kH*kW*C_in), and the weight as a
matrix W2 (C_out, kH*kW*C_in) whose columns follow the same (a, b, c) order:

    forward        out = cols @ W2^T                      one matrix product
    d/d weight     dW2 = g^T @ cols                       (g as an (N*Ho*Wo, C_out) matrix)
    d/d x          dx  = col2im(g @ W2)                   the adjoint of im2col

The transposed convolution, weight (C_in, C_out, kH, kW), is *defined* as the adjoint of that
map: its forward is a convolution's input-gradient, and its input-gradient is a convolution's
forward. The two share the two helpers below, :func:`_correlate` and :func:`_scatter`:

                        forward        d/d input
    conv2d              _correlate     _scatter
    conv_transpose2d    _scatter       _correlate

    Ho = (H - 1)s - 2p + d(kH - 1) + output_padding + 1   (minigan.conv_arithmetic.conv_transpose2d_output_size)
"""
from .. import conv_arithmetic
from ..backend import get_array_module
from ..function import Function
from ..tensor import Tensor
from .im2col import col2im, im2col


# --------------------------------------------------------------------------- shared helpers
def _weight_matrix(weight):
    """(A, B, kH, kW) -> (A, kH*kW*B), columns in im2col's (a, b, c) order. A copy, but of the
    weight only (small next to the activations)."""
    return weight.transpose(0, 2, 3, 1).reshape(weight.shape[0], -1)


def _weight_grad(gw2t, shape):
    """The weight gradient from its transposed matrix form (kH*kW*B, A) -> (A, B, kH, kW).

    The matrix is computed as cols^T @ rows, (K, M) @ (M, A): BLAS reads both transposed
    operands as views, and (rows^T @ cols) ran no faster when timed. The result is made
    C-contiguous like the parameter it updates, so the optimizer's elementwise steps run on
    matching memory (a copy of the weight's size, small next to the activations).
    """
    a, b, kh, kw = shape
    return get_array_module(gw2t).ascontiguousarray(gw2t.reshape(kh, kw, b, a).transpose(3, 2, 0, 1))


def _pixel_rows(x):
    """(N, C, H, W) -> (N*H*W, C), one row per pixel: a view when x is stored channels-last
    (as every conv output and whatever is computed elementwise from one is)."""
    n, c, h, w = x.shape
    rows = x.transpose(0, 2, 3, 1).reshape(n * h * w, c)
    # a gradient broadcast from a sum has zero strides, which BLAS cannot read: copy those
    return rows if rows.flags.c_contiguous else get_array_module(x).ascontiguousarray(rows)


def _correlate(x, w2, kernel, stride, padding, dilation, out_size):
    """conv2d's forward, and conv_transpose2d's input-gradient.

    x: (N, B, H, W); w2: (A, kH*kW*B). Returns out (N*Ho*Wo, A) as a matrix (the caller adds
    a bias to its contiguous rows, then views it as NCHW) and cols, the patch matrix.
    """
    cols = im2col(x, kernel, stride, padding, dilation, out_size)
    return cols @ w2.T, cols       # BLAS reads w2.T as a transposed view: no copy


def _as_nchw(rows, n, h, w):
    """(N*H*W, C) -> (N, C, H, W) view of the same (channels-last) memory."""
    return rows.reshape(n, h, w, -1).transpose(0, 3, 1, 2)


def _scatter(rows, w2, in_shape, kernel, stride, padding, dilation, out_size):
    """conv2d's input-gradient, and conv_transpose2d's forward: col2im(rows @ w2).

    rows: (N*Ho*Wo, A) one row per position of the (small) side; w2: (A, kH*kW*B).
    Returns (N, B, H, W) with (H, W) = in_shape[2:].
    """
    return col2im(rows @ w2, in_shape, kernel, stride, padding, dilation, out_size)


# --------------------------------------------------------------------------- the kernels
class Conv2d(Function):
    @staticmethod
    def forward(ctx, x, weight, bias=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1)):
        n, _, h, w = x.shape
        kernel = weight.shape[2:]
        ho, wo = conv_arithmetic.conv2d_output_size((h, w), kernel, stride, padding, dilation)
        w2 = _weight_matrix(weight)
        out, cols = _correlate(x, w2, kernel, stride, padding, dilation, (ho, wo))
        if bias is not None:
            out += bias                 # (N*Ho*Wo, C_out) + (C_out,): contiguous rows, in place
        need_x, need_w = ctx.needs_input_grad[:2]
        # keep only what the wanted gradients need: cols for dW, W2 for dx
        ctx.save_for_backward(cols if need_w else None, w2 if need_x else None)
        ctx.geometry = (kernel, stride, padding, dilation, (ho, wo))
        ctx.x_shape, ctx.w_shape, ctx.has_bias = x.shape, weight.shape, bias is not None
        return _as_nchw(out, n, ho, wo)

    @staticmethod
    def backward(ctx, g):
        cols, w2 = ctx.saved_tensors
        kernel, stride, padding, dilation, out_size = ctx.geometry
        need_x, need_w = ctx.needs_input_grad[:2]
        need_b = ctx.has_bias and ctx.needs_input_grad[2]
        g2 = _pixel_rows(g)                                     # (N*Ho*Wo, C_out)
        gx = _scatter(g2, w2, ctx.x_shape, kernel, stride, padding, dilation, out_size) if need_x else None
        gw = _weight_grad(cols.T @ g2, ctx.w_shape) if need_w else None
        gb = g2.sum(axis=0) if need_b else None
        return gx, gw, gb


class ConvTranspose2d(Function):
    @staticmethod
    def forward(ctx, x, weight, bias=None, stride=(1, 1), padding=(0, 0), output_padding=(0, 0),
                dilation=(1, 1)):
        n, _, h, w = x.shape
        kernel = weight.shape[2:]
        c_out = weight.shape[1]
        ho, wo = conv_arithmetic.conv_transpose2d_output_size((h, w), kernel, stride, padding, output_padding, dilation)
        w2 = _weight_matrix(weight)                              # (C_in, kH*kW*C_out)
        x2 = _pixel_rows(x)                                      # (N*H*W, C_in)
        # the input plays the part of a convolution's output gradient: (H, W) is the "conv output" size
        out = _scatter(x2, w2, (n, c_out, ho, wo), kernel, stride, padding, dilation, (h, w))
        if bias is not None:
            out += bias.reshape(-1, 1, 1)                        # out is a fresh buffer: in place
        need_x, need_w = ctx.needs_input_grad[:2]
        ctx.save_for_backward(x2 if need_w else None, w2 if need_x else None)
        ctx.geometry = (kernel, stride, padding, dilation, (h, w))
        ctx.w_shape, ctx.has_bias = weight.shape, bias is not None
        return out

    @staticmethod
    def backward(ctx, g):
        x2, w2 = ctx.saved_tensors
        kernel, stride, padding, dilation, (h, w) = ctx.geometry
        need_x, need_w = ctx.needs_input_grad[:2]
        need_b = ctx.has_bias and ctx.needs_input_grad[2]
        gx = gw = gb = None
        cols = None
        if need_x:      # a convolution of g with the same weight, giving back the input's size
            gx2, cols = _correlate(g, w2, kernel, stride, padding, dilation, (h, w))
            gx = _as_nchw(gx2, g.shape[0], h, w)
        if need_w:      # the patch matrix of g (N*H*W, kH*kW*C_out) serves both gradients
            if cols is None:
                cols = im2col(g, kernel, stride, padding, dilation, (h, w))
            gw = _weight_grad(cols.T @ x2, ctx.w_shape)
        if need_b:
            gb = g.sum(axis=(0, 2, 3))
        return gx, gw, gb


# --------------------------------------------------------------------------- checks and wrappers
def _check_args(name, x, weight, bias, w_layout, in_axis, out_axis):
    """Types, ndims, channels and bias of a (transposed) convolution's arguments."""
    for arg, what in ((x, "input"), (weight, "weight")):
        if not isinstance(arg, Tensor):
            raise TypeError(f"{name}: {what} must be a Tensor, got {type(arg).__name__}")
    if bias is not None and not isinstance(bias, Tensor):
        raise TypeError(f"{name}: bias must be a Tensor or None, got {type(bias).__name__}")
    if weight.ndim != 4:
        raise ValueError(f"{name}: weight must be 4-D {w_layout}, got shape {weight.shape}")
    c_in = weight.shape[in_axis]
    if x.ndim != 4:
        raise ValueError(f"{name}: expected a 4-D input (N, C_in, H, W) with C_in = {c_in}, got a "
                         f"{x.ndim}-D input of shape {x.shape}")
    if x.shape[1] != c_in:
        raise ValueError(f"{name}: input of shape {x.shape} has {x.shape[1]} channels, expected {c_in} "
                         f"(weight of shape {weight.shape} is {w_layout})")
    c_out = weight.shape[out_axis]
    if bias is not None and bias.shape != (c_out,):
        raise ValueError(f"{name}: bias must have shape ({c_out},), got {bias.shape}")


def _settings(name, kernel, *settings):
    try:
        return conv_arithmetic.check_conv_settings(kernel, *settings)
    except (ValueError, TypeError) as e:
        raise type(e)(f"{name}: {e}") from None


def _output_size(name, x, size_fn, *args):
    try:
        return size_fn(x.shape[2:], *args)
    except ValueError as e:
        raise ValueError(f"{name}: input of shape {x.shape} is too small: {e}") from None


def _conv2d(name, x, weight, bias, stride, padding, dilation):
    """conv2d with ``name`` (a layer's printout, or "conv2d") in its error messages."""
    _check_args(name, x, weight, bias, "(C_out, C_in, kH, kW)", 1, 0)
    _, stride, padding, dilation = _settings(name, weight.shape[2:], stride, padding, dilation)
    _output_size(name, x, conv_arithmetic.conv2d_output_size, weight.shape[2:], stride, padding, dilation)
    args = (x, weight) if bias is None else (x, weight, bias)
    return Conv2d.apply(*args, stride=stride, padding=padding, dilation=dilation)


def _conv_transpose2d(name, x, weight, bias, stride, padding, output_padding, dilation):
    _check_args(name, x, weight, bias, "(C_in, C_out, kH, kW)", 0, 1)
    _, stride, padding, dilation, output_padding = _settings(name, weight.shape[2:], stride, padding,
                                                             dilation, output_padding)
    _output_size(name, x, conv_arithmetic.conv_transpose2d_output_size, weight.shape[2:], stride, padding,
                 output_padding, dilation)
    args = (x, weight) if bias is None else (x, weight, bias)
    return ConvTranspose2d.apply(*args, stride=stride, padding=padding, output_padding=output_padding,
                                 dilation=dilation)


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    """2-D convolution of x (N, C_in, H, W) with weight (C_out, C_in, kH, kW) -> (N, C_out, Ho, Wo).

    stride, padding, dilation: int or (h, w) pair. Ho = floor((H + 2p - d(kH - 1) - 1)/s) + 1.
    """
    return _conv2d("conv2d", x, weight, bias, stride, padding, dilation)


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0, dilation=1):
    """Transposed convolution of x (N, C_in, H, W) with weight (C_in, C_out, kH, kW) -> (N, C_out, Ho, Wo).

    The adjoint of conv2d with the same weight and settings.
    Ho = (H - 1)s - 2p + d(kH - 1) + output_padding + 1, output_padding < max(stride, dilation).
    """
    return _conv_transpose2d("conv_transpose2d", x, weight, bias, stride, padding, output_padding, dilation)
