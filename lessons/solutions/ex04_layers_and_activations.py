"""The teacher's key to lessons/exercises/ex04_layers_and_activations.py (run this file to check it)."""
import sys
from pathlib import Path

if __package__ in (None, ""):                   # run as a file: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy  # noqa: E402


def linear_backward(x, W, g):
    """Exercise 4.1: dL/dx = g W, dL/dW = g^T x, dL/db = sum of g over the batch."""
    return g @ W, g.T @ x, g.sum(axis=0)


def activation_derivative(name, x):
    """Exercise 4.2: relu' = [x > 0], leaky' = 1 or 0.2, tanh' = 1 - tanh^2, sigmoid' = s(1 - s)."""
    if name == "relu":
        return (x > 0).astype(x.dtype)
    if name == "leaky_relu":
        return numpy.where(x > 0, 1.0, 0.2).astype(x.dtype)
    if name == "tanh":
        return 1 - numpy.tanh(x) ** 2
    if name == "sigmoid":
        s = 1 / (1 + numpy.exp(-x))
        return s * (1 - s)
    raise ValueError(f"unknown activation {name!r}: expected relu, leaky_relu, tanh or sigmoid")


def dead_units(pre_activations):
    """Exercise 4.3: input <= 0 on every example of the batch (axis 0)."""
    return numpy.all(pre_activations <= 0, axis=0)


if __name__ == "__main__":
    from lessons.exercises._runner import run_key_file
    sys.exit(run_key_file(__file__))
