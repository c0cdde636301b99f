"""The teacher's key to lessons/exercises/ex03_gradient_checking.py (run this file to check it)."""
import sys
from pathlib import Path

if __package__ in (None, ""):                   # run as a file: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy  # noqa: E402

from minigan.function import Function  # noqa: E402


def central_difference(f, x, eps):
    """Exercise 3.1: one pair of evaluations per coordinate, on copies of x."""
    g = numpy.empty(len(x))
    for i in range(len(x)):
        up, down = x.copy(), x.copy()
        up[i] += eps
        down[i] -= eps
        g[i] = (f(up) - f(down)) / (2 * eps)
    return g


def best_step(f_abs, f3_abs, machine_eps):
    """Exercise 3.2: dE/d(eps) = eps |f'''| / 3 - machine_eps |f| / eps^2 = 0
    gives eps = (3 machine_eps |f| / |f'''|)^(1/3)."""
    return (3 * machine_eps * f_abs / f3_abs) ** (1 / 3)


class Cube(Function):
    """Exercise 3.3: y = x^3, dL/dx = 3 x^2 g, written in * only (works on arrays and Tensors)."""
    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 3 * x * x * g


if __name__ == "__main__":
    from lessons.exercises._runner import run_key_file
    sys.exit(run_key_file(__file__))
