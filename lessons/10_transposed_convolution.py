"""Lesson 10: the transposed convolution, the layer that lets the DCGAN generator grow images.

What you learn here:
  * a transposed convolution is the adjoint (the matrix transpose) of a convolution with the same
    weight and settings: <conv(x), y> = <x, conv_transpose(y)> for every x and y, checked
    numerically, and the two matrices built and compared entry by entry;
  * with stride s > 1 it *upsamples* (7 -> 14 for k4 s2 p1), the opposite of a strided
    convolution; the course notes say it downsamples, which is wrong;
  * what output_padding is for: a strided convolution maps two input sizes to the same output
    (k3 s2 p1: 13 and 14 both give 7), and output_padding picks which one the transposed
    convolution returns;
  * the checkerboard artefacts of kernel 3 / stride 2 (uneven overlap), and why kernel 4 /
    stride 2, as in the course's DCGAN, overlaps evenly.

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

# Upsampling in action: with a 'tent' kernel (0.25, 0.75, 0.75, 0.25) in each direction a k4 s2 p1
# transposed convolution is exactly bilinear interpolation to twice the size.
tent = numpy.array([0.25, 0.75, 0.75, 0.25])
bilinear = on_backend(numpy.outer(tent, tent).reshape(1, 1, 4, 4))
yy, xx = numpy.mgrid[0:7, 0:7]
small = numpy.exp(-((yy - 3.0) ** 2 + (xx - 2.0) ** 2) / 4.0) + 0.5 * (xx == 5)      # a blob and a bar
big = F.conv_transpose2d(on_backend(small.reshape(1, 1, 7, 7)), bilinear, stride=2, padding=1).numpy()[0, 0]
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(8, 4))
ax1.imshow(small, cmap="gray")
ax1.set_title("7x7 input")
ax2.imshow(big, cmap="gray")
ax2.set_title("14x14: conv_transpose2d k4 s2 p1 (bilinear kernel)")
fig.tight_layout()
save(fig, args, "upsampling.png")
check(big.shape == (14, 14), "the bilinear transposed convolution turns the 7x7 image into 14x14")

# %% [markdown]
# ## 3. output_padding: which size do we go back to?
# The floor in the convolution formula loses information about the input size: k3 s2 p1 maps
# a 14x14 and a 13x13 input both to 7x7. A transposed convolution with the same settings
# cannot know which one you came from, so it returns the smaller one, 13, and
# output_padding = 1 adds the missing row and column to give 14. It only resolves this
# ambiguity, so it must be smaller than the stride (or the dilation).

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
# ## 4. Checkerboard artefacts
# Each input pixel paints a k x k patch of the output, and the patches are s apart. With k = 3
# and s = 2 the patches overlap on every other row and column only: those pixels receive two
# contributions, the others one. Feed in a constant image and an all-ones kernel, and the
# output should be constant; instead it shows a checkerboard of 1, 2 and 4. With k = 4 and
# s = 2 every interior pixel is covered by exactly two patches in each direction, so the
# interior comes out flat. (That is why k divisible by s is the safer choice for generators.)

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
check(outs[4, "var"] == 0.0, "with k4 s2 the interior of the output is perfectly flat (variance 0)")
check(outs[3, "var"] > 0.5, "with k3 s2 the interior is a checkerboard (variance > 0.5)")

# The same on a smooth image, with the kernel normalised to sum to 4 (the upsampling gain):
# k3 stamps a grid over the picture, k4 does not.
yy, xx = numpy.mgrid[0:n, 0:n] / (n - 1)
smooth = on_backend((0.5 + 0.5 * numpy.sin(3 * xx + 2 * yy)).reshape(1, 1, n, n))
pictures = {k: F.conv_transpose2d(smooth, minigan.full((1, 1, k, k), 4.0 / k ** 2, dtype=minigan.float64),
                                  stride=2, padding=1).numpy()[0, 0] for k in (3, 4)}
fig, axes = plt.subplots(2, 2, figsize=(8, 8))
for col, k in enumerate((3, 4)):
    axes[0, col].imshow(outs[k], cmap="viridis")
    axes[0, col].set_title(f"constant image, all-ones kernel, k{k} s2 p1\ninterior variance {outs[k, 'var']:.2f}")
    axes[1, col].imshow(pictures[k], cmap="gray")
    axes[1, col].set_title(f"smooth image, k{k} s2 p1 (averaging kernel)")
for ax in axes.ravel():
    ax.set_xticks([])
    ax.set_yticks([])
fig.tight_layout()
save(fig, args, "checkerboard.png")

# %%
print(f"\nlesson finished in {time.perf_counter() - t_start:.1f} s")
