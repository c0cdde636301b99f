"""Lesson 10: the transposed convolution, the layer that lets the DCGAN generator grow images.

What you learn here:
  * a transposed convolution is the adjoint (the matrix transpose) of a convolution with the same
    weight and settings: <conv(x), y> = <x, conv_transpose(y)> for every x and y, checked
    numerically, and the two matrices built and compared entry by entry;
  * it is the transpose, not the inverse: the course notes call it a "deconvolution" that
    "reverses" the convolution, but conv_transpose(conv(x)) is not x (M^T M is not the identity);
  * with stride s > 1 it *upsamples* (7 -> 14 for k4 s2 p1), the opposite of a strided
    convolution; the course notes say it downsamples, which is wrong;
  * with a 'tent' kernel, k4 s2 p1 is bilinear interpolation in the interior only: the zero
    padding scales the border rows and columns by 0.75 and the corners by 0.5625;
  * what output_padding is for: the floor in the convolution's size formula maps s consecutive
    input sizes to one output size, and output_padding = (H + 2p - d(k - 1) - 1) mod s picks
    which of those s sizes the transposed convolution returns, so 0 .. s - 1 are all it needs;
  * checkerboard artefacts (Odena et al. 2016): with k3 s2 the overlap is uneven, and even with
    k4 s2 (k divisible by s) a general kernel still paints a period-2 checkerboard on a flat
    input unless its four polyphase sums are equal; only special kernels (all ones, the tent)
    come out flat.

Notation: x is the convolution's input (H x W pixels, the ``x`` tensors below), y its output,
w the weight, k the kernel size (``kernel_size``), s the stride (``stride``), p the padding
(``padding``), d the dilation (``dilation``); M is the convolution's matrix (conv(x) = M x),
and its transpose M^T is what ``F.conv_transpose2d`` computes with the same w, s, p, d.

Source: minigan/functional/conv.py, minigan/conv_arithmetic.py

Run:  python lessons/10_transposed_convolution.py [--quick] [--backend cupy]
"""
# %% [markdown]
# # Transposed convolution
# The DCGAN generator turns a 1x1 noise "image" into a 28x28 picture with transposed
# convolutions. Its name says what it is: the transpose of the matrix that a convolution is.

# %%
import time

import matplotlib.pyplot as plt
import numpy

from _common import check, save, setup

import minigan
import minigan.functional as F
from minigan import shapes

args = setup("10_transposed_convolution", "Transposed convolution as the adjoint of convolution, upsampling, "
                       "output_padding, and checkerboard artefacts.")
t_start = time.perf_counter()


def on_backend(array, requires_grad=False):
    """A tensor holding ``array`` (NumPy data) on the backend chosen with --backend."""
    return minigan.tensor(array).requires_grad_(requires_grad)

rng = numpy.random.default_rng(args.seed)


def randn64(*shape):
    return on_backend(rng.standard_normal(shape))          # float64, on the active backend


def inner(a, b):
    """<a, b>: the sum of the elementwise product, a Python float."""
    return float((a * b).sum().item())


# %% [markdown]
# ## 1. The adjoint of a convolution
# A convolution is linear in its input, so it is a matrix M: conv(x) = M x. Its adjoint (the
# transpose M^T) is the unique linear map with <M x, y> = <x, M^T y> for all x and y.
# F.conv_transpose2d with the *same* weight tensor and settings is exactly that map (the
# weight (C_out, C_in, k, k) of the convolution is read as (C_in, C_out, k, k) of the
# transposed one: the roles of the channels swap). We check the identity on random float64
# tensors for several settings.

# %%
cases = [dict(k=3, stride=1, padding=0), dict(k=4, stride=2, padding=1), dict(k=3, stride=2, padding=1),
         dict(k=5, stride=3, padding=2), dict(k=3, stride=2, padding=1, dilation=2)]
for c in cases:
    k, s, p, d = c["k"], c["stride"], c["padding"], c.get("dilation", 1)
    H, W = 11, 9
    x = randn64(2, 3, H, W)
    w = randn64(4, 3, k, k)                                # conv: 3 -> 4 channels
    y_shape = shapes.conv2d_output_size((H, W), k, s, p, d)
    y = randn64(2, 4, *y_shape)
    # output_padding makes the transposed convolution land exactly on (H, W) (section 3)
    op = tuple(full - shapes.conv_transpose2d_output_size(o, k, s, p, 0, d) for full, o in zip((H, W), y_shape))
    lhs = inner(F.conv2d(x, w, stride=s, padding=p, dilation=d), y)
    rhs = inner(x, F.conv_transpose2d(y, w, stride=s, padding=p, output_padding=op, dilation=d))
    rel = abs(lhs - rhs) / abs(lhs)
    print(f"  k{k} s{s} p{p} d{d}, output_padding {op}: <conv(x), y> = {lhs:+.10f}, "
          f"<x, conv_T(y)> = {rhs:+.10f}, relative difference {rel:.1e}")
    check(rel < 1e-10, f"<conv(x), y> = <x, conv_transpose(y)> (k{k} s{s} p{p} d{d}, float64)")

# %% [markdown]
# The same fact as matrices: push every unit vector through the convolution to get the columns
# of M, and every unit vector through the transposed convolution to get the columns of its
# matrix. For a 5x5 input and k3 s2 p1 (output 3x3), M is 9x25; the transposed convolution's
# matrix is 25x9, and it equals M^T entry for entry.

# %%
k3 = randn64(1, 1, 3, 3)
eye_in = on_backend(numpy.eye(25).reshape(25, 1, 5, 5))         # 25 unit images
eye_out = on_backend(numpy.eye(9).reshape(9, 1, 3, 3))          # 9 unit images
M = F.conv2d(eye_in, k3, stride=2, padding=1).numpy().reshape(25, 9).T          # (9, 25)
MT = F.conv_transpose2d(eye_out, k3, stride=2, padding=1).numpy().reshape(9, 25).T   # (25, 9)
print(f"conv matrix M: {M.shape}; transposed-conv matrix: {MT.shape}; "
      f"max |MT - M^T| = {numpy.abs(MT - M.T).max():.1e}")
check(numpy.allclose(MT, M.T, rtol=0, atol=1e-12), "the transposed convolution's matrix is exactly M^T")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [25, 9]})
lim = numpy.abs(M).max()
ax1.imshow(M, cmap="coolwarm", vmin=-lim, vmax=lim)
ax1.set_title("conv2d k3 s2 p1, 5x5 -> 3x3, as a 9x25 matrix M")
ax1.set_xlabel("input pixel")
ax1.set_ylabel("output pixel")
ax2.imshow(MT, cmap="coolwarm", vmin=-lim, vmax=lim)
ax2.set_title("conv_transpose2d: 25x9 = M^T")
ax2.set_xlabel("input pixel")
ax2.set_ylabel("output pixel")
fig.tight_layout()
save(fig, args, "adjoint_matrices.png")

# %% [markdown]
# ### The transpose, not the inverse
# The course notes call the layer a "deconvolution" that "reverses" the convolution. It does
# not: M^T undoes M only when M is orthogonal (M^T M = I), and a convolution's matrix almost
# never is. Here M is 9x25, so M^T M (25x25) has rank at most 9 and cannot be the identity;
# and even for a square case (k3 s1 p1 on 5x5, a 25x25 M that is invertible) M^T is far from
# M^{-1}. So conv_transpose(conv(x)) is not x: the layer restores the *shape*, not the values.
# ("Deconvolution" in signal processing means the real inverse; the name is a misnomer here.)

# %%
MtM = M.T @ M
rank = int(numpy.linalg.matrix_rank(MtM))
k3s1 = randn64(1, 1, 3, 3)
M_sq = F.conv2d(eye_in, k3s1, stride=1, padding=1).numpy().reshape(25, 25).T          # (25, 25)
M_inv = numpy.linalg.inv(M_sq)                      # exists: a random kernel gives an invertible M
x5 = randn64(1, 1, 5, 5)
round_trip = F.conv_transpose2d(F.conv2d(x5, k3s1, padding=1), k3s1, padding=1).numpy()
rt_err = float(numpy.linalg.norm(round_trip - x5.numpy()) / numpy.linalg.norm(x5.numpy()))
inv_gap = float(numpy.abs(M_inv - M_sq.T).max() / numpy.abs(M_inv).max())
print(f"k3 s2 p1: rank of M^T M = {rank} (of 25), max |M^T M - I| = {numpy.abs(MtM - numpy.eye(25)).max():.2f}")
print(f"k3 s1 p1 (square M): max |M^-1 - M^T| / max |M^-1| = {inv_gap:.2f}; "
      f"|conv_T(conv(x)) - x| / |x| = {rt_err:.2f}")
check(rank <= 9 and not numpy.allclose(MtM, numpy.eye(25), atol=0.1),
      "M^T M is not the identity (rank <= 9 of 25): a transposed convolution does not invert the convolution")
check(inv_gap > 0.1 and rt_err > 0.1,
      "even for a square, invertible M, M^T differs from M^-1 and conv_transpose(conv(x)) differs from x")

# %% [markdown]
# ## 2. A stride above 1 upsamples
# A convolution with stride s reads every s-th position, so its output is about s times
# smaller. Its transpose runs the other way: each input pixel is spread over a k x k patch of
# the output, and consecutive patches are placed s apart, so the output is about s times
# *larger*. The course notes claim that in a transposed convolution a stride above 1
# downsamples; that is the behaviour of the ordinary (strided) convolution, not of its transpose.

# %%
x7 = randn64(1, 1, 7, 7)
print("a 7x7 input through transposed convolutions with k4 p1 (and k4 s2 p1 through a plain conv):")
sizes = {}
for s in (1, 2, 3, 4):
    out = F.conv_transpose2d(x7, randn64(1, 1, 4, 4), stride=s, padding=1)
    sizes[s] = out.shape[2]
    print(f"  stride {s}: 7 -> {out.shape[2]}   (formula: (7 - 1)*{s} - 2*1 + 4 = {(7 - 1) * s - 2 + 4})")
down = F.conv2d(randn64(1, 1, 14, 14), randn64(1, 1, 4, 4), stride=2, padding=1).shape[2]
print(f"  for comparison, conv2d k4 s2 p1: 14 -> {down}")
check(sizes[2] == 14, "a transposed convolution with k4 s2 p1 doubles 7 to 14 (the DCGAN generator's step)")
check(sizes[1] < sizes[2] < sizes[3] < sizes[4], "a larger stride gives a larger output: a transposed "
                                                 "convolution with stride > 1 upsamples")
check(down == 7, "while the ordinary convolution k4 s2 p1 halves 14 to 7")

# %% [markdown]
# Upsampling in action: with a 'tent' kernel (0.25, 0.75, 0.75, 0.25) in each direction, a k4 s2
# p1 transposed convolution computes out[2m] = 0.75 x[m] + 0.25 x[m-1] and
# out[2m+1] = 0.75 x[m] + 0.25 x[m+1]: bilinear interpolation to twice the size (pixel centres
# at half-pixel offsets, PyTorch's align_corners=False) -- but only in the interior. On the
# border the missing neighbour x[-1] (or x[7]) is a zero of the padding, not a copy of the edge
# pixel, so the first and last rows and columns come out scaled by 0.75, and the four corners by
# 0.75^2 = 0.5625. We compare with bilinear interpolation written out directly in NumPy.

# %%
tent = numpy.array([0.25, 0.75, 0.75, 0.25])
bilinear = on_backend(numpy.outer(tent, tent).reshape(1, 1, 4, 4))
yy, xx = numpy.mgrid[0:7, 0:7]
small = numpy.exp(-((yy - 3.0) ** 2 + (xx - 2.0) ** 2) / 4.0) + 0.5 * (xx == 5)      # a blob and a bar
big = F.conv_transpose2d(on_backend(small.reshape(1, 1, 7, 7)), bilinear, stride=2, padding=1).numpy()[0, 0]


def bilinear_matrix(n_in, n_out):
    """(n_out, n_in) matrix of 1-D linear interpolation, align_corners=False, edges clamped."""
    B = numpy.zeros((n_out, n_in))
    for o in range(n_out):
        src = (o + 0.5) * n_in / n_out - 0.5                 # output pixel centre in input coordinates
        i0 = int(numpy.floor(src))
        t = src - i0
        B[o, min(max(i0, 0), n_in - 1)] += 1 - t
        B[o, min(max(i0 + 1, 0), n_in - 1)] += t
    return B


B = bilinear_matrix(7, 14)
reference = B @ small @ B.T                                  # separable: rows, then columns
ratio = big / reference
interior_err = float(numpy.abs(big[1:-1, 1:-1] - reference[1:-1, 1:-1]).max())
edges = numpy.concatenate([ratio[0, 1:-1], ratio[-1, 1:-1], ratio[1:-1, 0], ratio[1:-1, -1]])
corners = numpy.array([ratio[0, 0], ratio[0, -1], ratio[-1, 0], ratio[-1, -1]])
print(f"interior (rows and columns 1..12): max |conv_T - bilinear| = {interior_err:.1e}")
print(f"border pixels / bilinear: {numpy.unique(numpy.round(edges, 12))}; corners / bilinear: "
      f"{numpy.unique(numpy.round(corners, 12))}")
fig, axes = plt.subplots(1, 3, figsize=(12, 4.6))
axes[0].imshow(small, cmap="gray")
axes[0].set_title("7x7 input")
axes[1].imshow(big, cmap="gray")
axes[1].set_title("14x14: conv_transpose2d k4 s2 p1\n(tent kernel)")
im = axes[2].imshow(ratio, cmap="viridis")
axes[2].set_title("conv_transpose / true bilinear:\n1 inside, 0.75 border, 0.5625 corners")
fig.colorbar(im, ax=axes[2], shrink=0.8)
for ax in axes:
    ax.set_xlabel("column")
    ax.set_ylabel("row")
fig.tight_layout()
save(fig, args, "upsampling.png")
check(big.shape == (14, 14) and interior_err < 1e-12,
      "the tent-kernel transposed convolution k4 s2 p1 equals bilinear interpolation (direct NumPy formula) "
      "on the interior of the 14x14 output")
check(numpy.allclose(edges, 0.75, rtol=0, atol=1e-12) and numpy.allclose(corners, 0.5625, rtol=0, atol=1e-12),
      "on the border the zero padding scales the bilinear value by 0.75, and at the corners by 0.5625")

# %% [markdown]
# ## 3. output_padding: which size do we go back to?
# The floor in the convolution formula, H_out = floor((H + 2p - d(k - 1) - 1) / s) + 1, loses
# information about the input size: it maps s consecutive sizes H to the same H_out (k3 s2 p1
# maps a 14x14 and a 13x13 input both to 7x7). A transposed convolution with the same settings
# cannot know which one you came from, so it returns the smallest, 13, and output_padding = 1
# adds the missing row and column to give 14. To land on H it needs the remainder that the
# floor threw away: output_padding = (H + 2p - d(k - 1) - 1) mod s. That remainder is one of
# 0, 1, ..., s - 1, which is why output_padding never needs to reach the stride. (PyTorch, and
# minigan with it, refuses output_padding >= max(stride, dilation); values between s and d
# only add rows that no convolution with those settings could have come from.)

# %%
w3 = randn64(1, 1, 3, 3)
from_14 = F.conv2d(randn64(1, 1, 14, 14), w3, stride=2, padding=1).shape[2]
from_13 = F.conv2d(randn64(1, 1, 13, 13), w3, stride=2, padding=1).shape[2]
y7 = randn64(1, 1, 7, 7)
back = {op: F.conv_transpose2d(y7, w3, stride=2, padding=1, output_padding=op).shape[2] for op in (0, 1)}
print(f"conv2d k3 s2 p1: 14 -> {from_14}, 13 -> {from_13}")
print(f"conv_transpose2d k3 s2 p1: 7 -> {back[0]} with output_padding 0, 7 -> {back[1]} with output_padding 1")
try:
    F.conv_transpose2d(y7, w3, stride=2, padding=1, output_padding=2)
    too_big = None
except ValueError as e:
    too_big = str(e)
    print(f"output_padding 2 is refused: {too_big}")
check(from_14 == from_13 == 7, "conv k3 s2 p1 maps both 14 and 13 to 7")
check(back == {0: 13, 1: 14}, "output_padding 0 gives back 13 and output_padding 1 gives back 14")
check(too_big is not None, "output_padding must be smaller than the stride (here 2): larger values are refused")
# The DCGAN generator needs no output_padding: k4 s2 p1 maps 14 and 15 to 7, and the transposed
# layer with output_padding 0 returns 14, which is the size the generator wants.
check(shapes.conv2d_output_size(15, 4, 2, 1) == 7 and shapes.conv_transpose2d_output_size(7, 4, 2, 1) == 14,
      "with k4 s2 p1 both 14 and 15 go to 7, and output_padding 0 returns 14, the size the DCGAN needs")

# %% [markdown]
# The same on many settings, without the size formulas of the code: we count the positions a
# kernel of extent d(k - 1) + 1 can take on the padded input (a direct count), group the sizes H
# with the same count, and check that each group holds s consecutive sizes, and that the real
# ``F.conv_transpose2d`` with output_padding = (H + 2p - d(k - 1) - 1) mod s returns exactly H.

# %%
def positions(H, k, s, p, d):
    """How many places a dilated kernel fits on the padded input, counted one by one."""
    extent = d * (k - 1) + 1
    return sum(1 for start in range(0, H + 2 * p, s) if start + extent <= H + 2 * p)


settings = [(k, st, p, d) for k in (1, 2, 3, 4, 5) for st in (1, 2, 3, 4) for p in (0, 1, 2) for d in (1, 2)]
sizes_tried = range(1, 13 if args.quick else 25)
groups_ok, ops_ok, n_cases = True, True, 0
one = on_backend(numpy.ones((1, 1, 1, 1)))
for k, st, p, d in settings:
    counts = {H: positions(H, k, st, p, d) for H in sizes_tried}
    for out in set(counts.values()) - {0}:
        group = [H for H, c in counts.items() if c == out]
        # a full group (not cut off by the ends of the range tried) must hold exactly s sizes
        if min(group) > min(sizes_tried) and max(group) < max(sizes_tried):
            groups_ok &= group == list(range(min(group), min(group) + st))
    w_ = on_backend(numpy.ones((1, 1, k, k)))
    for H, out in counts.items():
        if out == 0:
            continue
        op = (H + 2 * p - d * (k - 1) - 1) % st
        y_ = on_backend(numpy.ones((1, 1, out, out)))
        got = F.conv_transpose2d(y_, w_, stride=st, padding=p, output_padding=op, dilation=d).shape[2]
        ops_ok &= got == H and op < st
        n_cases += 1
print(f"{len(settings)} settings (k 1-5, s 1-4, p 0-2, d 1-2) x sizes {min(sizes_tried)}-{max(sizes_tried)}: "
      f"{n_cases} transposed convolutions tried")
check(groups_ok, "the convolution's floor maps exactly s consecutive input sizes to each output size "
                 "(kernel positions counted directly)")
check(ops_ok, "output_padding = (H + 2p - d(k-1) - 1) mod s, always below s, makes conv_transpose2d return "
              "exactly the size H the convolution came from")

# %% [markdown]
# ## 4. Checkerboard artefacts
# Each input pixel paints a k x k patch of the output, and the patches are s apart. With k = 3
# and s = 2 the patches overlap on every other row and column only: those pixels receive two
# contributions, the others one. Feed in a constant image and an all-ones kernel, and the
# output should be constant; instead it shows a checkerboard of 1, 2 and 4. With k = 4 and
# s = 2 every interior pixel is covered by exactly two patches in each direction, so *for the
# all-ones kernel* the interior comes out flat.

# %%
# %%
n = 8 if args.quick else 16
flat = minigan.ones(1, 1, n, n)
outs = {}
for k in (3, 4):
    outs[k] = F.conv_transpose2d(flat, minigan.ones(1, 1, k, k), stride=2, padding=1).numpy()[0, 0]
    interior = outs[k][k:-k, k:-k]
    outs[k, "var"] = float(interior.var())
    print(f"k{k} s2 p1 on a constant {n}x{n} image -> {outs[k].shape}; interior values "
          f"{sorted(set(float(v) for v in numpy.round(interior.ravel(), 6)))}, variance {outs[k, 'var']:.3f}")
print("top-left 6x6 corner of the k3 output:")
print(outs[3][:6, :6].astype(int))
check(outs[4, "var"] == 0.0, "with k4 s2 and an all-ones kernel the interior of the output is perfectly flat "
                             "(variance 0)")
check(outs[3, "var"] > 0.5, "with k3 s2 the interior is a checkerboard (variance > 0.5)")

# %% [markdown]
# Even overlap is not enough. A generator's kernels are learned, not all ones. On a constant
# input, an interior output pixel of a k4 s2 transposed convolution at row parity a and column
# parity b receives the taps w[a::2, b::2] of the kernel (one of its four *polyphase*
# components, each 2x2), so its value is that component's sum. Unless the four polyphase sums
# are equal, the flat input comes out as a period-2 checkerboard, whatever k / s is
# (Odena et al. 2016, "Deconvolution and checkerboard artifacts"; they recommend resizing by
# nearest-neighbour or bilinear interpolation followed by a stride-1 convolution instead). A
# random kernel stands in here for a learned one; then we make its polyphase sums equal by
# shifting each component by a constant, and the checkerboard vanishes.

# %%
w_rand = rng.standard_normal((4, 4))
flat64 = on_backend(numpy.ones((1, 1, n, n)))
poly = numpy.array([[w_rand[a::2, b::2].sum() for b in (0, 1)] for a in (0, 1)])   # the 4 polyphase sums
board = F.conv_transpose2d(flat64, on_backend(w_rand.reshape(1, 1, 4, 4)), stride=2, padding=1).numpy()[0, 0]
inner_board = board[4:-4, 4:-4]
# output row o = 2i - 1 + tap (padding 1), so an even o uses the odd taps: parity of the tap = 1 - o % 2
expected_board = numpy.array([[poly[1 - r % 2, 1 - c % 2] for c in range(4, board.shape[1] - 4)]
                              for r in range(4, board.shape[0] - 4)])
w_fixed = w_rand.copy()
for a in (0, 1):
    for b in (0, 1):
        w_fixed[a::2, b::2] += (poly.mean() - poly[a, b]) / 4          # equalise the sums, 4 taps each
board_fixed = F.conv_transpose2d(flat64, on_backend(w_fixed.reshape(1, 1, 4, 4)), stride=2, padding=1).numpy()[0, 0]
print(f"random k4 kernel: polyphase sums {numpy.round(poly.ravel(), 3)}; interior values "
      f"{sorted(set(float(v) for v in numpy.round(inner_board.ravel(), 6)))}, variance {inner_board.var():.3f}")
print(f"after equalising the polyphase sums: interior variance {board_fixed[4:-4, 4:-4].var():.1e}")
check(numpy.allclose(inner_board, expected_board, rtol=0, atol=1e-12) and inner_board.var() > 1e-3,
      "with a general k4 s2 kernel a constant input gives a period-2 checkerboard whose four values are "
      "the kernel's polyphase sums")
check(board_fixed[4:-4, 4:-4].var() < 1e-20,
      "with equal polyphase sums the interior is flat again")

# The same on a smooth image, with the kernel normalised to sum to 4 (the upsampling gain):
# k3 stamps a grid over the picture, k4 does not.
yy, xx = numpy.mgrid[0:n, 0:n] / (n - 1)
smooth = on_backend((0.5 + 0.5 * numpy.sin(3 * xx + 2 * yy)).reshape(1, 1, n, n))
pictures = {k: F.conv_transpose2d(smooth, minigan.full((1, 1, k, k), 4.0 / k ** 2, dtype=minigan.float64),
                                  stride=2, padding=1).numpy()[0, 0] for k in (3, 4)}
fig, axes = plt.subplots(2, 3, figsize=(12, 9.5))
for col, k in enumerate((3, 4)):
    axes[0, col].imshow(outs[k], cmap="viridis")
    axes[0, col].set_title(f"constant image, all-ones kernel, k{k} s2 p1\ninterior variance {outs[k, 'var']:.2f}")
    axes[1, col].imshow(pictures[k], cmap="gray")
    axes[1, col].set_title(f"smooth image, k{k} s2 p1\n(averaging kernel)")
axes[0, 2].imshow(board, cmap="viridis")
axes[0, 2].set_title(f"constant image, random kernel, k4 s2 p1\ninterior variance {inner_board.var():.2f}")
axes[1, 2].imshow(board_fixed, cmap="viridis")
axes[1, 2].set_title("same kernel, polyphase sums equalised\ninterior flat")
for ax in axes.ravel():
    ax.set_xticks([])
    ax.set_yticks([])
fig.tight_layout()
save(fig, args, "checkerboard.png")

# %%
print(f"\nlesson finished in {time.perf_counter() - t_start:.1f} s")
