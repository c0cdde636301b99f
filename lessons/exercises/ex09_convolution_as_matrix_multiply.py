"""Exercises for lesson 09 (convolution as a matrix product): the loops, im2col, and the weight
gradient as one more matrix product.

Complete each function below, then run this file:
    python lessons/exercises/ex09_convolution_as_matrix_multiply.py          # checks your functions
    python lessons/exercises/ex09_convolution_as_matrix_multiply.py --key    # checks the teacher's key
"""
import sys
from pathlib import Path

if __package__ in (None, ""):                   # run as a file: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy  # noqa: E402

import minigan  # noqa: E402
import minigan.functional as F  # noqa: E402
from lessons.exercises._runner import expect, expect_close, main  # noqa: E402

EXERCISES = [("9.1", "conv2d_loops"), ("9.2", "im2col"), ("9.3", "conv2d_weight_grad")]

SETTINGS = [((2, 3, 6, 5), (4, 3, 3, 3), 1, 0), ((1, 2, 7, 7), (3, 2, 3, 3), 2, 1),
            ((3, 1, 5, 6), (2, 1, 2, 4), 1, 2), ((1, 1, 4, 4), (1, 1, 2, 2), 1, 0)]


# --------------------------------------------------------------------------- exercise 9.1
def conv2d_loops(x, w, b, stride=1, padding=0):
    """Exercise 9.1: a 2-D convolution from its definition, with Python loops.

    x (N, C, H, W), w (O, C, k_h, k_w), b (O,) are float64 NumPy arrays. Deep-learning
    "convolution" is a cross-correlation (the kernel is not flipped):
        out[n, o, i, j] = b[o] + sum_{c, u, v} w[o, c, u, v] * xp[n, c, i*stride + u, j*stride + v]
    where xp is x zero-padded by ``padding`` on each side of H and W (``numpy.pad``). The output
    size follows lesson 08. Loops are fine here; this is the reference the fast version must match.
    """
    raise NotImplementedError("exercise 9.1: pad, then loop over n, o, i, j and sum over c, u, v")


def check_conv2d_loops(fn):
    rng = numpy.random.default_rng(91)
    for xs, ws, s, p in SETTINGS:
        x, w, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
        want = F.conv2d(minigan.tensor(x), minigan.tensor(w), minigan.tensor(b), stride=s, padding=p)
        expect_close(fn(x, w, b, s, p), want, f"x {xs}, w {ws}, stride {s}, padding {p} against F.conv2d",
                     rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------------- exercise 9.2
def im2col(x, kh, kw, stride=1, padding=0):
    """Exercise 9.2: lay every kernel-sized patch of x out as one row of a matrix.

    x (N, C, H, W). Return the matrix of shape (N * H_out * W_out, C * kh * kw) whose row
    number (n * H_out + i) * W_out + j holds the patch xp[n, :, i*s : i*s + kh, j*s : j*s + kw]
    flattened in (c, u, v) order (xp: x zero-padded by ``padding``). Then, for a weight w of
    shape (O, C, kh, kw),
        im2col(x) @ w.reshape(O, -1).T
    is the whole convolution, one matrix product, laid out as (N, H_out, W_out, O).
    The lesson's tiny case: a 1x1x4x4 image and a 2x2 kernel give a 9 x 4 matrix.
    """
    raise NotImplementedError("exercise 9.2: one row per output position, one column per kernel tap")


def check_im2col(fn):
    rng = numpy.random.default_rng(92)
    for xs, ws, s, p in SETTINGS:
        x, w = rng.standard_normal(xs), rng.standard_normal(ws)
        cols = numpy.asarray(fn(x, ws[2], ws[3], s, p))
        want = F.conv2d(minigan.tensor(x), minigan.tensor(w), stride=s, padding=p).numpy()
        n, o, ho, wo = want.shape
        expect(cols.shape == (n * ho * wo, ws[1] * ws[2] * ws[3]),
               f"x {xs}, kernel {ws[2]}x{ws[3]}, stride {s}, padding {p}: expected a "
               f"({n * ho * wo}, {ws[1] * ws[2] * ws[3]}) matrix, got {cols.shape}")
        out = (cols @ w.reshape(o, -1).T).reshape(n, ho, wo, o).transpose(0, 3, 1, 2)
        expect_close(out, want, f"im2col(x) @ W^T against F.conv2d (x {xs}, w {ws}, s {s}, p {p})",
                     rtol=1e-10, atol=1e-12)
    tiny = numpy.arange(16.0).reshape(1, 1, 4, 4)
    expect_close(numpy.asarray(fn(tiny, 2, 2))[0], [0, 1, 4, 5], "the first patch of the 4x4 image 0..15", rtol=0)


# --------------------------------------------------------------------------- exercise 9.3
def conv2d_weight_grad(x, g, kh, kw, stride=1, padding=0):
    """Exercise 9.3: the gradient of a convolution's weight, as one matrix product.

    For out = conv2d(x, w) (no bias), a loss L sends back g = dL/d(out) of shape (N, O, H_out, W_out).
    Return dL/dw, of shape (O, C, kh, kw). Since out (as an (N H_out W_out, O) matrix) equals
    im2col(x) @ w_mat.T with w_mat = w.reshape(O, -1), exercise 2.2's matmul rule gives
    dL/dw_mat = g_mat.T @ im2col(x), with g_mat = g laid out as (N H_out W_out, O).
    You may call your own ``im2col`` from exercise 9.2.
    """
    raise NotImplementedError("exercise 9.3: g laid out as rows, transposed, times im2col(x)")


def check_conv2d_weight_grad(fn):
    rng = numpy.random.default_rng(93)
    for xs, ws, s, p in SETTINGS:
        x = rng.standard_normal(xs)
        w = minigan.tensor(rng.standard_normal(ws), requires_grad=True)
        out = F.conv2d(minigan.tensor(x), w, stride=s, padding=p)
        g = rng.standard_normal(out.shape)
        out.backward(minigan.tensor(g))
        expect_close(fn(x, g, ws[2], ws[3], s, p), w.grad,
                     f"dL/dw for x {xs}, w {ws}, stride {s}, padding {p} against minigan's backward", rtol=1e-10,
                     atol=1e-12)


if __name__ == "__main__":
    sys.exit(main())
