"""Exercises for lesson 10 (transposed convolution): the convolution's matrix and its transpose,
the transposed convolution as a scatter, and where checkerboards come from.

Complete each function below, then run this file:
    python lessons/exercises/ex10_transposed_convolution.py          # checks your functions
    python lessons/exercises/ex10_transposed_convolution.py --key    # checks the teacher's key
"""
import sys
from pathlib import Path

if __package__ in (None, ""):                   # run as a file: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy  # noqa: E402

import minigan  # noqa: E402
import minigan.functional as F  # noqa: E402
from lessons.exercises._runner import expect, expect_close, main  # noqa: E402

EXERCISES = [("10.1", "conv_matrix"), ("10.2", "conv_transpose_scatter"), ("10.3", "polyphase_sums")]


# --------------------------------------------------------------------------- exercise 10.1
def conv_matrix(w, h, stride=1, padding=0):
    """Exercise 10.1: a convolution is a matrix; build it.

    w is a (k, k) kernel (one input and one output channel), the input an h x h image. Return the
    matrix M of shape (H_out * H_out, h * h) such that M @ x.ravel() is conv2d(x, w) flattened
    row by row. Hint: column number r * h + c of M is the convolution of the image that is 1 at
    (r, c) and 0 elsewhere; or fill M directly: output (i, j) reads input (i s + u - p, j s + v - p)
    with weight w[u, v], when that pixel lies inside the image.
    Then M.T is the transposed convolution with the same weight and settings (lesson 10's adjoint):
    it maps H_out x H_out images back to h x h. It is a transpose, not an inverse: "deconvolution"
    is a misleading name.
    """
    raise NotImplementedError("exercise 10.1: one row per output pixel, one column per input pixel")


def check_conv_matrix(fn):
    rng = numpy.random.default_rng(101)
    for k, h, s, p in [(3, 5, 1, 0), (3, 5, 2, 1), (4, 7, 2, 1), (2, 4, 1, 0), (3, 6, 3, 2)]:
        w = rng.standard_normal((k, k))
        x = rng.standard_normal((h, h))
        tw = minigan.tensor(w.reshape(1, 1, k, k))
        y = F.conv2d(minigan.tensor(x.reshape(1, 1, h, h)), tw, stride=s, padding=p).numpy()
        ho = y.shape[2]
        M = numpy.asarray(fn(w, h, s, p))
        expect(M.shape == (ho * ho, h * h), f"k={k}, h={h}, s={s}, p={p}: expected M of shape "
                                            f"({ho * ho}, {h * h}), got {M.shape}")
        expect_close(M @ x.ravel(), y.ravel(), f"M @ x against F.conv2d (k={k}, h={h}, s={s}, p={p})", rtol=1e-10,
                     atol=1e-12)
        out_pad = (h + 2 * p - k) % s                        # the size conv_transpose must return: h
        z = rng.standard_normal((ho, ho))
        zt = F.conv_transpose2d(minigan.tensor(z.reshape(1, 1, ho, ho)), tw, stride=s, padding=p,
                                output_padding=out_pad).numpy()
        expect_close(M.T @ z.ravel(), zt.ravel(), f"M.T @ z against F.conv_transpose2d (k={k}, h={h}, s={s}, p={p})",
                     rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------------- exercise 10.2
def conv_transpose_scatter(y, w, stride=1, padding=0):
    """Exercise 10.2: the transposed convolution as a scatter, with loops.

    y (N, C_in, H, W); w (C_in, C_out, k, k) (a transposed convolution's weight layout, as in
    PyTorch). Each input pixel y[n, c, i, j] *adds* y[n, c, i, j] * w[c, o, u, v] to the output
    pixel (i s + u, j s + v) of every channel o, in an output of (H - 1)s + k rows and
    (W - 1)s + k columns; then ``padding`` rows and columns are cut from each border.
    (output_padding 0, dilation 1.) Return the float64 array (N, C_out, H_out, W_out).
    Where k > s neighbouring scatters overlap and add up: that overlap is lesson 10's checkerboard.
    """
    raise NotImplementedError("exercise 10.2: scatter-add each input pixel times the kernel, then crop")


def check_conv_transpose_scatter(fn):
    rng = numpy.random.default_rng(102)
    for ys, ws, s, p in [((1, 1, 3, 3), (1, 1, 3, 3), 1, 0), ((2, 3, 4, 3), (3, 2, 4, 4), 2, 1),
                         ((1, 2, 7, 7), (2, 1, 4, 4), 2, 1), ((1, 1, 2, 5), (1, 3, 3, 3), 3, 0)]:
        y, w = rng.standard_normal(ys), rng.standard_normal(ws)
        want = F.conv_transpose2d(minigan.tensor(y), minigan.tensor(w), stride=s, padding=p)
        expect_close(fn(y, w, s, p), want, f"y {ys}, w {ws}, stride {s}, padding {p} against F.conv_transpose2d",
                     rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------------- exercise 10.3
def polyphase_sums(w, s):
    """Exercise 10.3: the checkerboard of a transposed convolution, predicted.

    Feed a 1-D transposed convolution (kernel w, a 1-D array of length k, stride s, no padding) a
    constant input of ones. Output position j receives w[u] from every input position i with
    i s + u = j, so away from the borders it equals the sum of the taps u with u = j (mod s).
    Return the array of the s sums  sums[r] = sum of w[u] over u = r (mod s)  (the "polyphase"
    sums of w). The interior of the output repeats them with period s: it is flat only when all s
    sums are equal. An all-ones kernel k4 s2 gives [2, 2] (flat); k3 s2 gives [2, 1]: a
    checkerboard. A *learned* k4 s2 kernel generally has unequal sums, so k divisible by s does
    not by itself remove the artefact (Odena, Dumoulin & Olah 2016).
    """
    raise NotImplementedError("exercise 10.3: sum w[r::s] for each phase r")


def check_polyphase_sums(fn):
    rng = numpy.random.default_rng(103)
    for k, s in [(4, 2), (3, 2), (5, 3), (6, 3), (4, 1), (2, 2)]:
        for w in (numpy.ones(k), rng.standard_normal(k)):
            n = 9
            out = F.conv_transpose2d(minigan.ones(1, 1, 1, n, dtype=minigan.float64),
                                     minigan.tensor(w.reshape(1, 1, 1, k)), stride=s).numpy()[0, 0, 0]
            got = numpy.asarray(fn(w, s), dtype=float)
            expect(got.shape == (s,), f"k={k}, s={s}: expected {s} sums, got shape {got.shape}")
            interior = numpy.arange(k - 1, (n - 1) * s + 1)        # positions reached by every phase's full set of taps
            expect_close(out[interior], got[interior % s],
                         f"the interior of conv_transpose(ones) for w = {w.round(3)}, s = {s}, against your sums "
                         "repeated with period s", rtol=1e-12, atol=1e-12)


if __name__ == "__main__":
    sys.exit(main())
