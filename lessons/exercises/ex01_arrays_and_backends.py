"""Exercises for lesson 01 (arrays and backends): the xp idiom, and what float32 can hold.

Complete each function below, then run this file:
    python lessons/exercises/ex01_arrays_and_backends.py          # checks your functions
    python lessons/exercises/ex01_arrays_and_backends.py --key    # checks the teacher's key
"""
import sys
from pathlib import Path

if __package__ in (None, ""):                   # run as a file: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy  # noqa: E402

from lessons.exercises._runner import ExerciseFailed, expect, expect_close, main  # noqa: E402

EXERCISES = [("1.1", "softplus"), ("1.2", "machine_epsilon"), ("1.3", "smallest_absorbing_power_of_two")]


# --------------------------------------------------------------------------- exercise 1.1
def softplus(x):
    """Exercise 1.1: softplus(x) = log(1 + e^x), elementwise, for a NumPy *or* CuPy array x.

    * Write it once for both backends: take the array module from the input,
      ``xp = minigan.backend.get_array_module(x)``, and call only ``xp.`` functions.
    * Keep the input's dtype (a float32 array gives a float32 result).
    * Make it stable: at x = 1000, e^x overflows even in float64, yet softplus(1000) = 1000;
      at x = -1000 the answer is a tiny positive number (or 0 after rounding), not nan.

    Hint: for x > 0, log(1 + e^x) = x + log(1 + e^-x). Combine both cases with
    max(x, 0) + log1p(exp(-|x|)).
    """
    raise NotImplementedError("exercise 1.1: write softplus with the xp idiom")


def check_softplus(fn):
    x = numpy.linspace(-30, 30, 61)
    expect_close(fn(x), numpy.logaddexp(0.0, x), "softplus on [-30, 30] (float64)", rtol=1e-12)
    x32 = x.astype(numpy.float32)
    out32 = fn(x32)
    expect(getattr(out32, "dtype", None) == numpy.float32,
           f"softplus of a float32 array must stay float32, got {getattr(out32, 'dtype', type(out32))}")
    with numpy.errstate(over="raise", invalid="raise"):
        try:
            big = fn(numpy.array([-1000.0, 1000.0]))
        except FloatingPointError as e:
            raise ExerciseFailed(f"softplus(+-1000) overflowed ({e}): use the stable form") from None
    expect_close(big, [0.0, 1000.0], "softplus(-1000), softplus(1000)", rtol=1e-12, atol=1e-300)


# --------------------------------------------------------------------------- exercise 1.2
def machine_epsilon(dtype):
    """Exercise 1.2: the machine epsilon of a floating-point dtype, found by experiment.

    Machine epsilon is the gap between 1 and the next representable number. Find it without
    ``numpy.finfo``: start from eps = 1 and halve it while 1 + eps/2 is still different from 1,
    computing in ``dtype`` (e.g. ``one = numpy.dtype(dtype).type(1)``). Return it as a number
    of that dtype. Expected: 2^-23 for float32, 2^-52 for float64, 2^-10 for float16.

    Hint: ``numpy.float32(1) + numpy.float32(2.0 ** -24) == numpy.float32(1)`` is True.
    """
    raise NotImplementedError("exercise 1.2: halve eps until 1 + eps/2 == 1 in that dtype")


def check_machine_epsilon(fn):
    for dtype in (numpy.float16, numpy.float32, numpy.float64):
        got = fn(dtype)
        want = numpy.finfo(dtype).eps
        expect(float(got) == float(want), f"machine_epsilon({numpy.dtype(dtype).name}): expected "
                                          f"{float(want)!r} (numpy.finfo), got {float(got)!r}")


# --------------------------------------------------------------------------- exercise 1.3
def smallest_absorbing_power_of_two(eps, dtype):
    """Exercise 1.3: when does  x + eps == x  hold?

    A common shorthand says  x + eps == x  in float32 for a small eps. That is false at x = 0
    (0 + eps is eps); it holds once x is large enough that eps is at most half the gap between x and its
    neighbour. Return the smallest power of two x = 2^e (e an integer, possibly negative) for
    which  x + eps == x  in ``dtype`` (both x and eps converted to that dtype).

    Derive it: just above x = 2^e the gap between neighbours is 2^e * machine_epsilon; a sum
    rounds back to x when eps is at most half that gap (ties round to the even neighbour, which
    x is). So you need 2^e >= 2 eps / machine_epsilon. Either use that, or search over e.
    Example: eps = 1e-6 in float32 gives 32.0: 2 eps / machine_epsilon = 16.8, and indeed at
    x = 16 the gap is 1.9e-6, half of it 9.5e-7 < 1e-6, so 16 + 1e-6 != 16.
    """
    raise NotImplementedError("exercise 1.3: find the smallest 2^e with 2^e + eps == 2^e")


def check_smallest_absorbing_power_of_two(fn):
    for dtype in (numpy.float32, numpy.float64):
        t = numpy.dtype(dtype).type
        for eps in (1e-6, 1e-3, 3e-8, 0.25):
            got = float(fn(eps, dtype))
            e = numpy.log2(got) if got > 0 else numpy.nan
            expect(numpy.isfinite(e) and e == int(e), f"eps {eps} in {numpy.dtype(dtype).name}: "
                                                      f"expected a power of two, got {got!r}")
            expect(t(got) + t(eps) == t(got), f"eps {eps} in {numpy.dtype(dtype).name}: "
                                              f"{got} + eps != {got}, so {got} does not absorb eps")
            half = t(got / 2)
            expect(half + t(eps) != half, f"eps {eps} in {numpy.dtype(dtype).name}: {got / 2} + eps "
                                          f"== {got / 2} already, so {got} is not the smallest")
    expect(float(fn(1e-6, numpy.float32)) == 32.0, "eps 1e-6 in float32: expected 32.0 (the docstring's example)")


if __name__ == "__main__":
    sys.exit(main())
