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

For a stride that divides the kernel (the DCGAN's k4 s2), :func:`scatter_by_phases` makes
col2im of a product without the scatter: every s-th output row and column (a phase) is a
small convolution of its own, written once, with no buffer to zero and add into.

All of them run over chunks of the batch (:mod:`minigan.parallel`, on several threads when asked):
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


# A phase's product has only B (the scatter's output channels) columns; with fewer than this
# many it ran far below BLAS's rate, and col2im's one wide product won (benchmarks/NOTES.md).
PHASES_MIN_CHANNELS = 64


def can_scatter_by_phases(rows, kernel_size, stride, dilation, out_channels):
    """True when :func:`scatter_by_phases` applies and measured faster than col2im: on a CPU,
    a stride above 1 that divides the kernel, no dilation, at least PHASES_MIN_CHANNELS out."""
    (kh, kw), (sh, sw) = kernel_size, stride
    return (backend_of(rows) != "cupy" and tuple(dilation) == (1, 1) and (sh, sw) != (1, 1)
            and kh % sh == 0 and kw % sw == 0 and out_channels >= PHASES_MIN_CHANNELS)


def scatter_by_phases(rows, right, in_shape, kernel_size, stride, padding, out_size):
    """``col2im(rows @ right)`` for a stride s that divides the kernel: the same sum, made as s*s
    small convolutions instead of one product and a scatter-add.

    rows: (N*Ho*Wo, A), one row per position (n, q, r) of the small side; right: (A, kH*kW*B),
    columns (a, b, c). Returns (N, B, H, W), an NCHW view of a channels-last array.

    Output row i (padded index i + p) receives the kernel rows a with a = i + p (mod s) only:
    a = r + s*t for its phase r = (i + p) mod s and t = 0..T-1, T = kH/s, from the input row
    q - t, q = (i + p - r)/s. So the rows of one phase are a plain convolution of the small
    side with a T x T sub-kernel (flipped, since q - t runs backwards):

        out[n, i, j, c] = sum_{t, u, a} g[n, q - t, q' - u, a] * W[a, c, r + s*t, r' + s*u]

    one gather of T*T*A columns and one product a phase, written straight to every s-th row
    and column of the output: each output pixel exactly once, no buffer to zero and add into.
    (This is also why a transposed convolution whose kernel the stride does not divide draws
    a checkerboard: its phases sum different numbers of kernel taps.)
    """
    xp = get_array_module(rows)
    n, b, h, w = in_shape
    (kh, kw), (sh, sw), (ph, pw), (ho, wo) = kernel_size, stride, padding, out_size
    a = rows.shape[1]
    th, tw = kh // sh, kw // sw
    right4 = right.reshape(a, kh, kw, b)
    # the sub-kernels, rows (t', u', a) with t' = T-1-t: the weight reordered, in one array
    subs = workspace.empty((sh, sw, th * tw * a, b), rows.dtype, like=rows)
    subs.reshape(sh, sw, th, tw, a, b)[...] = right4.reshape(a, th, sh, tw, sw, b)[:, ::-1, :, ::-1].transpose(2, 4, 1, 3, 0, 5)
    phases = []                  # (first output row, first input row, count) per axis, and the sub-kernel
    for rh in range(sh):
        i0 = (rh - ph) % sh
        q0, qh = (i0 + ph - rh) // sh, len(range(i0, h, sh))
        for rw in range(sw):
            j0 = (rw - pw) % sw
            r0, qw = (j0 + pw - rw) // sw, len(range(j0, w, sw))
            if qh and qw:
                phases.append((i0, q0, qh, j0, r0, qw, subs[rh, rw]))
    # the small side, channels-last, with T-1 zero rows above (q - t < 0) and enough below
    hp = max(ho, max(q0 + qh for _, q0, qh, *_ in phases)) + th - 1
    wp = max(wo, max(r0 + qw for *_, r0, qw, _ in phases)) + tw - 1
    padded = workspace.zeros((n, hp, wp, a), rows.dtype, like=rows)
    padded[:, th - 1:th - 1 + ho, tw - 1:tw - 1 + wo] = rows.reshape(n, ho, wo, a)
    out = workspace.empty((n, h, w, b), rows.dtype, like=rows)
    most = max(qh * qw for _, _, qh, _, _, qw, _ in phases)      # positions a phase, an image
    # one gathered matrix and one product for the batch, each chunk using its images' rows for
    # every phase in turn (still in cache): large enough for the workspace to keep (no fresh pages)
    cols_all = workspace.empty((n * most, th * tw * a), rows.dtype, like=rows)
    prod_all = workspace.empty((n * most, b), rows.dtype, like=rows)

    def images(s):               # images s of the batch, every phase
        m = s.stop - s.start
        for i0, q0, qh, j0, r0, qw, sub in phases:
            window = patches(padded[s, q0:, r0:], (th, tw), (1, 1), (1, 1), (qh, qw))   # stride 1 here
            cols = cols_all[s.start * most:s.start * most + m * qh * qw]
            cols.reshape(window.shape)[...] = window          # the gather: one strided copy
            prod = xp.matmul(cols, sub, out=prod_all[s.start * most:s.start * most + m * qh * qw])
            out[s, i0::sh, j0::sw] = prod.reshape(m, qh, qw, b)

    per_image = most * th * tw * a
    parallel.run(images, n, per_item=per_image, target=parallel.DEFAULT_CHUNK_ELEMENTS, like=rows)
    return out.transpose(0, 3, 1, 2)
