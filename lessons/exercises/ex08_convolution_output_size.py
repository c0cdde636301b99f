"""Exercises for lesson 08 (convolution output sizes): the two formulas, derived and checked by
counting, and the output_padding that undoes a strided convolution's floor.

Complete each function below, then run this file:
    python lessons/exercises/ex08_convolution_output_size.py          # checks your functions
    python lessons/exercises/ex08_convolution_output_size.py --key    # checks the teacher's key
"""
import itertools
import sys
from pathlib import Path

if __package__ in (None, ""):                   # run as a file: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy  # noqa: E402

import minigan  # noqa: E402
import minigan.functional as F  # noqa: E402
from lessons.exercises._runner import expect, main  # noqa: E402

EXERCISES = [("8.1", "conv_output_size"), ("8.2", "conv_transpose_output_size"), ("8.3", "output_padding_for")]


def _count_positions(h, k, s, p, d):
    """The independent answer: slide the kernel over the padded input and count where it fits.
    A placement starting at row r reads rows r, r + d, ..., r + d(k - 1) of the padded input,
    whose rows are 0 .. h + 2p - 1; placements start at 0, s, 2s, ..."""
    count, r = 0, 0
    while r + d * (k - 1) <= h + 2 * p - 1:
        count += 1
        r += s
    return count


# --------------------------------------------------------------------------- exercise 8.1
def conv_output_size(h, k, s=1, p=0, d=1):
    """Exercise 8.1: the height of a convolution's output.

    Input height h, kernel size k, stride s, zero padding p on each side, dilation d. Derive it
    by counting: the padded input has h + 2p rows; a dilated kernel spans d(k - 1) + 1 of them;
    placements start every s rows, and only whole placements count. Return an int.
    Expected: 28 -> 14 for k4 s2 p1 (the DCGAN's discriminator), 5 -> 2 for k3 s2 p0.
    """
    raise NotImplementedError("exercise 8.1: floor((h + 2p - d(k - 1) - 1) / s) + 1, derived by counting")


def check_conv_output_size(fn):
    for h, k, s, p, d in itertools.product(range(1, 13), range(1, 6), range(1, 4), range(0, 3), range(1, 3)):
        want = _count_positions(h, k, s, p, d)
        if want < 1:
            continue                          # the kernel does not fit at all: no valid size
        got = fn(h, k, s, p, d)
        expect(got == want, f"h={h}, k={k}, s={s}, p={p}, d={d}: the kernel fits at {want} positions, got {got}")
    x = minigan.zeros(1, 1, 28, 28)
    out = F.conv2d(x, minigan.zeros(1, 1, 4, 4), stride=2, padding=1)
    expect(fn(28, 4, 2, 1, 1) == out.shape[2], f"k4 s2 p1 on 28 rows: F.conv2d gives {out.shape[2]}")


# --------------------------------------------------------------------------- exercise 8.2
def conv_transpose_output_size(h, k, s=1, p=0, output_padding=0, d=1):
    """Exercise 8.2: the height of a transposed convolution's output.

    A transposed convolution with settings (k, s, p, d) goes the other way: from h rows to the
    smallest H that the convolution with the same settings maps to h, plus ``output_padding``
    (0 <= output_padding < s), which picks a larger one of the s sizes that the floor maps to h.
    Derive H from the scatter picture: input row i (0 <= i < h) writes to rows i s, i s + d, ...,
    i s + d(k - 1) of the output before cropping; then p rows are cut from each end.
    Expected: 7 -> 14 for k4 s2 p1 (the DCGAN's generator), 1 -> 7 for k7 s1 p0.
    The course notes print it garbled as "(Hin-1)s - 2p = k = outputpdding".
    """
    raise NotImplementedError("exercise 8.2: (h - 1)s - 2p + d(k - 1) + output_padding + 1")


def check_conv_transpose_output_size(fn):
    for h, k, s, p, d in itertools.product(range(1, 9), range(1, 6), range(1, 4), range(0, 3), range(1, 3)):
        base = fn(h, k, s, p, 0, d)
        if base < 1:
            continue
        # the convolution with the same settings (counted, not computed with a formula) maps
        # the output back to h for every allowed output_padding, and one row less to h - 1
        for op in range(s):
            got = fn(h, k, s, p, op, d)
            expect(got == base + op, f"h={h}, k={k}, s={s}, p={p}, d={d}: output_padding {op} must add {op} "
                                     f"rows ({base} -> {base + op}), got {got}")
            back = _count_positions(got, k, s, p, d)
            expect(back == h, f"h={h}, k={k}, s={s}, p={p}, output_padding={op}, d={d}: your size {got} "
                              f"convolves back to {back} rows, not {h}")
        if base > 1 and _count_positions(base - 1, k, s, p, d) >= 1:
            expect(_count_positions(base - 1, k, s, p, d) < h,
                   f"h={h}, k={k}, s={s}, p={p}, d={d}: {base - 1} rows already convolve to {h}, so {base} "
                   "is not the smallest size (output_padding 0)")
    y = minigan.zeros(1, 1, 7, 7)
    out = F.conv_transpose2d(y, minigan.zeros(1, 1, 4, 4), stride=2, padding=1)
    expect(fn(7, 4, 2, 1, 0, 1) == out.shape[2], f"k4 s2 p1 on 7 rows: F.conv_transpose2d gives {out.shape[2]}")


# --------------------------------------------------------------------------- exercise 8.3
def output_padding_for(target, k, s, p=0, d=1):
    """Exercise 8.3: which output_padding gets a transposed convolution back to ``target`` rows?

    A convolution (k, s, p, d) maps ``target`` rows to some h; the transposed convolution with
    the same settings maps h back to the smallest size that gives h, plus output_padding. Return
    the output_padding (an int in 0 .. s - 1) that makes it return exactly ``target``.
    Example: k3 s2 p1 maps both 13 and 14 to 7; getting 13 back needs 0, 14 needs 1.

    Hint: it is the remainder the convolution's floor threw away:
    (target + 2p - d(k - 1) - 1) mod s.
    """
    raise NotImplementedError("exercise 8.3: the remainder dropped by the floor")


def check_output_padding_for(fn):
    rng = numpy.random.default_rng(83)
    for target, k, s, p in itertools.product(range(3, 15), (1, 2, 3, 4), (1, 2, 3), (0, 1)):
        if _count_positions(target, k, s, p, 1) < 1:
            continue
        op = fn(target, k, s, p, 1)
        expect(isinstance(op, (int, numpy.integer)) and 0 <= op < s,
               f"target {target}, k={k}, s={s}, p={p}: output_padding must be an int in 0..{s - 1}, got {op!r}")
        x = minigan.tensor(rng.standard_normal((1, 1, target, target)))
        w = minigan.tensor(rng.standard_normal((1, 1, k, k)))
        y = F.conv2d(x, w, stride=s, padding=p)
        back = F.conv_transpose2d(y, w, stride=s, padding=p, output_padding=int(op))
        expect(back.shape[2] == target, f"target {target}, k={k}, s={s}, p={p}: conv gives {y.shape[2]} rows, and "
                                        f"conv_transpose with output_padding {op} gives {back.shape[2]}, not {target}")


if __name__ == "__main__":
    sys.exit(main())
