"""Exercises for lesson 07 (the MLP GAN on MNIST): the networks' sizes, the pixel scaling and
its inverse, and how many steps an epoch has.

Complete each function below, then run this file:
    python lessons/exercises/ex07_mlp_gan_mnist.py          # checks your functions
    python lessons/exercises/ex07_mlp_gan_mnist.py --key    # checks the teacher's key
(No MNIST needed: the checks build what they need.)
"""
import sys
from pathlib import Path

if __package__ in (None, ""):                   # run as a file: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy  # noqa: E402

import minigan  # noqa: E402
import minigan.nn as nn  # noqa: E402
from lessons.exercises._runner import expect, main  # noqa: E402
from minigan.data import DataLoader  # noqa: E402
from minigan.models import Discriminator, Generator  # noqa: E402

EXERCISES = [("7.1", "mlp_parameter_count"), ("7.2", "to_bytes"), ("7.3", "steps_per_epoch")]


# --------------------------------------------------------------------------- exercise 7.1
def mlp_parameter_count(sizes):
    """Exercise 7.1: how many numbers does an MLP learn?

    ``sizes`` lists the layer widths, e.g. the course's generator [100, 128, 256, 784] (noise,
    two hidden layers, a 28x28 image) or its discriminator [784, 256, 128, 1]. Each consecutive
    pair (n_in, n_out) is one ``nn.Linear`` with a weight (n_out, n_in) and a bias (n_out,);
    activations have no parameters. Return the total number of parameters (an int).
    """
    raise NotImplementedError("exercise 7.1: sum of n_in * n_out + n_out over the layers")


def _count(module):
    return sum(p.numel() for p in module.parameters())


def check_mlp_parameter_count(fn):
    got_g, want_g = fn([100, 128, 256, 784]), _count(Generator())
    expect(got_g == want_g, f"the course's generator has {want_g} parameters (minigan.models.Generator), got {got_g}")
    got_d, want_d = fn([784, 256, 128, 1]), _count(Discriminator())
    expect(got_d == want_d, f"the course's discriminator has {want_d} parameters, got {got_d}")
    rng = numpy.random.default_rng(71)
    for _ in range(5):
        sizes = [int(v) for v in rng.integers(1, 40, int(rng.integers(2, 6)))]
        layers = [nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])]
        want = _count(nn.Sequential(*layers))
        got = fn(sizes)
        expect(got == want, f"sizes {sizes}: expected {want} parameters (counted on minigan layers), got {got}")


# --------------------------------------------------------------------------- exercise 7.2
def to_bytes(images):
    """Exercise 7.2: from the generator's range back to pixel bytes.

    minigan's MNIST loader maps a pixel byte b in 0..255 to x = b / 127.5 - 1 (float32), so the
    data lies in [-1, 1], the range of the generator's Tanh. Write the inverse for saving
    images: map x back to the nearest byte, as a ``numpy.uint8`` array of the same shape.
    Values outside [-1, 1] must be clipped first (a byte cannot hold -3), and each real byte
    must come back exactly: to_bytes(b / 127.5 - 1) == b for every b.

    Hint: (x + 1) * 127.5, rounded (not truncated: float32 gives 12.999999 for 13), clipped.
    """
    raise NotImplementedError("exercise 7.2: invert x = b / 127.5 - 1, round, clip, uint8")


def check_to_bytes(fn):
    b = numpy.arange(256, dtype=numpy.uint8)
    x = b.astype(numpy.float32) / numpy.float32(127.5) - numpy.float32(1)      # the loader's scaling
    got = numpy.asarray(fn(x))
    expect(got.dtype == numpy.uint8, f"expected a uint8 array, got {got.dtype}")
    bad = numpy.flatnonzero(got != b)
    expect(bad.size == 0, f"the bytes {b[bad][:5].tolist()} do not come back (they give {got[bad][:5].tolist()})")
    images = minigan.tensor([[-3.0, -1.0, 0.0], [0.999, 1.0, 7.0]]).numpy()
    got = numpy.asarray(fn(images))
    want = numpy.array([[0, 0, 128], [255, 255, 255]], dtype=numpy.uint8)     # 0 -> 127.5 rounds to even 128
    expect(got.shape == images.shape and numpy.array_equal(got, want),
           f"to_bytes of {images.tolist()}: expected {want.tolist()}, got {got.tolist()}")


# --------------------------------------------------------------------------- exercise 7.3
def steps_per_epoch(n_images, batch_size, drop_last=False):
    """Exercise 7.3: how many optimiser steps in one epoch?

    One step per minibatch. The last minibatch may be smaller than ``batch_size``; with
    ``drop_last=True`` it is dropped. Return the number of minibatches (an int). The course
    trains on 60,000 images at batch 128: 469 steps; the course machines hold only the first
    22,699 training images: 178 steps, so "100 epochs" there means far fewer updates.
    """
    raise NotImplementedError("exercise 7.3: a ceiling or a floor division")


def check_steps_per_epoch(fn):
    for n, bs in [(60000, 128), (22699, 128), (128, 128), (129, 128), (1, 64), (768, 64), (1000, 7)]:
        for drop_last in (False, True):
            want = len(DataLoader(numpy.zeros((n, 2), numpy.float32), batch_size=bs, shuffle=False,
                                  drop_last=drop_last))
            got = fn(n, bs, drop_last)
            expect(got == want, f"{n} images at batch {bs}, drop_last={drop_last}: expected {want} steps "
                                f"(len of a minigan DataLoader), got {got}")


if __name__ == "__main__":
    sys.exit(main())
