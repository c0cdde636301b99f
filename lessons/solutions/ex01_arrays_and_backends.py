"""The teacher's key to lessons/exercises/ex01_arrays_and_backends.py (run this file to check it)."""
import sys
from pathlib import Path

if __package__ in (None, ""):                   # run as a file: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import math  # noqa: E402

import numpy  # noqa: E402

from minigan.backend import get_array_module  # noqa: E402


def softplus(x):
    """Exercise 1.1: max(x, 0) + log1p(exp(-|x|)), stable, dtype and backend kept."""
    xp = get_array_module(x)
    return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))


def machine_epsilon(dtype):
    """Exercise 1.2: halve eps while 1 + eps/2 still differs from 1, in that dtype."""
    t = numpy.dtype(dtype).type
    one, two = t(1), t(2)
    eps = t(1)
    while one + eps / two != one:
        eps = eps / two
    return eps


def smallest_absorbing_power_of_two(eps, dtype):
    """Exercise 1.3: the smallest 2^e >= 2 eps / machine_epsilon (then x + eps rounds to x)."""
    t = numpy.dtype(dtype).type
    eps = t(eps)
    e = math.ceil(math.log2(2 * float(eps) / float(numpy.finfo(dtype).eps)))
    # the formula is exact up to rounding of eps itself; step to the boundary by experiment
    while t(2.0 ** (e - 1)) + eps == t(2.0 ** (e - 1)):
        e -= 1
    while t(2.0 ** e) + eps != t(2.0 ** e):
        e += 1
    return 2.0 ** e


if __name__ == "__main__":
    from lessons.exercises._runner import run_key_file
    sys.exit(run_key_file(__file__))
