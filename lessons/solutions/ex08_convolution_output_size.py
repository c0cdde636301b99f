"""The teacher's key to lessons/exercises/ex08_convolution_output_size.py (run this file to check it)."""
import sys
from pathlib import Path

if __package__ in (None, ""):                   # run as a file: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def conv_output_size(h, k, s=1, p=0, d=1):
    """Exercise 8.1: a placement at row r fits when r + d(k - 1) <= h + 2p - 1, r = 0, s, 2s, ...:
    the number of multiples of s in 0 .. h + 2p - d(k - 1) - 1."""
    return (h + 2 * p - d * (k - 1) - 1) // s + 1


def conv_transpose_output_size(h, k, s=1, p=0, output_padding=0, d=1):
    """Exercise 8.2: the last input row writes up to row (h - 1)s + d(k - 1), so the uncropped
    output has (h - 1)s + d(k - 1) + 1 rows; minus 2p, plus output_padding."""
    return (h - 1) * s - 2 * p + d * (k - 1) + output_padding + 1


def output_padding_for(target, k, s, p=0, d=1):
    """Exercise 8.3: the remainder that the convolution's floor dropped."""
    return (target + 2 * p - d * (k - 1) - 1) % s


if __name__ == "__main__":
    from lessons.exercises._runner import run_key_file
    sys.exit(run_key_file(__file__))
