"""Exercises for lesson 04 (layers and activations): the Linear layer's backward pass, the
activations' derivatives, and finding dead ReLU units.

Complete each function below, then run this file:
    python lessons/exercises/ex04_layers_and_activations.py          # checks your functions
    python lessons/exercises/ex04_layers_and_activations.py --key    # checks the teacher's key
"""
import sys
from pathlib import Path

if __package__ in (None, ""):                   # run as a file: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy  # noqa: E402

import minigan  # noqa: E402
import minigan.nn as nn  # noqa: E402
from lessons.exercises._runner import expect, expect_close, main  # noqa: E402

EXERCISES = [("4.1", "linear_backward"), ("4.2", "activation_derivative"), ("4.3", "dead_units")]


# --------------------------------------------------------------------------- exercise 4.1
def linear_backward(x, W, g):
    """Exercise 4.1: the backward pass of y = x W^T + b (``nn.Linear``).

    x has shape (batch, in), W (out, in), b (out,); a loss L sends back g = dL/dy of shape
    (batch, out). Return (dL/dx, dL/dW, dL/db) as NumPy arrays of the shapes of x, W and b.

    Hints: write y_nj = sum_i x_ni W_ji + b_j and differentiate; every example n adds its own
    contribution to dL/dW and dL/db (the batch is summed over).
    """
    raise NotImplementedError("exercise 4.1: three matrix expressions, one per input")


def check_linear_backward(fn):
    rng = numpy.random.default_rng(41)
    for batch, n_in, n_out in [(4, 3, 2), (1, 5, 1), (7, 2, 6)]:
        layer = nn.Linear(n_in, n_out).double()
        x = minigan.tensor(rng.standard_normal((batch, n_in)), requires_grad=True)
        g = rng.standard_normal((batch, n_out))
        layer(x).backward(minigan.tensor(g))
        dx, dW, db = fn(x.numpy(), layer.weight.numpy(), g)
        what = f"Linear({n_in}, {n_out}) on a batch of {batch}"
        expect_close(dx, x.grad, f"dL/dx, {what}", rtol=1e-12)
        expect_close(dW, layer.weight.grad, f"dL/dW, {what}", rtol=1e-12)
        expect_close(db, layer.bias.grad, f"dL/db, {what}", rtol=1e-12)


# --------------------------------------------------------------------------- exercise 4.2
def activation_derivative(name, x):
    """Exercise 4.2: the derivative of an activation, from its formula.

    ``name`` is "relu", "leaky_relu" (slope 0.2 for x < 0, as in the course's GANs), "tanh" or
    "sigmoid"; x is a NumPy array that never contains 0. Return f'(x) elementwise, written from
    the formulas (no autograd): write tanh' in terms of tanh and sigmoid' in terms of sigmoid.
    """
    raise NotImplementedError("exercise 4.2: one formula per activation")


def check_activation_derivative(fn):
    x = numpy.linspace(-4, 4, 800)               # an even count: 0 is not on the grid
    expect(not numpy.any(x == 0), "internal: the grid must avoid the kink at 0")
    for name, module in [("relu", nn.ReLU()), ("leaky_relu", nn.LeakyReLU(0.2)), ("tanh", nn.Tanh()),
                         ("sigmoid", nn.Sigmoid())]:
        t = minigan.tensor(x, requires_grad=True)
        module(t).sum().backward()          # output i depends on input i only: grad i = f'(x_i)
        expect_close(fn(name, x), t.grad, f"the derivative of {name} on [-4, 4] against minigan's backward()",
                     rtol=1e-10, atol=1e-14)


# --------------------------------------------------------------------------- exercise 4.3
def dead_units(pre_activations):
    """Exercise 4.3: which ReLU units are dead on a batch?

    ``pre_activations`` has shape (batch, units): the inputs of a ReLU layer for every example
    of a batch. A unit is dead on that batch when ReLU outputs 0 for every example, i.e. its
    input is <= 0 on every example; then no gradient reaches the weights feeding it. Return a
    boolean array of shape (units,), True for the dead units.
    """
    raise NotImplementedError("exercise 4.3: a unit is dead when its input is <= 0 on every row")


def check_dead_units(fn):
    rng = numpy.random.default_rng(43)
    pre = rng.standard_normal((32, 20))
    pre[:, [2, 7]] = -numpy.abs(pre[:, [2, 7]])          # dead: negative everywhere
    pre[:, 11] = 0.0                                      # dead: exactly 0 everywhere (ReLU gives 0)
    pre[:, 5] = -numpy.abs(pre[:, 5])
    pre[13, 5] = 1e-3                                     # alive: one example lets a gradient through
    got = numpy.asarray(fn(pre))
    expect(got.shape == (20,) and got.dtype == bool, f"expected a boolean array of shape (20,), got "
                                                      f"{got.dtype} {got.shape}")
    # the independent answer: run minigan's ReLU and ask, unit by unit, whether any gradient flows
    t = minigan.tensor(pre, requires_grad=True)
    minigan.relu(t).sum().backward()
    want = numpy.array([not numpy.any(t.grad.numpy()[:, j] != 0) for j in range(20)])
    bad = numpy.flatnonzero(got != want)
    expect(bad.size == 0, f"units {bad.tolist()}: expected dead = {want[bad].tolist()}, got {got[bad].tolist()} "
                          f"(dead units: {numpy.flatnonzero(want).tolist()})")


if __name__ == "__main__":
    sys.exit(main())
