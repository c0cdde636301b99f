"""Lesson 08: how big is the output of a convolution, and of a transposed convolution?

What you learn here:
  * the two output-size formulas, worked step by step with ``minigan.shapes.explain``:
        convolution            H_out = floor((H_in + 2p - d(k - 1) - 1) / s) + 1
        transposed convolution H_out = (H_in - 1)s - 2p + d(k - 1) + output_padding + 1
  * that they are right: checked against an independent count of the kernel's positions (and,
    for the transposed convolution, of the sizes a convolution maps back), over a grid of sizes,
    kernels, strides, paddings and dilations; and that ``F.conv2d`` and ``F.conv_transpose2d``
    produce those sizes;
  * what the floor means: when the stride does not divide evenly, the last rows of the input are
    never read (shown with autograd: their gradient is exactly zero);
  * why the course notes' transposed formula "(Hin-1)s - 2p = k = outputpdding" is garbled, and
    the correct one;
  * that a transposed convolution is not a "deconvolution" (the notes' word): it is the transpose
    of the convolution's matrix, not its inverse;
  * the course's DCGAN traced layer by layer: the discriminator takes 28 -> 14 -> 7, the
    generator 1 -> 7 -> 14 -> 28.

Notation: H_in, H_out the input and output heights (``h``, ``h_in``; widths follow the same
rules), k the kernel size (``kernel_size``), s the stride, p the padding, d the dilation,
output_padding (``op``) the extra rows a transposed convolution may add on one side.

Source: minigan/shapes.py, minigan/conv_arithmetic.py, minigan/functional/conv.py

Run:  python lessons/08_convolution_output_size.py [--quick] [--backend cupy]
"""
# %% [markdown]
# # Convolution output sizes
# Before building a convolutional network you must know the shape each layer produces. Two
# formulas answer that; here we work them out and check them against minigan's kernels.

# %%
import itertools
import time

import matplotlib.pyplot as plt
import numpy

from _common import check, save, setup

import minigan
import minigan.functional as F
from minigan import shapes
from minigan.models import build_model

args = setup("08_convolution_output_size", "The output-size formulas of convolution and transposed convolution, checked "
                       "against the kernels, the course's garbled formula corrected, and the DCGAN "
                       "traced layer by layer.")
t_start = time.perf_counter()

# %% [markdown]
# ## 1. The convolution formula, worked
# A kernel of k taps, spaced d apart (dilation), covers d(k - 1) + 1 rows. On an input padded
# to H + 2p rows it fits at positions 0, s, 2s, ...; the number of positions is the formula.
# Dilation 1 gives the course's form floor((H + 2p - k)/s) + 1. The DCGAN's discriminator
# uses k = 4, s = 2, p = 1:

# %%
print(shapes.explain("conv", 28, kernel_size=4, stride=2, padding=1))
print()
# When s does not divide (H + 2p - d(k - 1) - 1), the floor throws the remainder away:
print(shapes.explain("conv", 8, kernel_size=3, stride=2, padding=0))
check(shapes.conv2d_output_size(28, 4, 2, 1) == 14, "a k4 s2 p1 convolution halves 28 to 14")
check(shapes.conv2d_output_size(8, 3, 2, 0) == 3, "a k3 s2 p0 convolution maps 8 rows to floor(5/2) + 1 = 3")

# %% [markdown]
# ## 2. What the floor drops, seen through the gradient
# The output of an 8x8 input under a k3 s2 p0 convolution is 3x3: the kernel sits on rows
# 0-2, 2-4 and 4-6, and row 7 is never read. If the output does not depend on a pixel, the
# gradient of the output with respect to that pixel is zero. With an all-ones kernel the
# gradient of sum(output) counts how many kernel positions cover each pixel.

# %%
x = minigan.zeros(1, 1, 8, 8, requires_grad=True)
ones_kernel = minigan.ones(1, 1, 3, 3)
y = F.conv2d(x, ones_kernel, stride=2)
y.sum().backward()
coverage = x.grad.numpy()[0, 0]
print("how many kernel positions read each input pixel (k3 s2 p0 on 8x8):")
print(coverage.astype(int))
check(y.shape == (1, 1, 3, 3), "F.conv2d really gives a 3x3 output for an 8x8 input (k3 s2 p0)")
check((coverage[7, :] == 0).all() and (coverage[:, 7] == 0).all(),
      "the last row and column are never read: their gradient is exactly 0")
check((coverage[:7, :7] > 0).all(), "every other pixel is read at least once")

# %% [markdown]
# ## 3. The formulas against an independent count, over a grid of settings
# The formulas must not be checked against F.conv2d alone: the kernel computes its output
# shape with the same formula, so agreement would prove nothing about the formula. Instead we
# count, in plain Python, the positions where the dilated kernel fits inside the padded input
# (start at row 0, step s, stop when the last tap would fall off), the definition of the
# output size. For the transposed convolution the independent fact is what it is for: it is
# the transpose of a convolution that maps H_out rows back to H_in, so its output sizes are
# exactly the sizes H whose convolution (same k, s, p, d) has H_in positions; the floor makes
# s consecutive sizes do so, and output_padding = 0 .. s - 1 picks one of them.
# Then, separately, the kernels: F.conv2d and F.conv_transpose2d must produce those counted
# sizes. Combinations where the padded input is smaller than the dilated kernel have no output
# and are skipped (the formula raises ValueError for them, with the arithmetic).

# %%


def count_positions(h, k, s, p, d=1):
    """How many times a kernel of k taps, d apart, fits in h + 2p rows, stepping by s (a count)."""
    span, n, start = d * (k - 1) + 1, 0, 0
    while start + span <= h + 2 * p:
        n, start = n + 1, start + s
    return n


def sizes_mapping_to(h_in, k, s, p, d, largest):
    """Every size H (1..largest) that a convolution with these settings maps to h_in rows."""
    return [h for h in range(1, largest + 1) if count_positions(h, k, s, p, d) == h_in]


if args.quick:
    sizes, kernels, strides, paddings, dilations = (5, 7, 8, 14, 28), (1, 3, 4), (1, 2, 3), (0, 1, 2), (1, 2)
else:
    sizes = (1, 2, 3, 5, 6, 7, 8, 9, 13, 14, 15, 28)
    kernels, strides, paddings, dilations = (1, 2, 3, 4, 5, 7), (1, 2, 3, 4), (0, 1, 2, 3), (1, 2, 3)

conv_cases = transpose_cases = dropped = skipped = 0
formula_wrong, kernel_wrong = [], []
t0 = time.perf_counter()
for h, k, s, p, d in itertools.product(sizes, kernels, strides, paddings, dilations):
    w = minigan.zeros(2, 3, k, k)                   # (C_out, C_in, k, k) for conv2d
    # --- convolution
    counted = (count_positions(h, k, s, p, d), count_positions(h + 1, k, s, p, d))
    try:
        predicted = shapes.conv2d_output_size(h, k, s, p, d)
    except ValueError:
        skipped += 1
        if counted[0] != 0:
            formula_wrong.append(("conv refused", h, k, s, p, d, counted[0]))
    else:
        conv_cases += 1
        if (h + 2 * p - d * (k - 1) - 1) % s:
            dropped += 1                             # the floor dropped some rows here
        if predicted != counted[0]:
            formula_wrong.append(("conv", h, k, s, p, d, predicted, counted[0]))
        # a non-square input (h, h + 1) checks height and width separately
        out = F.conv2d(minigan.zeros(1, 3, h, h + 1), w, stride=s, padding=p, dilation=d)
        if out.shape[2:] != counted:
            kernel_wrong.append(("conv", h, k, s, p, d, out.shape, counted))
    # --- transposed convolution: every output_padding 0 .. s - 1 gives one of the sizes that map back to h
    back = sizes_mapping_to(h, k, s, p, d, largest=h * s + d * k + s)
    predicted = []
    for op in range(s):
        try:
            predicted.append(shapes.conv_transpose2d_output_size(h, k, s, p, op, d))
        except ValueError:
            continue
    if not predicted:
        continue
    transpose_cases += 1
    if predicted != back[-len(predicted):] or len(back) > s:
        formula_wrong.append(("transpose", h, k, s, p, d, predicted, back))
    for op, size in zip(range(s - len(predicted), s), predicted):
        wt = minigan.zeros(3, 2, k, k)               # (C_in, C_out, k, k) for conv_transpose2d
        out = F.conv_transpose2d(minigan.zeros(1, 3, h, h), wt, stride=s, padding=p, output_padding=op, dilation=d)
        if out.shape[2:] != (size, size):
            kernel_wrong.append(("transpose", h, k, s, p, d, op, out.shape, size))
print(f"counted {conv_cases} convolutions ({dropped} of them with rows dropped by the floor) and "
      f"{transpose_cases} transposed convolutions in {time.perf_counter() - t0:.1f} s; "
      f"{skipped} settings have no output")
for m in (formula_wrong + kernel_wrong)[:5]:
    print("  MISMATCH:", m)
check(not formula_wrong and conv_cases > 100 and transpose_cases > 100,
      f"the convolution formula equals a count of kernel positions, and the transposed formula gives exactly "
      f"the sizes a convolution maps back to H_in ({conv_cases} + {transpose_cases} settings)")
check(not kernel_wrong, "F.conv2d and F.conv_transpose2d produce exactly the counted sizes")
check(dropped > 0, "the grid includes settings where the floor drops input rows, and the formula "
                   "still matches")

# The course's simpler form (dilation 1) agrees with the general formula wherever d = 1:
agree = all(shapes.course_conv_output_size(h, k, s, p) == shapes.conv2d_output_size(h, k, s, p)
            == count_positions(h, k, s, p)
            for h, k, s, p in itertools.product(range(5, 30), (1, 2, 3, 4, 5), (1, 2, 3), (0, 1, 2)))
check(agree, "for dilation 1, the course's floor((H + 2p - k)/s) + 1 equals the general formula and the count")

# %% [markdown]
# ## 4. The staircase: why a transposed convolution needs output_padding
# Plot H_out against H_in for a k3 s2 p1 convolution: because of the floor, two input sizes
# land on each output size (13 and 14 both give 7). Going back up with the transposed
# convolution of the same settings is a straight line, and output_padding (0 or 1) chooses
# which of the two input sizes it returns to. Lesson 10 looks at this in detail.

# %%
hs = numpy.arange(4, 31)
conv_out = [shapes.conv2d_output_size(int(h), 3, 2, 1) for h in hs]
back0 = [shapes.conv_transpose2d_output_size(o, 3, 2, 1, 0) for o in conv_out]
back1 = [shapes.conv_transpose2d_output_size(o, 3, 2, 1, 1) for o in conv_out]
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
ax1.step(hs, conv_out, where="mid", label="conv k3 s2 p1: floor((H + 2 - 3)/2) + 1")
ax1.plot(hs, hs / 2, ":", color="gray", label="H / 2")
ax1.set_xlabel("H_in")
ax1.set_ylabel("H_out")
ax1.set_title("the floor makes a staircase")
ax1.legend(fontsize=8)
ax2.plot(hs, back0, "o", label="conv, then transposed conv, output_padding 0")
ax2.plot(hs, back1, "x", label="conv, then transposed conv, output_padding 1")
ax2.plot(hs, hs, ":", color="gray", label="H_in (back where we started)")
ax2.set_xlabel("H_in")
ax2.set_ylabel("size after conv and back")
ax2.set_title("output_padding picks the odd or the even size")
ax2.legend(fontsize=8)
fig.tight_layout()
save(fig, args, "output_size_staircase.png")
check(shapes.conv2d_output_size(13, 3, 2, 1) == shapes.conv2d_output_size(14, 3, 2, 1) == 7,
      "a k3 s2 p1 convolution maps both 13 and 14 to 7")
check(all((b0 if h % 2 else b1) == h for h, b0, b1 in zip(hs, back0, back1)),
      "the transposed convolution returns odd sizes with output_padding 0 and even sizes with 1")

# The coverage picture of section 2 as a figure
fig, ax = plt.subplots(figsize=(4, 4))
im = ax.imshow(coverage, cmap="viridis")
ax.set_title("k3 s2 p0 on 8x8: reads per pixel\n(row 7 and column 7: never)")
ax.set_xlabel("input column")
ax.set_ylabel("input row")
fig.colorbar(im, ax=ax, fraction=0.046)
fig.tight_layout()
save(fig, args, "floor_drops_last_row.png")

# %% [markdown]
# ## 5. The course's transposed-convolution formula
# The course notes print it as "Hout = (Hin-1)s - 2p = k = outputpdding". Read literally, that
# is a chain of equations claiming (Hin - 1)s - 2p, k and output_padding are all equal, which
# is not a size formula at all. The '=' signs should be '+' (and "outputpdding" is
# output_padding). Here is the correct formula next to the literal reading, on the DCGAN's
# three generator layers.

# %%
print(f"the course notes:  {shapes.COURSE_TRANSPOSE_FORMULA}")
print("corrected:         H_out = (H_in - 1)*s - 2p + k + output_padding            (dilation 1)")
print("in general:        H_out = (H_in - 1)*s - 2p + d*(k - 1) + output_padding + 1")
print()
print(shapes.explain("transpose", 7, kernel_size=4, stride=2, padding=1))
print()
literal_false = []
for h_in, k, s, p in ((1, 7, 1, 0), (7, 4, 2, 1), (14, 4, 2, 1)):
    op = 0
    corrected = (h_in - 1) * s - 2 * p + k + op
    real = F.conv_transpose2d(minigan.zeros(1, 1, h_in, h_in), minigan.zeros(1, 1, k, k),
                              stride=s, padding=p).shape[2]
    lhs = (h_in - 1) * s - 2 * p
    literal_false.append(not (lhs == k == op))
    print(f"  H_in {h_in:2d}, k{k} s{s} p{p}: corrected formula ({h_in}-1)*{s} - 2*{p} + {k} + {op} = "
          f"{corrected:2d}; F.conv_transpose2d gives {real:2d}; the literal chain claims "
          f"{lhs} = {k} = {op}")
    check(corrected == real and count_positions(corrected, k, s, p) == h_in,
          f"the corrected formula gives {real} for H_in {h_in}, k{k} s{s} p{p}: F.conv_transpose2d's size, "
          f"and a convolution with these settings maps it back to {h_in}")
check(all(literal_false), "read literally, the course's chain of '=' is false for every DCGAN layer")

# %% [markdown]
# The same notes call the transposed convolution a "deconvolution" that "reverses the sampling
# effect". It does not invert anything. A convolution is a linear map x -> C x with a matrix C;
# the transposed convolution with the same weights is y -> C^T y, the map that backward() uses
# to send a gradient from the output back to the input. C^T C is not the identity, so a
# convolution followed by its transposed convolution does not give x back; what holds is the
# adjoint identity <C x, y> = <x, C^T y> (lesson 10 builds C and checks this in detail). A true
# deconvolution (undoing a blur) would need C's inverse, or a least-squares solve.

# %%
rng = numpy.random.default_rng(args.seed)
x_np = rng.standard_normal((1, 1, 14, 14))
w_np = rng.standard_normal((1, 1, 4, 4)) / 4
y_np = rng.standard_normal((1, 1, 7, 7))
x_t, w_t, y_t = minigan.tensor(x_np), minigan.tensor(w_np), minigan.tensor(y_np)
round_trip = F.conv_transpose2d(F.conv2d(x_t, w_t, stride=2, padding=1), w_t, stride=2, padding=1).numpy()
relative = float(numpy.linalg.norm(round_trip - x_np) / numpy.linalg.norm(x_np))
lhs = float((F.conv2d(x_t, w_t, stride=2, padding=1).numpy() * y_np).sum())
rhs = float((x_np * F.conv_transpose2d(y_t, w_t, stride=2, padding=1).numpy()).sum())
print(f"\nconv (k4 s2 p1) then its transposed conv, same weights: |result - x| / |x| = {relative:.2f}; "
      f"<Cx, y> = {lhs:.10f}, <x, C^T y> = {rhs:.10f}")
check(relative > 0.5, "a transposed convolution does not undo its convolution: the round trip is far from x")
check(abs(lhs - rhs) < 1e-10 * max(1.0, abs(lhs)), "it is the convolution's transpose: <C x, y> = <x, C^T y>")

# %% [markdown]
# ## 6. The DCGAN, traced layer by layer
# (The DCGAN is Radford, Metz & Chintala (2016). The course report cites it once as its
# reference [6], which is Ledig et al.'s super-resolution GAN; its reference [7] is the right one.)
# `minigan.shapes.trace` runs a model one layer at a time on a batch of zeros and checks every
# convolution's real output against the formula. The discriminator halves the image twice;
# the generator grows a 1x1 noise "image" to 7x7 with a k7 transposed convolution, then
# doubles it twice.

# %%
spatial = {}
for name in ("dcgan-d", "dcgan-g"):
    model, input_shape = build_model(name)
    rows = shapes.trace(model, input_shape)
    print(f"\n{name}: input {input_shape}")
    print(shapes.format_trace(rows, input_shape))
    sizes_seen = [input_shape[2]]
    for r in rows:
        if r["predicted"] is not None:
            sizes_seen.append(r["output_shape"][2])
    spatial[name] = sizes_seen
    # the independent count again: a convolution's output is its number of kernel positions; a
    # transposed convolution's output is a size that the matching convolution maps back
    convs = [m for m in model.modules() if isinstance(m, (minigan.nn.Conv2d, minigan.nn.ConvTranspose2d))]
    conv_rows = [r for r in rows if r["predicted"] is not None]
    counted_ok = len(convs) == len(conv_rows) > 0
    for layer, r in zip(convs, conv_rows):
        h_in, h_out = r["input_shape"][2], r["output_shape"][2]
        k, s_, p_, d_ = layer.kernel_size[0], layer.stride[0], layer.padding[0], layer.dilation[0]
        if isinstance(layer, minigan.nn.ConvTranspose2d):
            counted_ok &= count_positions(h_out, k, s_, p_, d_) == h_in
        else:
            counted_ok &= count_positions(h_in, k, s_, p_, d_) == h_out
    check(counted_ok and all(r["match"] for r in conv_rows),
          f"every convolution of {name} produces the size counted from its kernel positions (and the formula's)")
print(f"\ndiscriminator sizes: {' -> '.join(map(str, spatial['dcgan-d']))}")
print(f"generator sizes:     {' -> '.join(map(str, spatial['dcgan-g']))}")
check(spatial["dcgan-d"] == [28, 14, 7], "the DCGAN discriminator takes 28 -> 14 -> 7")
check(spatial["dcgan-g"] == [1, 7, 14, 28], "the DCGAN generator takes 1 -> 7 -> 14 -> 28")
check(rows[-1]["output_shape"] == (1, 1, 28, 28), "the generator's output is one 1x28x28 image per noise vector")

fig, ax = plt.subplots(figsize=(7, 3.2))
ax.plot(range(len(spatial["dcgan-d"])), spatial["dcgan-d"], "o-", label="discriminator (conv, k4 s2 p1)")
ax.plot(range(len(spatial["dcgan-g"])), spatial["dcgan-g"], "s-", label="generator (k7 s1, then k4 s2 p1)")
for series in spatial.values():
    for i, v in enumerate(series):
        ax.annotate(str(v), (i, v), textcoords="offset points", xytext=(5, 4), fontsize=8)
ax.set_xlabel("convolution layers applied")
ax.set_ylabel("height = width")
ax.set_xticks(range(4))
ax.set_title("spatial size through the course's DCGAN")
ax.legend(fontsize=8)
fig.tight_layout()
save(fig, args, "dcgan_sizes.png")

# %%
print(f"\nlesson finished in {time.perf_counter() - t_start:.1f} s")
