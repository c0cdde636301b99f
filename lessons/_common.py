"""What every lesson shares: its command line, its output folder, and its checks.

    args = setup(__file__, "what this lesson teaches")
    ...
    check(abs(d_star - 0.5) < 1e-6, "D* = 1/2 when the generator matches the data")
    save(fig, args, "optimal_discriminator.png")

Every lesson accepts
    --quick            the same lesson on less work (fewer steps, a data subset): under a minute on a 2-core CPU
    --backend cupy     run on an NVIDIA GPU through CuPy (default numpy)
    --seed N           random seed (default 0)
    --out DIR          where figures go (default lessons/out/<lesson name>/)
"""
import argparse
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))        # run from a checkout without installing, too

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import minigan  # noqa: E402


def setup(file, description):
    """Parse the lesson's options, choose the backend, seed everything, make the output folder."""
    name = Path(file).stem
    parser = argparse.ArgumentParser(prog=f"python lessons/{name}.py", description=description)
    parser.add_argument("--quick", action="store_true",
                        help="same lesson, less work: runs in under a minute on a 2-core CPU")
    parser.add_argument("--backend", choices=("numpy", "cupy"), default="numpy",
                        help="numpy (CPU, default) or cupy (NVIDIA GPU)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", default=None, help=f"folder for figures (default lessons/out/{name})")
    args = parser.parse_args()
    try:
        minigan.set_backend(args.backend)
    except minigan.backend.BackendError as e:
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
    minigan.io.save_figure(fig, path, dpi=100)
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
