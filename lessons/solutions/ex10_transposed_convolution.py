"""The teacher's key to lessons/exercises/ex10_transposed_convolution.py (run this file to check it)."""
import sys
from pathlib import Path

if __package__ in (None, ""):                   # run as a file: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy  # noqa: E402


def conv_matrix(w, h, stride=1, padding=0):
    """Exercise 10.1: output (i, j) reads input (i s + u - p, j s + v - p) with weight w[u, v]."""
    k = w.shape[0]
    ho = (h + 2 * padding - k) // stride + 1
    M = numpy.zeros((ho * ho, h * h))
    for i in range(ho):
        for j in range(ho):
            for u in range(k):
                for v in range(k):
                    r, c = i * stride + u - padding, j * stride + v - padding
                    if 0 <= r < h and 0 <= c < h:
                        M[i * ho + j, r * h + c] += w[u, v]
    return M


def conv_transpose_scatter(y, w, stride=1, padding=0):
    """Exercise 10.2: scatter-add y[n, c, i, j] * w[c] at (i s, j s), then crop padding."""
    n_, c_in, h, wd = y.shape
    _, c_out, k, _ = w.shape
    full = numpy.zeros((n_, c_out, (h - 1) * stride + k, (wd - 1) * stride + k))
    for n in range(n_):
        for c in range(c_in):
            for i in range(h):
                for j in range(wd):
                    full[n, :, i * stride:i * stride + k, j * stride:j * stride + k] += y[n, c, i, j] * w[c]
    return full[:, :, padding:full.shape[2] - padding, padding:full.shape[3] - padding]


def polyphase_sums(w, s):
    """Exercise 10.3: sums[r] = w[r] + w[r + s] + w[r + 2s] + ..."""
    return numpy.array([w[r::s].sum() for r in range(s)])


if __name__ == "__main__":
    from lessons.exercises._runner import run_key_file
    sys.exit(run_key_file(__file__))
