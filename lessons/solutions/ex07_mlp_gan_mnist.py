"""The teacher's key to lessons/exercises/ex07_mlp_gan_mnist.py (run this file to check it)."""
import sys
from pathlib import Path

if __package__ in (None, ""):                   # run as a file: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy  # noqa: E402


def mlp_parameter_count(sizes):
    """Exercise 7.1: a weight n_out x n_in and a bias n_out per consecutive pair."""
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))


def to_bytes(images):
    """Exercise 7.2: clip to [-1, 1], b = (x + 1) * 127.5 rounded to the nearest integer."""
    x = numpy.clip(numpy.asarray(images, dtype=numpy.float64), -1.0, 1.0)
    return numpy.rint((x + 1) * 127.5).astype(numpy.uint8)


def steps_per_epoch(n_images, batch_size, drop_last=False):
    """Exercise 7.3: floor(n / B) with drop_last, ceil(n / B) without."""
    return n_images // batch_size if drop_last else -(-n_images // batch_size)


if __name__ == "__main__":
    from lessons.exercises._runner import run_key_file
    sys.exit(run_key_file(__file__))
