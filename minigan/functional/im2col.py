"""im2col and col2im: a convolution as one matrix product, and its adjoint as a scatter-add.

A convolution multiplies every kernel-sized patch of the input by the same weights. If
every patch is laid out as one row of a matrix ("image to columns"), the whole layer is
one matrix product, which BLAS (or cuBLAS) runs at full speed:

    cols[(n, i, j), (a, b, c)] = x_padded[n, c, i*s + a*d, j*s + b*d]     # shape (N*Ho*Wo, kH*kW*C)

Layout. minigan keeps the logical shape NCHW (PyTorch's), but the patch rows are read from
a *channels-last* buffer (N, H, W, C), and the row of a patch is ordered (a, b, c): kernel
row, kernel column, then channel. With that order every innermost run of the copy is C
contiguous floats (the measured gain over the (c, a, b) order is in benchmarks/NOTES.md).
The convolution's output comes out of the
matrix product as (N*Ho*Wo, C_out), that is channels-last too; it is returned as an NCHW
*view* of that memory, so the next layer reads it channels-last with no conversion copy.

im2col is a strided view (no copy) plus the one copy that reshaping it into a matrix needs.
col2im is its adjoint: every patch row is added back where it came from. Its Python loop is
over the kH*kW kernel offsets; each step adds a whole (n, Ho, Wo, C) block into a strided
slice of a padded buffer, which is why overlapping patches need no ``add.at``.

Both run over chunks of the batch (:mod:`minigan.parallel`, on several threads when asked):
the images of a chunk are copied (im2col) or added back (col2im) together, and no two chunks
touch the same image, so the chunks give exactly the plain formula's result.
"""
from .. import parallel, workspace
from ..backend import backend_of, get_array_module


def channels_last(x, padding=(0, 0)):
    """``x`` (N, C, H, W) as a channels-last array (N, H + 2ph, W + 2pw, C) with zero borders.

    A view when ``x`` already lives channels-last in memory and needs no padding; otherwise
    one copy into a zero buffer (the padding has to be stored somewhere anyway).
    """
    xp = get_array_module(x)
    ph, pw = padding
    nhwc = x.transpose(0, 2, 3, 1)
    if ph == 0 and pw == 0 and nhwc.flags.c_contiguous:
        return nhwc
    n, h, w, c = nhwc.shape
    if ph == 0 and pw == 0:
        return xp.ascontiguousarray(nhwc)
    buf = workspace.zeros((n, h + 2 * ph, w + 2 * pw, c), x.dtype, like=x)
    buf[:, ph:ph + h, pw:pw + w, :] = nhwc
    return buf


def patches(xl, kernel_size, stride, dilation, out_size):
    """The (N, Ho, Wo, kH, kW, C) strided view of a channels-last padded input ``xl``.

    ``view[n, i, j, a, b, c] = xl[n, i*sh + a*dh, j*sw + b*dw, c]``: no data is copied.
    ``out_size`` (Ho, Wo) is given, not recomputed, so a transposed convolution can ask for
    exactly the input size it mirrors.
    """
    xp = get_array_module(xl)
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = kernel_size, stride, dilation, out_size
    n, _, _, c = xl.shape
    bn, bh, bw, bc = xl.strides
    return xp.lib.stride_tricks.as_strided(
        xl, shape=(n, ho, wo, kh, kw, c),
        strides=(bn, bh * sh, bw * sw, bh * dh, bw * dw, bc))


def im2col(x, kernel_size, stride, padding, dilation, out_size):
    """Patch matrix of ``x`` (N, C, H, W): shape (N*Ho*Wo, kH*kW*C), rows (n, i, j), columns (a, b, c).

    One copy (the reshape of the strided view); the padded channels-last buffer is a second
    one only when padding is needed or ``x`` is stored channels-first. Run over chunks of the
    batch (:mod:`minigan.parallel`), each padding and copying its own images.
    """
    xp = get_array_module(x)
    (kh, kw), (ho, wo) = kernel_size, out_size
    n, c = x.shape[:2]
    if backend_of(x) == "cupy":            # a GPU: one call (minigan.parallel's rule)
        return patches(channels_last(x, padding), kernel_size, stride, dilation, out_size).reshape(n * ho * wo, -1)
    if not any(padding) and x.transpose(0, 2, 3, 1).flags.c_contiguous:
        # stored channels-last and no padding: the patch matrix can be a view of x (a kernel
        # as large as the input, as in the gradient of the generator's first layer)
        view = patches(channels_last(x), kernel_size, stride, dilation, out_size)
        try:
            return view.reshape(n * ho * wo, kh * kw * c, copy=False)
        except (ValueError, TypeError):    # it needs a copy (made below, by chunks); or NumPy < 2.1
            pass
    cols = workspace.empty((n * ho * wo, kh * kw * c), x.dtype, like=x)

    def rows(s):                 # images s of the batch: their patch rows
        view = patches(channels_last(x[s], padding), kernel_size, stride, dilation, out_size)
        cols[s.start * ho * wo:s.stop * ho * wo].reshape(view.shape)[...] = view   # one strided copy

    parallel.run(rows, n, per_item=ho * wo * kh * kw * c, target=parallel.PRODUCT_CHUNK_ELEMENTS // 2, like=x)
    return cols


def add_patches(buf, cols, kernel_size, stride, dilation, out_size):
    """``buf[n, i*s + a*d, j*s + b*d, c] += cols[(n, i, j), (a, b, c)]`` for every i, j, a, b:
    the patch rows added back into a padded channels-last buffer (N, Hp, Wp, C), in place."""
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = kernel_size, stride, dilation, out_size
    n, _, _, c = buf.shape
    blocks = cols.reshape(n, ho, wo, kh, kw, c)
    for a in range(kh):          # the only Python loop: over the kernel offsets
        top = a * dh
        for b in range(kw):
            left = b * dw
            # the rows i*s + a*d for i = 0..Ho-1 form one strided slice of the buffer
            buf[:, top:top + sh * (ho - 1) + 1:sh, left:left + sw * (wo - 1) + 1:sw, :] += blocks[:, :, :, a, b, :]


def col2im(cols, in_shape, kernel_size, stride, padding, dilation, out_size, right=None):
    """Adjoint of :func:`im2col`: add every patch row of ``cols`` back where it was read from.

    cols: (N*Ho*Wo, kH*kW*C) with rows (n, i, j) and columns (a, b, c).
    Returns an (N, C, H, W) array with H, W from ``in_shape`` (N, C, H, W). It is an NCHW view
    of a channels-last buffer (no copy).

    x[n, c, i*s + a*d - p, j*s + b*d - p] += cols[(n, i, j), (a, b, c)]   for every i, j, a, b

    With ``right`` given the patch rows are the product ``cols @ right`` (the convolution's
    scatter), made chunk by chunk just before they are added, while still in cache.
    Run over chunks of the batch (:mod:`minigan.parallel`): images never overlap, so each
    chunk adds into its own images of the buffer.
    """
    xp = get_array_module(cols)
    n, c, h, w = in_shape
    (kh, kw), (ph, pw), (ho, wo) = kernel_size, padding, out_size
    if (ho, wo) == (1, 1) and (kh, kw) == (h + 2 * ph, w + 2 * pw) and tuple(dilation) == (1, 1):
        # one patch an image that covers the whole padded image (the generator's first layer,
        # 1x1 -> 7x7): nothing overlaps, so the sum is the patch rows reshaped, with no buffer
        rows = cols if right is None else parallel.matmul(cols, right)
        return rows.reshape(n, kh, kw, c)[:, ph:ph + h, pw:pw + w, :].transpose(0, 3, 1, 2)
    buf = workspace.zeros((n, h + 2 * ph, w + 2 * pw, c), cols.dtype, like=cols)

    shares = dict(per_item=ho * wo * kh * kw * c, target=parallel.PRODUCT_CHUNK_ELEMENTS,
                  min_items=-(-parallel.PRODUCT_MIN_ROWS // (ho * wo)))
    if right is not None and len(parallel.chunks(n, **shares)) == 1:
        cols, right = parallel.matmul(cols, right), None   # few rows: the product's columns in blocks instead

    def add(s):                  # images s of the batch
        rows = cols[s.start * ho * wo:s.stop * ho * wo]
        if right is not None:    # the chunk's patch rows, into a reused buffer (no fresh pages)
            rows = xp.matmul(rows, right, out=workspace.empty((rows.shape[0], right.shape[1]), cols.dtype, like=cols))
        add_patches(buf[s], rows, kernel_size, stride, dilation, out_size)

    parallel.run(add, n, **shares, like=cols)
    return buf[:, ph:ph + h, pw:pw + w, :].transpose(0, 3, 1, 2)
