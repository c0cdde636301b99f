"""Lesson 03: checking gradients with finite differences.

What you learn here:
  * the central difference  (f(x + eps) - f(x - eps)) / (2 eps)  approximates f'(x);
  * its error has two parts that pull eps in opposite directions: the *truncation* error of
    the formula, about eps^2 |f'''| / 6, shrinks with eps, while the *rounding* error, about
    machine_epsilon |f| / eps, grows as eps shrinks. On a log-log plot the total is a V,
    with its bottom near eps ~ machine_epsilon^(1/3): about 1e-5 in float64, but only about
    1e-2 to 1e-3 in float32, where the best attainable error is a poor ~1e-5;
  * when a step is lost altogether: x + eps == x in float32 exactly when |eps| is below half
    the spacing of float32 numbers at x (about |x| 6e-8), so never at x = 0;
  * that is why ``minigan.gradcheck`` insists on float64;
  * how ``gradcheck`` catches a Function whose backward is wrong, and what its message says;
  * why its tolerances (atol 1e-5, rtol 1e-3) are some 10^5 times looser than the error this
    lesson derives, and what that lets through: a backward wrong by less than 0.1%.

Notation: f the function (``f``), x its input (``xs``, ``x``), eps the finite-difference step
(``eps_grid``), f'(x) the exact derivative (``exact``), machine epsilon the spacing of
floating-point numbers at 1 (``numpy.finfo(dtype).eps``), atol and rtol gradcheck's absolute and
relative tolerances.

Source: minigan/gradcheck.py, minigan/function.py

Run:  python lessons/03_gradient_checking.py [--quick] [--backend cupy]
"""
# %% [markdown]
# # Gradient checking
# The test behind every backward() in minigan: compare it with a numerical derivative.

# %%
import math

import numpy

from _common import check, save, setup

import minigan
from minigan.function import Function

args = setup("03_gradient_checking", "Central finite differences, their V-shaped error against the step eps "
                       "in float32 and float64, and gradcheck catching a wrong backward.")

# %% [markdown]
# ## 1. The function and its exact derivative
# f(x) = tanh(2x) + x^3, on 201 points of [-1.5, 1.5] at once (elementwise). The exact
# derivative f'(x) = 2 (1 - tanh(2x)^2) + 3x^2 comes from minigan's backward in float64;
# we confirm it against the formula first.

# %%


def f(x):
    return (x * 2).tanh() + x ** 3


xs = numpy.linspace(-1.5, 1.5, 201)
x = minigan.tensor(xs, dtype=minigan.float64, requires_grad=True)
f(x).sum().backward()          # d(sum f)/dx_i = f'(x_i): one backward gives all 201 derivatives
exact = x.grad.numpy().astype(numpy.float64)
formula = 2 * (1 - numpy.tanh(2 * xs) ** 2) + 3 * xs ** 2
check(numpy.abs(exact - formula).max() < 1e-12, "backward() gives f'(x) = 2(1 - tanh(2x)^2) + 3x^2")

# %% [markdown]
# ## 2. Error of the central difference against eps, in float32 and float64
# The whole difference quotient is computed in the given dtype, as a training program would.

# %%
n_eps = 61                         # cheap: the same in quick mode
eps_grid = numpy.logspace(-12, 0, n_eps)


def mean_error(dtype, eps):
    xt = minigan.tensor(xs, dtype=dtype)
    numeric = (f(xt + eps) - f(xt - eps)) / (2 * eps)     # Python eps takes xt's dtype
    return float(numpy.abs(numeric.numpy().astype(numpy.float64) - exact).mean())


curves = {}
for dtype in (minigan.float32, minigan.float64):
    errors = numpy.array([mean_error(dtype, e) for e in eps_grid])
    curves[str(dtype)] = errors
    machine_eps = float(numpy.finfo(dtype).eps)
    best = int(errors.argmin())
    theory = machine_eps ** (1 / 3)
    print(f"{str(dtype):8s} machine eps {machine_eps:.2e}: smallest error {errors[best]:.2e} at eps = "
          f"{eps_grid[best]:.1e}; theory puts the bottom near machine_eps^(1/3) = {theory:.1e}")
    check(abs(math.log10(eps_grid[best]) - math.log10(theory)) <= 1.0,
          f"in {dtype} the best step lies within a factor 10 of machine_eps^(1/3) = {theory:.0e}")

e32, e64 = curves["float32"], curves["float64"]
check(e64.min() < 1e-9 and e32.min() > 1e-6,
      "float64 can check a derivative to better than 1e-9; float32 never gets below 1e-6")

# slopes on the log-log plot: +2 where truncation dominates, -1 where rounding dominates
def slope(errors, lo, hi):
    sel = (eps_grid >= lo) & (eps_grid <= hi)
    return numpy.polyfit(numpy.log10(eps_grid[sel]), numpy.log10(errors[sel]), 1)[0]


trunc, rounding = slope(e64, 1e-4, 1e-2), slope(e64, 1e-12, 1e-8)
print(f"float64 log-log slopes: {trunc:.2f} for eps in [1e-4, 1e-2], {rounding:.2f} for eps in [1e-12, 1e-8]")
check(1.7 < trunc < 2.3, "for large eps the error falls like eps^2 (truncation, slope 2)")
check(-1.3 < rounding < -0.7, "for small eps the error grows like 1/eps (rounding, slope -1)")

# %% [markdown]
# A step can vanish completely: x + eps == x, and then the difference quotient is 0. That
# happens exactly when |eps| is less than half the gap between x and the next float (round to
# nearest), and that gap grows with |x|: numpy.spacing(x), about |x| * 1.2e-7 in float32. So
# at x = 1 a step of 1e-8 is lost, at x = 1000 even 1e-5 is, but at x = 0, where the floats
# are densest, no positive step is lost at all. We compare minigan's float32 addition with
# that rule, computed from numpy.spacing.

# %%
probe_x = numpy.array([0.0, 1e-6, 1.0, 1.0, 1000.0, 1000.0, -3.0], dtype=numpy.float32)
probe_eps = numpy.array([1e-8, 1e-8, 1e-8, 1e-7, 1e-5, 1e-4, 1e-7], dtype=numpy.float32)
moved = minigan.tensor(probe_x, dtype=minigan.float32) + minigan.tensor(probe_eps, dtype=minigan.float32)
lost = moved.numpy() == probe_x
rule = probe_eps < numpy.abs(numpy.spacing(probe_x)) / 2
for xv, ev, gone in zip(probe_x, probe_eps, lost):
    print(f"  float32: x = {xv:g}, eps = {ev:g}: x + eps == x is {bool(gone)}; spacing at x {abs(numpy.spacing(xv)):.2e}")
check(numpy.array_equal(lost, rule) and lost.any() and not lost.all(),
      "in float32, x + eps == x exactly when eps < spacing(x)/2: at x = 1 a step of 1e-8 is lost, at x = 0 it is not")

# %%
import matplotlib.pyplot as plt  # noqa: E402

fig, ax = plt.subplots(figsize=(7, 4.5))
for name, errors, color in (("float32", e32, "C1"), ("float64", e64, "C0")):
    ax.loglog(eps_grid, errors, "o-", ms=3, color=color, label=f"{name} (measured)")
    m = float(numpy.finfo(name).eps)
    ax.axvline(m ** (1 / 3), color=color, ls=":", lw=1)
guide = numpy.logspace(-5, -1, 10)
ax.loglog(guide, 0.5 * guide ** 2, "k--", lw=0.8, label="slope 2 (truncation ~ eps²)")
guide = numpy.logspace(-12, -7, 10)
ax.loglog(guide, 2e-16 / guide, "k-.", lw=0.8, label="slope -1 (rounding ~ machine eps / eps)")
ax.set_xlabel("step eps")
ax.set_ylabel("mean |finite difference - exact derivative|")
ax.set_title("Central differences: the V of truncation and rounding error\n(dotted: machine_eps^(1/3))")
ax.legend(fontsize=8)
fig.tight_layout()
save(fig, args, "finite_difference_error.png")

# %% [markdown]
# ## 3. gradcheck catches a wrong backward
# A Function whose backward forgot the factor 2 of d(x^2)/dx = 2x. `minigan.gradcheck`
# compares backward() with central differences (eps = 1e-6, float64) element by element and
# raises GradcheckError with the worst element.

# %%


class WrongSquare(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x              # wrong: should be g * 2 * x


class Square(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 2 * x


rng = numpy.random.default_rng(args.seed)
inp = minigan.tensor(rng.standard_normal((3, 4)), requires_grad=True)   # float64
try:
    minigan.gradcheck(WrongSquare.apply, (inp,))
    caught = None
except minigan.GradcheckError as e:
    caught = str(e)
    print("\ngradcheck on WrongSquare raised GradcheckError:\n  " + caught)
check(caught is not None and "finite differences give" in caught,
      "gradcheck rejects a backward that is off by a factor of 2, naming the worst element")
check(minigan.gradcheck(Square.apply, (inp,)), "the corrected backward passes gradcheck")

# gradcheck also works on whole layers: here a Linear layer followed by tanh, in float64
layer = minigan.nn.Linear(4, 3).double()
check(minigan.gradcheck(lambda t: layer(t).tanh(), (inp,)), "Linear + tanh passes gradcheck w.r.t. its input")

# %% [markdown]
# ## 4. How loose gradcheck's tolerances are, and what that misses
# gradcheck accepts an element when |backward - numeric| <= atol + rtol |numeric|, with
# eps = 1e-6, atol = 1e-5 and rtol = 1e-3 (PyTorch's gradcheck uses the same eps and atol).
# Section 2 derived the error of the central difference itself: at eps = 1e-6 in float64 it is
# about 1e-10. The tolerances are some 10^5 times looser, on purpose: one setting must serve
# every op, and the error grows with the size of what is differenced (gradcheck differences
# sum(f(x) v) over all outputs, whose rounding error is about machine_eps |sum| / eps), with
# the third derivative (steep tanh or sigmoid, softmax, batch norm over a small variance), and
# near kinks (ReLU, max, abs), where a step across the kink is wrong by O(1) anyway.
# The price: a backward that is wrong by less than about 0.1% of the gradient passes. Below, a
# square whose backward is too large by 0.05% (the kind of error a forgotten small term makes)
# passes gradcheck; comparing at the bottom of the V, eps = 1e-5, with a tolerance set from the
# error measured there, catches it.

# %%


class SlightlyWrongSquare(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 2.001 * x          # too large by 0.05%


def tight_error(fn, x_np, eps=1e-5):
    """Largest |backward - central difference at eps| over the elements (float64)."""
    x_t = minigan.tensor(x_np, requires_grad=True)
    fn(x_t).sum().backward()
    plus = fn(minigan.tensor(x_np + eps)).numpy()
    minus = fn(minigan.tensor(x_np - eps)).numpy()
    return float(numpy.abs(x_t.grad.numpy() - (plus - minus) / (2 * eps)).max())


TIGHT = 1e-8                       # above the measured error at eps = 1e-5 (section 2: ~1e-11)
x_np = rng.standard_normal((3, 4))
err_right, err_wrong = tight_error(Square.apply, x_np), tight_error(SlightlyWrongSquare.apply, x_np)
print(f"\nbackward against central differences at eps = 1e-5: the correct square is off by {err_right:.1e}, "
      f"the 0.05%-wrong one by {err_wrong:.1e} (tight tolerance {TIGHT:.0e})")
check(err_right < TIGHT, "the correct backward matches central differences to better than 1e-8, "
                         "far inside gradcheck's tolerances")
passes = minigan.gradcheck(SlightlyWrongSquare.apply, (minigan.tensor(x_np, requires_grad=True),))
check(passes, "gradcheck's default tolerances accept a backward that is wrong by 0.05%")
check(err_wrong > 100 * TIGHT, "a comparison at the best step, with a tolerance set from the measured error, rejects it")

# and it refuses float32, for the reason the plot above shows
try:
    minigan.gradcheck(Square.apply, (inp.float().detach().requires_grad_(),))
    refused = False
except TypeError as e:
    refused = True
    print("gradcheck on a float32 input:", e)
check(refused, "gradcheck refuses float32 inputs: their finite differences are too inexact")

print("\nNext: lesson 04 looks at layers, activations and their derivatives.")
