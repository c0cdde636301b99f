"""What every exercise file shares: running its checks, against your functions or the key.

An exercise file (``ex05_the_minimax_game.py``) holds, for each exercise,
  * a function you complete (its docstring is the statement, with hints),
  * a ``check_<function name>(fn)`` that tests any implementation ``fn`` against an independent
    computation (a direct NumPy formula, a loop, minigan's own backward, a property), and
  * one line in ``EXERCISES = [("5.1", "function name"), ...]``.

Run a file to check your functions, or add ``--key`` to check the teacher's key (the file of the
same name in ``lessons/solutions/``) with exactly the same checks::

    python lessons/exercises/ex05_the_minimax_game.py          # your work
    python lessons/exercises/ex05_the_minimax_game.py 5.2      # only exercise 5.2
    python lessons/exercises/ex05_the_minimax_game.py --key    # the teacher's key
    python -m lessons.exercises [--key]                        # every file, one summary

A check raises :class:`ExerciseFailed` (saying what was expected and what came back) when the
function is wrong; a stub raises ``NotImplementedError("exercise 5.2: ...")`` until it is done.
"""
import argparse
import importlib
import sys
import traceback
from pathlib import Path

import numpy

SOLUTIONS = "lessons.solutions"


class ExerciseFailed(AssertionError):
    """The function ran, but what it returned is wrong."""


def expect(condition, message):
    """Fail the exercise with ``message`` unless ``condition`` holds."""
    if not condition:
        raise ExerciseFailed(message)


def expect_close(got, want, what, rtol=1e-7, atol=1e-10):
    """Fail unless the array ``got`` has ``want``'s shape and values (to rtol/atol)."""
    got_a = numpy.asarray(got.numpy() if hasattr(got, "numpy") and callable(got.numpy) else got)
    want_a = numpy.asarray(want.numpy() if hasattr(want, "numpy") and callable(want.numpy) else want)
    expect(got_a.shape == want_a.shape, f"{what}: expected shape {want_a.shape}, got {got_a.shape}")
    got_f, want_f = got_a.astype(numpy.float64), want_a.astype(numpy.float64)
    expect(numpy.all(numpy.isfinite(got_f)) or not numpy.all(numpy.isfinite(want_f)),
           f"{what}: got non-finite values (nan or inf): {got_f.ravel()[:6]}")
    err = numpy.abs(got_f - want_f) - (atol + rtol * numpy.abs(want_f))
    if err.size and err.max() > 0:
        i = numpy.unravel_index(int(err.argmax()), err.shape)
        raise ExerciseFailed(f"{what}: wrong value at index {tuple(int(j) for j in i)}: expected "
                             f"{want_f[i]:.10g}, got {got_f[i]:.10g}")


def _stem(module):
    return Path(module.__file__).stem


def key_module(exercise_module):
    """The teacher's key for an exercise module: lessons/solutions/<the same file name>."""
    return importlib.import_module(f"{SOLUTIONS}.{_stem(exercise_module)}")


def check_one(exercise_module, target, name):
    """Run the check of exercise ``name`` on ``target``'s function of that name."""
    fn = getattr(target, name, None)
    if fn is None:
        raise ExerciseFailed(f"{_stem(target)} has no function named {name!r}")
    getattr(exercise_module, f"check_{name}")(fn)


def run(exercise_module, target, only=None):
    """Check every exercise (or those numbered in ``only``); returns (number, name, status, detail)
    rows with status "passed", "not done", "wrong" or "error"."""
    rows = []
    for number, name in exercise_module.EXERCISES:
        if only and number not in only:
            continue
        try:
            check_one(exercise_module, target, name)
            rows.append((number, name, "passed", ""))
        except NotImplementedError as e:
            rows.append((number, name, "not done", str(e) or "raises NotImplementedError"))
        except ExerciseFailed as e:
            rows.append((number, name, "wrong", str(e)))
        except Exception as e:           # the student's code crashed: say where, briefly
            where = traceback.extract_tb(e.__traceback__)[-1]
            rows.append((number, name, "error", f"{type(e).__name__}: {e} "
                         f"(at {Path(where.filename).name} line {where.lineno})"))
    return rows


def print_rows(rows, title):
    print(title)
    for number, name, status, detail in rows:
        print(f"  exercise {number:5s} {name:32s} {status.upper() if status != 'passed' else status}"
              + (f"\n      {detail}" if detail else ""))
    passed = sum(r[2] == "passed" for r in rows)
    print(f"  {passed} of {len(rows)} passed")
    return passed == len(rows)


def main(exercise_module=None, argv=None):
    """Command line of one exercise file: check its functions (default) or the key (--key)."""
    if exercise_module is None:
        exercise_module = sys.modules["__main__"]
    stem = _stem(exercise_module)
    parser = argparse.ArgumentParser(
        prog=f"python lessons/exercises/{stem}.py",
        description=(exercise_module.__doc__ or "").strip().splitlines()[0])
    parser.add_argument("numbers", nargs="*", help="exercise numbers to check, e.g. 5.2 (default: all)")
    parser.add_argument("--key", action="store_true",
                        help=f"check the teacher's key lessons/solutions/{stem}.py instead of this file")
    args = parser.parse_args(argv)
    known = [n for n, _ in exercise_module.EXERCISES]
    unknown = [n for n in args.numbers if n not in known]
    if unknown:
        parser.exit(2, f"{parser.prog}: error: no exercise {', '.join(unknown)} here "
                       f"(this file has {', '.join(known)})\n")
    try:
        target = key_module(exercise_module) if args.key else exercise_module
    except ModuleNotFoundError as e:
        if not (e.name or "").startswith(SOLUTIONS):
            raise                        # the key itself failed to import something: show it
        parser.exit(2, f"{parser.prog}: error: --key needs the teacher's key lessons/solutions/{stem}.py, "
                       "which is not in this copy\n")
    where = f"lessons/solutions/{stem}.py (the key)" if args.key else f"lessons/exercises/{stem}.py (your work)"
    ok = print_rows(run(exercise_module, target, args.numbers), f"{stem}: checking {where}")
    return 0 if ok else 1


def run_key_file(solution_file):
    """``python lessons/solutions/exNN_....py``: the exercise file's checks on this key."""
    stem = Path(solution_file).stem
    exercise_module = importlib.import_module(f"lessons.exercises.{stem}")
    return main(exercise_module, ["--key"] + sys.argv[1:])


def exercise_modules():
    """Every exercise module, in lesson order."""
    here = Path(__file__).resolve().parent
    return [importlib.import_module(f"lessons.exercises.{p.stem}") for p in sorted(here.glob("ex[0-9][0-9]_*.py"))]
