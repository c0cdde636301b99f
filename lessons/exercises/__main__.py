"""python -m lessons.exercises [--key]: check every exercise file (yours, or the keys with --key)."""
import argparse
import sys

from lessons.exercises._runner import exercise_modules, key_module, print_rows, run


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m lessons.exercises",
                                     description="Check every exercise of the course.")
    parser.add_argument("--key", action="store_true", help="check the teacher's keys in lessons/solutions/")
    args = parser.parse_args(argv)
    total = passed = 0
    for module in exercise_modules():
        target = key_module(module) if args.key else module
        rows = run(module, target)
        print_rows(rows, module.__name__.rsplit(".", 1)[-1])
        total += len(rows)
        passed += sum(r[2] == "passed" for r in rows)
    print(f"\nall files: {passed} of {total} exercises passed")
    return 0 if passed == total else 1


if __name__ == "__main__":
    sys.exit(main())
