"""What every lesson shares: its options, its output folder, and its checks.

    args = setup("05_the_minimax_game", "what this lesson teaches")
    ...
    check(abs(d_star - 0.5) < 1e-6, "D* = 1/2 when the generator matches the data")
    save(fig, args, "optimal_discriminator.png")

Run as a script, a lesson accepts
    --quick            the same lesson on less work (fewer steps, a data subset): under a minute on a 2-core CPU
    --backend cupy     run on an NVIDIA GPU through CuPy (default $MINIGAN_BACKEND, else numpy)
    --threads N        minigan's threads, BLAS held to one (default $MINIGAN_THREADS, else 1)
    --seed N           random seed (default 0)
    --out DIR          where figures go (default $MINIGAN_OUT, else lessons/out/<lesson name>/)
(the same options as the minigan command, made by minigan.cli.add_common_options).

Run as a notebook (a Jupyter kernel's own command line is never parsed), the environment
variables set the options: MINIGAN_QUICK=1, MINIGAN_BACKEND, MINIGAN_THREADS, MINIGAN_OUT.
"""
import argparse
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent       # this helper's own folder: lessons/
sys.path.insert(0, str(HERE.parent))        # run from a checkout without installing, too

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import minigan  # noqa: E402
from minigan.cli import add_common_options, apply_common_options  # noqa: E402


def _in_a_notebook():
    """True under a Jupyter kernel, whose sys.argv holds the kernel's own options."""
    return "ipykernel" in sys.modules or os.path.basename(sys.argv[0] if sys.argv else "").startswith("ipykernel")


def setup(name, description):
    """Parse the lesson's options (none in a notebook), choose the backend and the thread count,
    seed everything, make the output folder. ``name`` is the lesson's file name without .py."""
    name = Path(name).stem
    parser = argparse.ArgumentParser(prog=f"python lessons/{name}.py", description=description)
    parser.add_argument("--quick", action="store_true", default=os.environ.get("MINIGAN_QUICK", "") not in ("", "0"),
                        help="same lesson, less work: runs in under a minute on a 2-core CPU "
                             "(default: on when MINIGAN_QUICK=1)")
    add_common_options(parser)
    parser.add_argument("--out", default=os.environ.get("MINIGAN_OUT") or None,
                        help=f"folder for figures (default $MINIGAN_OUT, else lessons/out/{name})")
    args = parser.parse_args([] if _in_a_notebook() else None)
    try:
        apply_common_options(args)
    except (minigan.backend.BackendError, ValueError) as e:
        parser.exit(2, f"{parser.prog}: error: {e}\n")
    minigan.manual_seed(args.seed)
    args.out = Path(args.out) if args.out else HERE / "out" / name
    args.out.mkdir(parents=True, exist_ok=True)
    args.name = name
    mode = "quick" if args.quick else "full"
    print(f"== {name} ({mode} mode, backend {args.backend}) ==")
    print(description.strip())
    print()
    return args


def save(fig, args, filename):
    """Save a matplotlib figure into the lesson's output folder and say where."""
    import matplotlib.pyplot as plt
    path = args.out / filename
    minigan.serialization.save_figure(fig, path, dpi=100)
    plt.close(fig)
    print(f"  figure: {os.path.relpath(path)}")
    return path


class LessonFactFailed(AssertionError):
    pass


def check(condition, fact):
    """Assert a fact the lesson teaches; a lesson whose fact stops being true fails loudly."""
    if not condition:
        raise LessonFactFailed(f"this lesson teaches that {fact}, but it did not hold here")
    print(f"  checked: {fact}")
