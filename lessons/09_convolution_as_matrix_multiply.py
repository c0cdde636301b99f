"""Lesson 09: a convolution is one matrix product (im2col).

What you learn here:
  * the definition of a 2-D convolution (as deep-learning libraries mean it: a cross-correlation),
    written out as nested loops;
  * im2col: lay every kernel-sized patch of the input out as one row of a matrix; then the
    whole convolution is a single matrix product of that matrix with the flattened kernels;
  * that F.conv2d (which works this way) gives the same numbers as the loops, to rounding;
  * how much faster one big matrix product is than loops (measured);
  * that the backward pass of F.conv2d is right, checked against finite differences.

Notation: x the input (N, C, H, W) (``x``, ``x_np``), w the weight (O, C, k, k) (``w``, ``w_np``),
N the batch, C the input channels (``c_in``), O the output channels (``c_out``), k the kernel
size, s the stride, p the padding, d the dilation, xpad the zero-padded input; the patch matrix
(``cols``, ``patch``) has one row per output position and one column per kernel tap.

Source: minigan/functional/conv.py, minigan/functional/im2col.py

Run:  python lessons/09_convolution_as_matrix_multiply.py [--quick] [--backend cupy]
"""
# %% [markdown]
# # Convolution as a matrix product
# A convolution slides a small kernel over an image and takes a weighted sum at every position.
# Written naively that is seven nested loops (batch, output channel, output row, output column,
# input channel, kernel row, kernel column); minigan instead copies the patches into a matrix
# and calls one matrix product. We build both and compare them.

# %%
import time

import matplotlib.pyplot as plt
import numpy

from _common import check, save, setup

import minigan
import minigan.functional as F
from minigan import backend
from minigan.functional.im2col import im2col

args = setup("09_convolution_as_matrix_multiply", "Convolution from its definition (nested loops) against im2col and one matrix "
                       "product: same numbers, very different speed; and its gradient checked.")
t_start = time.perf_counter()


def on_backend(array, requires_grad=False):
    """A tensor holding ``array`` (NumPy data) on the backend chosen with --backend."""
    return minigan.tensor(array).requires_grad_(requires_grad)



def sync():
    """Wait for the GPU to finish queued work (CuPy runs asynchronously), so timings are honest."""
    if args.backend == "cupy":
        import cupy
        cupy.cuda.Device().synchronize()


# %% [markdown]
# ## 1. The definition, as loops
# For an input x of shape (N, C, H, W) and a weight w of shape (O, C, k, k), with stride s,
# padding p and dilation d:
#
#     out[n, o, i, j] = bias[o] + sum over c, a, b of  w[o, c, a, b] * xpad[n, c, i*s + a*d, j*s + b*d]
#
# where xpad is x surrounded by p rows/columns of zeros. Nothing else is going on; the loops
# below are that line and nothing more (plain Python on NumPy arrays, for reference only).

# %%


def conv2d_loops(x, w, bias=None, stride=1, padding=0, dilation=1):
    """The definition of conv2d, loop by loop. x, w: NumPy arrays. Slow on purpose."""
    n_batch, c_in, h, wd = x.shape
    c_out, _, kh, kw = w.shape
    xpad = numpy.zeros((n_batch, c_in, h + 2 * padding, wd + 2 * padding), dtype=x.dtype)
    xpad[:, :, padding:padding + h, padding:padding + wd] = x
    ho = (h + 2 * padding - dilation * (kh - 1) - 1) // stride + 1
    wo = (wd + 2 * padding - dilation * (kw - 1) - 1) // stride + 1
    out = numpy.zeros((n_batch, c_out, ho, wo), dtype=x.dtype)
    for n in range(n_batch):
        for o in range(c_out):
            for i in range(ho):
                for j in range(wo):
                    total = 0.0 if bias is None else bias[o]
                    for c in range(c_in):
                        for a in range(kh):
                            for b in range(kw):
                                total += w[o, c, a, b] * xpad[n, c, i * stride + a * dilation, j * stride + b * dilation]
                    out[n, o, i, j] = total
    return out


# Seven loops, one per index of the formula: n, o, i, j for the output element, c, a, b for the
# sum. (Counted from the function's own syntax tree, so the text cannot drift from the code.)

# %%
import ast  # noqa: E402
import inspect  # noqa: E402


def loop_depth(node):
    """The deepest nesting of for-loops below an AST node."""
    inner = max((loop_depth(child) for child in ast.iter_child_nodes(node)), default=0)
    return inner + 1 if isinstance(node, ast.For) else inner


depth = loop_depth(ast.parse(inspect.getsource(conv2d_loops)))
print(f"conv2d_loops nests {depth} for-loops")
check(depth == 7, "the definition of conv2d is seven nested loops (n, o, i, j, then c, a, b)")

# %% [markdown]
# ## 2. im2col on a tiny example
# Take a 4x4 image holding 1..16 and a 2x2 kernel, stride 1: the output is 3x3, so there are
# 9 patches of 4 pixels. im2col writes each patch as one row: a 9x4 matrix. Multiplying it
# by the kernel flattened to a column of 4 gives the 9 outputs at once.
# (minigan orders a patch row as (kernel row, kernel column, channel); with one channel that is
# simply the patch read row by row.)

# %%
tiny = on_backend(numpy.arange(1, 17, dtype=numpy.float64).reshape(1, 1, 4, 4))
kernel = on_backend(numpy.array([[[[1.0, 0.0], [0.0, -1.0]]]]))      # (O=1, C=1, 2, 2)
cols = backend.to_numpy(im2col(tiny.array, (2, 2), (1, 1), (0, 0), (1, 1), (3, 3)))
print("the image:")
print(tiny.numpy()[0, 0].astype(int))
print("\nits im2col matrix (one row per output position, one column per kernel tap):")
for r, row in enumerate(cols):
    print(f"  output ({r // 3}, {r % 3}):  {row.astype(int)}")
flat_kernel = kernel.numpy().reshape(-1)
by_matmul = (cols @ flat_kernel).reshape(3, 3)
by_conv = F.conv2d(tiny, kernel).numpy()[0, 0]
print(f"\nkernel flattened: {flat_kernel}")
print("im2col @ kernel, reshaped to 3x3:")
print(by_matmul)
check(cols.shape == (9, 4), "a 4x4 image and a 2x2 kernel at stride 1 give a 9x4 patch matrix")
check((cols[0] == [1, 2, 5, 6]).all() and (cols[8] == [11, 12, 15, 16]).all(),
      "row 0 is the top-left patch (1, 2, 5, 6) and row 8 the bottom-right one (11, 12, 15, 16)")
by_loops = conv2d_loops(tiny.numpy(), kernel.numpy())[0, 0]
image = numpy.arange(1, 17).reshape(4, 4)
by_hand = image[:3, :3] - image[1:, 1:]           # kernel [[1, 0], [0, -1]]: x[i, j] - x[i+1, j+1]
check(numpy.array_equal(by_loops, by_hand) and (by_hand == -5).all(),
      "the loops give x[i, j] - x[i+1, j+1] = -5 everywhere for this kernel, as worked by hand")
check(numpy.array_equal(by_matmul, by_loops) and numpy.array_equal(by_conv, by_loops),
      "the im2col matrix product and F.conv2d give exactly the loops' output")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(8, 4), gridspec_kw={"width_ratios": [1, 1.1]})
ax1.imshow(tiny.numpy()[0, 0], cmap="Blues")
for (i, j), v in numpy.ndenumerate(tiny.numpy()[0, 0]):
    ax1.text(j, i, int(v), ha="center", va="center")
ax1.set_title("4x4 input")
ax1.set_xlabel("column j")
ax1.set_ylabel("row i")
ax1.set_xticks([])
ax1.set_yticks([])
ax2.imshow(cols, cmap="Blues", aspect="auto")
for (i, j), v in numpy.ndenumerate(cols):
    ax2.text(j, i, int(v), ha="center", va="center", fontsize=8)
ax2.set_title("im2col: 9 patches x 4 taps")
ax2.set_xlabel("kernel tap (a, b)")
ax2.set_ylabel("output position (i, j)")
ax2.set_xticks(range(4), ["(0,0)", "(0,1)", "(1,0)", "(1,1)"])
ax2.set_yticks(range(9), [f"({r // 3},{r % 3})" for r in range(9)])
fig.tight_layout()
save(fig, args, "im2col_tiny.png")

# %% [markdown]
# ## 3. Same numbers in general: loops, im2col by hand, and F.conv2d
# Now a random float64 batch with several channels, stride, padding and dilation. With several
# channels the weight must be flattened in the same (a, b, c) order as the patch rows:
# weight (O, C, k, k) -> transpose to (O, k, k, C) -> reshape to (O, k*k*C).

# %%
rng = numpy.random.default_rng(args.seed)
settings = [dict(stride=1, padding=0, dilation=1), dict(stride=2, padding=1, dilation=1),
            dict(stride=1, padding=2, dilation=2), dict(stride=3, padding=1, dilation=1)]
for st in settings:
    x_np = rng.standard_normal((2, 3, 9, 8))
    w_np = rng.standard_normal((4, 3, 3, 3))
    b_np = rng.standard_normal(4)
    loops = conv2d_loops(x_np, w_np, b_np, **st)
    x, w, b = on_backend(x_np), on_backend(w_np), on_backend(b_np)
    fast = F.conv2d(x, w, b, **st).numpy()
    out_size = loops.shape[2:]
    s, p, d = st["stride"], st["padding"], st["dilation"]
    patch = im2col(x.array, (3, 3), (s, s), (p, p), (d, d), out_size)                # (N*Ho*Wo, 27)
    w2 = w.array.transpose(0, 2, 3, 1).reshape(4, -1)                                  # (O, 27)
    by_hand = backend.to_numpy(patch @ w2.T + b.array).reshape(2, *out_size, 4).transpose(0, 3, 1, 2)
    err_conv = float(numpy.abs(fast - loops).max())
    err_hand = float(numpy.abs(by_hand - loops).max())
    print(f"  {st}: output {loops.shape}, patch matrix {tuple(patch.shape)}; "
          f"max |F.conv2d - loops| = {err_conv:.1e}, max |im2col@W - loops| = {err_hand:.1e}")
    check(err_conv < 1e-6 and err_hand < 1e-6,
          f"F.conv2d and im2col @ W match the loops to 1e-6 in float64 (stride {s}, padding {p}, dilation {d})")

# %% [markdown]
# ## 4. The speed difference
# The loops do one multiply-add per Python step. The matrix product hands all of them to BLAS
# (or cuBLAS on a GPU), which runs them in compiled, vectorised code. We time both on the same
# small batch (float32, like training), and the matrix product several times to get a stable
# figure.

# %%
shape = (4, 3, 16, 16) if args.quick else (32, 3, 28, 28)
x_np = rng.standard_normal(shape).astype(numpy.float32)
w_np = rng.standard_normal((8, 3, 3, 3)).astype(numpy.float32)
x, w = on_backend(x_np), on_backend(w_np)
t0 = time.perf_counter()
loops = conv2d_loops(x_np, w_np, padding=1)
t_loops = time.perf_counter() - t0
F.conv2d(x, w, padding=1)                      # warm-up (allocations, GPU kernel compilation)
sync()
repeats = 20
t0 = time.perf_counter()
for _ in range(repeats):
    fast = F.conv2d(x, w, padding=1)
sync()
t_fast = (time.perf_counter() - t0) / repeats
macs = loops.size * 3 * 3 * 3
speedup = t_loops / t_fast
print(f"input {shape}, 8 filters of 3x3: {macs:,} multiply-adds")
print(f"  nested loops:           {1e3 * t_loops:9.2f} ms")
print(f"  im2col + matrix product: {1e3 * t_fast:9.3f} ms   ({speedup:,.0f}x faster)")
check(numpy.abs(fast.numpy() - loops).max() < 1e-3, "on this batch too, both give the same output "
                                                     "(float32 rounding only)")
check(speedup > 50, "im2col and one matrix product is faster than the loops by a large factor (> 50x)")

fig, ax = plt.subplots(figsize=(6, 3))
ax.barh(["nested loops", "im2col + matmul"], [1e3 * t_loops, 1e3 * t_fast], color=["tab:red", "tab:green"])
ax.set_xscale("log")
ax.set_xlabel("milliseconds (log scale)")
ax.set_ylabel("method")
ax.set_title(f"conv2d on {shape}: {speedup:,.0f}x faster as one matrix product")
fig.tight_layout()
save(fig, args, "speed.png")

# %% [markdown]
# ## 5. The gradient, checked
# Backward through a convolution is two more matrix products: d/dW = patches^T g, and
# d/dx = col2im(g W), which adds every patch's gradient back where the patch came from.
# minigan.gradcheck compares that with central finite differences, element by element, in
# float64 (float32 has too few digits for finite differences).

# %%
for st in (dict(stride=1, padding=0, dilation=1), dict(stride=2, padding=1, dilation=1),
           dict(stride=1, padding=1, dilation=2)):
    x = on_backend(rng.standard_normal((2, 2, 6, 5)), requires_grad=True)
    w = on_backend(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)
    b = on_backend(rng.standard_normal(3), requires_grad=True)
    ok = minigan.gradcheck(lambda x, w, b: F.conv2d(x, w, b, **st), (x, w, b))
    check(ok, f"conv2d's gradients for input, weight and bias match finite differences ({st})")

# %%
print(f"\nlesson finished in {time.perf_counter() - t_start:.1f} s")
