"""Exercises for lesson 03 (gradient checking): the central difference, its best step, and a
Function of your own that minigan.gradcheck accepts.

Complete each function below, then run this file:
    python lessons/exercises/ex03_gradient_checking.py          # checks your functions
    python lessons/exercises/ex03_gradient_checking.py --key    # checks the teacher's key
"""
import sys
from pathlib import Path

if __package__ in (None, ""):                   # run as a file: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy  # noqa: E402

import minigan  # noqa: E402
from lessons.exercises._runner import ExerciseFailed, expect, expect_close, main  # noqa: E402
from minigan.function import Function  # noqa: E402

EXERCISES = [("3.1", "central_difference"), ("3.2", "best_step"), ("3.3", "Cube")]


# --------------------------------------------------------------------------- exercise 3.1
def central_difference(f, x, eps):
    """Exercise 3.1: the numerical gradient of a scalar function of a vector.

    ``f`` takes a 1-D float64 NumPy array and returns a float; ``x`` is such an array. Return the
    array g with g[i] = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps), e_i the i-th unit vector.
    Leave ``x`` itself unchanged (work on copies).

    Why central: its error is about eps^2 |f'''| / 6, where the forward difference
    (f(x + eps e_i) - f(x)) / eps has an error about eps |f''| / 2, far larger for small eps.
    """
    raise NotImplementedError("exercise 3.1: (f(x + eps e_i) - f(x - eps e_i)) / (2 eps) for each i")


def check_central_difference(fn):
    def f(v):
        return float(numpy.sum(numpy.sin(v) * v ** 2))

    def df(v):
        return numpy.cos(v) * v ** 2 + 2 * v * numpy.sin(v)

    x = numpy.array([-1.3, 0.0, 0.4, 2.0])
    before = x.copy()
    g = fn(f, x, 1e-5)
    expect(numpy.array_equal(x, before), "central_difference changed its input x")
    expect_close(g, df(x), "the gradient of sum(sin(x) x^2) with eps = 1e-5", rtol=0, atol=1e-8)
    # a quadratic has f''' = 0: the central difference is exact for any eps, the forward one is not
    quad = fn(lambda v: float(v @ v), x, 0.1)
    expect_close(quad, 2 * x, "the gradient of x.x with eps = 0.1 (central differences are exact "
                              "on quadratics; a forward difference is off by eps)", rtol=0, atol=1e-12)


# --------------------------------------------------------------------------- exercise 3.2
def best_step(f_abs, f3_abs, machine_eps):
    """Exercise 3.2: the step eps that minimises the lesson's error bound.

    The total error of the central difference is about
        E(eps) = eps^2 |f'''| / 6  +  machine_eps |f| / eps      (truncation + rounding).
    Set dE/d(eps) = 0 and return the minimising eps for the given |f| = ``f_abs``,
    |f'''| = ``f3_abs`` and ``machine_eps``. With |f| ~ |f'''| ~ 1 it is of the order of
    machine_eps^(1/3): about 1e-5 in float64 and 7e-3 in float32, as the lesson measures.
    """
    raise NotImplementedError("exercise 3.2: solve dE/d(eps) = 0 for eps")


def check_best_step(fn):
    grid = numpy.logspace(-12, 0, 120001)           # ratio 1.00023 between neighbours
    for f_abs, f3_abs, meps in [(1.0, 1.0, 2.0 ** -52), (1.0, 1.0, 2.0 ** -23), (5.0, 0.1, 2.0 ** -52),
                                (0.01, 30.0, 2.0 ** -23)]:
        bound = grid ** 2 * f3_abs / 6 + meps * f_abs / grid
        want = grid[bound.argmin()]
        got = float(fn(f_abs, f3_abs, meps))
        expect(abs(got / want - 1) < 1e-3, f"|f| = {f_abs}, |f'''| = {f3_abs}, machine_eps = {meps:.3g}: "
                                           f"the bound is smallest at eps = {want:.6g} (grid search), got {got:.6g}")


# --------------------------------------------------------------------------- exercise 3.3
class Cube(Function):
    """Exercise 3.3: a differentiable op y = x^3 of your own, checked by minigan.gradcheck.

    Complete ``backward``: it receives g = dL/dy and returns dL/dx = 3 x^2 g. Take x from
    ``ctx.saved_tensors`` (forward saved it). Write it with ``*`` only, so that it works both
    on raw arrays (an ordinary backward) and on Tensors (``create_graph=True``, which
    ``minigan.gradgradcheck`` uses); that is what ``differentiable_backward = True`` promises.
    Use it as ``Cube.apply(t)``.
    """
    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, g):
        raise NotImplementedError("exercise 3.3: return dL/dx = 3 x^2 g")


def check_Cube(cls):
    rng = numpy.random.default_rng(33)
    x = minigan.tensor(rng.uniform(-2, 2, (3, 4)), requires_grad=True)
    y = cls.apply(x)
    expect_close(y, x.numpy() ** 3, "Cube.apply(x)", rtol=1e-12)
    g = rng.standard_normal((3, 4))
    y.backward(minigan.tensor(g))
    expect_close(x.grad, 3 * x.numpy() ** 2 * g, "dL/dx from Cube's backward", rtol=1e-12)
    try:
        minigan.gradcheck(cls.apply, (minigan.tensor(rng.uniform(-2, 2, (5,)), requires_grad=True),))
        minigan.gradgradcheck(cls.apply, (minigan.tensor(rng.uniform(-2, 2, (5,)), requires_grad=True),))
    except minigan.GradcheckError as e:
        raise ExerciseFailed(f"minigan's gradcheck rejects Cube: {e}") from None


if __name__ == "__main__":
    sys.exit(main())
