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
map: its forward is a convolution's input-gradient (col2im of a product, :func:`_scatter`),
and its input-gradient is a convolution's forward. The weight gradient is a third op,
:class:`Conv2dWeight`. Each backward is written in the other ops, so the three close on
themselves and can be differentiated again (``create_graph=True``):

                        forward                  d/d input                d/d weight
    conv2d              cols @ W2^T              conv_transpose2d(g, W)   Conv2dWeight(x, g)
    conv_transpose2d    col2im(x @ W2)           conv2d(g, W)             Conv2dWeight(g, x)
    Conv2dWeight        g^T @ cols (as dW)       conv_transpose2d(g, gg)  (d g: conv2d(x, gg))

    Ho = (H - 1)s - 2p + d(kH - 1) + output_padding + 1   (minigan.conv_arithmetic.conv_transpose2d_output_size)
"""
from .. import conv_arithmetic, parallel, workspace
from ..backend import get_array_module
from ..function import Function
from ..tensor import Tensor
from .im2col import can_scatter_by_phases, col2im, im2col, scatter_by_phases


# --------------------------------------------------------------------------- shared helpers
def _weight_matrix(weight):
    """(A, B, kH, kW) -> (A, kH*kW*B), columns in im2col's (a, b, c) order. A copy, but of the
    weight only (small next to the activations)."""
    return weight.transpose(0, 2, 3, 1).reshape(weight.shape[0], -1)


def _weight_grad(gw2, shape):
    """The weight gradient from its matrix form (A, kH*kW*B) -> (A, B, kH, kW).

    The matrix is computed as rows^T @ cols, (A, M) @ (M, K): BLAS reads the transposed
    operand as a view, and this order ran 8-10% faster than cols^T @ rows (measured with
    OpenBLAS's Haswell and SkylakeX kernels, benchmarks/NOTES.md). The result is made
    C-contiguous like the parameter it updates, so the optimizer's elementwise steps run on
    matching memory (a copy of the weight's size, small next to the activations).
    """
    a, b, kh, kw = shape
    return workspace.copy(gw2.reshape(a, kh, kw, b).transpose(0, 3, 1, 2))   # reused memory: no fresh pages


def _pixel_rows(x):
    """(N, C, H, W) -> (N*H*W, C), one row per pixel: a view when x is stored channels-last
    (as every conv output and whatever is computed elementwise from one is)."""
    n, c, h, w = x.shape
    rows = x.transpose(0, 2, 3, 1).reshape(n * h * w, c)
    # a gradient broadcast from a sum has zero strides, which BLAS cannot read: copy those
    return rows if rows.flags.c_contiguous else get_array_module(x).ascontiguousarray(rows)


def _as_nchw(rows, n, h, w):
    """(N*H*W, C) -> (N, C, H, W) view of the same (channels-last) memory."""
    return rows.reshape(n, h, w, -1).transpose(0, 3, 1, 2)


def _scatter(rows, w2, in_shape, kernel, stride, padding, dilation, out_size):
    """conv2d's input-gradient, and conv_transpose2d's forward: col2im(rows @ w2).

    rows: (N*Ho*Wo, A) one row per position of the (small) side; w2: (A, kH*kW*B).
    Returns (N, B, H, W) with (H, W) = in_shape[2:]. The product is made chunk by chunk of
    the batch inside col2im, each chunk just before it is added back.
    Every product here is :func:`minigan.parallel.matmul` or a chunk of rows of one (fixed
    blocks, BLAS on one thread), so the results do not depend on the thread count.
    For a stride that divides the kernel (the DCGAN's k4 s2) and enough output channels, the
    same sum is made phase by phase instead (:func:`~minigan.functional.im2col.scatter_by_phases`).
    """
    if can_scatter_by_phases(rows, kernel, stride, dilation, in_shape[1]):
        return scatter_by_phases(rows, w2, in_shape, kernel, stride, padding, out_size)
    return col2im(rows, in_shape, kernel, stride, padding, dilation, out_size, right=w2)


# --------------------------------------------------------------------------- the kernels
def _raw(a):
    return a.array if isinstance(a, Tensor) else a


def channel_sum(g):
    """sum of g (N, C, H, W) over every axis but the channels: (C,), the bias gradient.
    On arrays through the pixel-row view (one fast reduction); on Tensors as a plain sum."""
    if isinstance(g, Tensor):
        return g.sum(axis=(0, 2, 3))
    return _pixel_rows(g).sum(axis=0)


class Conv2d(Function):
    """out = conv2d(x, weight) + bias. Backward, one line per input:

        d x      = conv_transpose2d(g, weight)     (the adjoint of the same linear map)
        d weight = Conv2dWeight(x, g)              (g^T @ im2col(x), as a matrix)
        d bias   = sum of g over (N, H, W)
    """
    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, weight, bias=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1), cols=None,
                out_size=None):
        n, _, h, w = x.shape
        kernel = weight.shape[2:]
        # out_size: a transposed convolution's gradient asks for exactly its input's size
        # (with output_padding >= stride the formula's size has positions it never used)
        ho, wo = out_size or map(conv_arithmetic.conv_out, (h, w), kernel, stride, padding, dilation)
        if cols is None:               # a caller that already has im2col(x) passes it in
            cols = im2col(x, kernel, stride, padding, dilation, (ho, wo))
        out = parallel.matmul(cols, _weight_matrix(weight).T)    # BLAS reads the transposed view: no copy
        if bias is not None:
            out += bias                 # (N*Ho*Wo, C_out) + (C_out,): contiguous rows, in place
        ctx.save_for_backward(x, weight)
        ctx.cols = cols if ctx.needs_input_grad[1] else None    # reused by d weight
        ctx.settings = dict(stride=stride, padding=padding, dilation=dilation)
        ctx.has_bias = bias is not None
        return _as_nchw(out, n, ho, wo)

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        need_x, need_w = ctx.needs_input_grad[:2]
        st = ctx.settings
        gx = gw = gb = None
        if need_x:
            # the floor in the convolution's size formula maps s input sizes to one output
            # size; this output_padding says which one x had
            op = conv_arithmetic.transpose_output_padding(g.shape[2:], x.shape[2:], weight.shape[2:], **st)
            gx = ConvTranspose2d.run(g, weight, output_padding=op, **st)
        if need_w:
            gw = Conv2dWeight.run(x, g, kernel=weight.shape[2:], cols=ctx.cols, **st)
        if ctx.has_bias and ctx.needs_input_grad[2]:
            gb = channel_sum(g)
        return gx, gw, gb


class ConvTranspose2d(Function):
    """out = conv_transpose2d(x, weight) + bias, the adjoint of conv2d. Backward:

        d x      = conv2d(g, weight)
        d weight = Conv2dWeight(g, x)              (the roles of input and gradient swap)
        d bias   = sum of g over (N, H, W)

    Both gradients read the patch matrix im2col(g); it is built once and handed to both.
    """
    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, weight, bias=None, stride=(1, 1), padding=(0, 0), output_padding=(0, 0),
                dilation=(1, 1)):
        n, _, h, w = x.shape
        kernel = weight.shape[2:]
        c_out = weight.shape[1]
        ho, wo = map(conv_arithmetic.conv_transpose_out, (h, w), kernel, stride, padding, output_padding, dilation)
        # the input plays the part of a convolution's output gradient: (H, W) is the "conv output" size
        out = _scatter(_pixel_rows(x), _weight_matrix(weight), (n, c_out, ho, wo), kernel, stride, padding,
                       dilation, (h, w))
        if bias is not None:
            out += bias.reshape(-1, 1, 1)                        # out is a fresh buffer: in place
        ctx.save_for_backward(x, weight)
        ctx.settings = dict(stride=stride, padding=padding, dilation=dilation)
        ctx.has_bias = bias is not None
        return out

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        need_x, need_w = ctx.needs_input_grad[:2]
        st = ctx.settings
        gx = gw = gb = None
        cols = None
        if need_x or need_w:
            cols = im2col(_raw(g), weight.shape[2:], st["stride"], st["padding"], st["dilation"], x.shape[2:])
        if need_x:
            gx = Conv2d.run(g, weight, cols=cols, out_size=x.shape[2:], **st)
        if need_w:
            gw = Conv2dWeight.run(g, x, kernel=weight.shape[2:], cols=cols, **st)
        if ctx.has_bias and ctx.needs_input_grad[2]:
            gb = channel_sum(g)
        return gx, gw, gb


class Conv2dWeight(Function):
    """The weight gradient of conv2d as an op of its own: for an input x (N, B, H, W) and an
    output gradient g (N, A, Ho, Wo),

        dW[a, b, p, q] = sum_{n, i, j} g[n, a, i, j] * x_pad[n, b, i*s + p*d, j*s + q*d]

    that is (g as an (N*Ho*Wo, A) matrix)^T @ im2col(x), reshaped to (A, B, kH, kW). It is
    bilinear in x and g, and its backward is made of the two convolutions:

        d x = conv_transpose2d(g, gg),    d g = conv2d(x, gg)

    which is what lets the convolutions be differentiated twice (a gradient penalty).
    """
    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, g, kernel=(1, 1), stride=(1, 1), padding=(0, 0), dilation=(1, 1), cols=None):
        if cols is None:
            cols = im2col(x, kernel, stride, padding, dilation, g.shape[2:])
        ctx.save_for_backward(x, g)
        ctx.settings = dict(stride=stride, padding=padding, dilation=dilation)
        return _weight_grad(parallel.matmul(_pixel_rows(g).T, cols), (g.shape[1], x.shape[1]) + tuple(kernel))

    @staticmethod
    def backward(ctx, gg):
        x, g = ctx.saved_tensors
        st = ctx.settings
        gx = gg_g = None
        if ctx.needs_input_grad[0]:
            op = conv_arithmetic.transpose_output_padding(g.shape[2:], x.shape[2:], gg.shape[2:], **st)
            gx = ConvTranspose2d.run(g, gg, output_padding=op, **st)
        if ctx.needs_input_grad[1]:
            gg_g = Conv2d.run(x, gg, out_size=g.shape[2:], **st)
        return gx, gg_g


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
    """The output size for checked settings (``size_fn``: conv_arithmetic's ``*_output_hw``),
    or a ValueError naming the call when the input is too small."""
    try:
        return size_fn(x.shape[2:], *args)
    except ValueError as e:
        raise ValueError(f"{name}: input of shape {x.shape} is too small: {e}") from None


def _conv2d(name, x, weight, bias, stride, padding, dilation):
    """conv2d with ``name`` (a layer's printout, or "conv2d") in its error messages."""
    _check_args(name, x, weight, bias, "(C_out, C_in, kH, kW)", 1, 0)
    try:
        padding = conv_arithmetic.resolve_padding(padding, weight.shape[2:], stride, dilation)
    except (ValueError, TypeError) as e:
        raise type(e)(f"{name}: {e}") from None
    _, stride, padding, dilation = _settings(name, weight.shape[2:], stride, padding, dilation)
    _output_size(name, x, conv_arithmetic.conv2d_output_hw, weight.shape[2:], stride, padding, dilation)
    args = (x, weight) if bias is None else (x, weight, bias)
    return Conv2d.apply(*args, stride=stride, padding=padding, dilation=dilation)


def _conv_transpose2d(name, x, weight, bias, stride, padding, output_padding, dilation):
    _check_args(name, x, weight, bias, "(C_in, C_out, kH, kW)", 0, 1)
    _, stride, padding, dilation, output_padding = _settings(name, weight.shape[2:], stride, padding,
                                                             dilation, output_padding)
    _output_size(name, x, conv_arithmetic.conv_transpose2d_output_hw, weight.shape[2:], stride, padding,
                 output_padding, dilation)
    args = (x, weight) if bias is None else (x, weight, bias)
    return ConvTranspose2d.apply(*args, stride=stride, padding=padding, output_padding=output_padding,
                                 dilation=dilation)


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    """2-D convolution of x (N, C_in, H, W) with weight (C_out, C_in, kH, kW) -> (N, C_out, Ho, Wo).

    stride, padding, dilation: int or (h, w) pair; padding may also be "valid" (0) or "same"
    (Ho = H: stride 1, and an even d(k - 1) to split; conv_arithmetic.resolve_padding).
    Ho = floor((H + 2p - d(kH - 1) - 1)/s) + 1.
    """
    return _conv2d("conv2d", x, weight, bias, stride, padding, dilation)


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0, dilation=1):
    """Transposed convolution of x (N, C_in, H, W) with weight (C_in, C_out, kH, kW) -> (N, C_out, Ho, Wo).

    The adjoint of conv2d with the same weight and settings.
    Ho = (H - 1)s - 2p + d(kH - 1) + output_padding + 1, output_padding < max(stride, dilation).
    """
    return _conv_transpose2d("conv_transpose2d", x, weight, bias, stride, padding, output_padding, dilation)
