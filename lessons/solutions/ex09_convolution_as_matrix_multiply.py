"""The teacher's key to lessons/exercises/ex09_convolution_as_matrix_multiply.py (run this file to check it)."""
import sys
from pathlib import Path

if __package__ in (None, ""):                   # run as a file: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy  # noqa: E402


def _pad(x, padding):
    return numpy.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))


def _out_size(h, k, stride, padding):
    return (h + 2 * padding - k) // stride + 1


def conv2d_loops(x, w, b, stride=1, padding=0):
    """Exercise 9.1: the definition, one output element at a time."""
    n_, c_, h, wd = x.shape
    o_, _, kh, kw = w.shape
    xp = _pad(x, padding)
    ho, wo = _out_size(h, kh, stride, padding), _out_size(wd, kw, stride, padding)
    out = numpy.empty((n_, o_, ho, wo))
    for n in range(n_):
        for o in range(o_):
            for i in range(ho):
                for j in range(wo):
                    total = b[o]
                    for c in range(c_):
                        for u in range(kh):
                            for v in range(kw):
                                total += w[o, c, u, v] * xp[n, c, i * stride + u, j * stride + v]
                    out[n, o, i, j] = total
    return out


def im2col(x, kh, kw, stride=1, padding=0):
    """Exercise 9.2: row (n, i, j) is the flattened patch at output position (i, j) of image n."""
    n_, c_, h, wd = x.shape
    xp = _pad(x, padding)
    ho, wo = _out_size(h, kh, stride, padding), _out_size(wd, kw, stride, padding)
    rows = []
    for n in range(n_):
        for i in range(ho):
            for j in range(wo):
                rows.append(xp[n, :, i * stride:i * stride + kh, j * stride:j * stride + kw].ravel())
    return numpy.array(rows).reshape(n_ * ho * wo, c_ * kh * kw)


def conv2d_weight_grad(x, g, kh, kw, stride=1, padding=0):
    """Exercise 9.3: dL/dw_mat = g_mat^T @ im2col(x), reshaped to (O, C, kh, kw)."""
    o_ = g.shape[1]
    g_mat = g.transpose(0, 2, 3, 1).reshape(-1, o_)          # rows in (n, i, j) order, as im2col's
    return (g_mat.T @ im2col(x, kh, kw, stride, padding)).reshape(o_, x.shape[1], kh, kw)


if __name__ == "__main__":
    from lessons.exercises._runner import run_key_file
    sys.exit(run_key_file(__file__))
