"""Shared by the two course experiments: print the hyper-parameter table, then run
``minigan train`` with the course's settings. Every option of ``minigan train`` works here
too (``--epochs 5``, ``--threads 2``, ``--resume`` ...), parsed, checked and reported by the
command itself: missing data, Ctrl-C and bad options end with its messages, not a traceback."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # run from a checkout too

from minigan import cli  # noqa: E402
from minigan.training import TrainConfig  # noqa: E402

TABLE = [("Learning rate", "lr"), ("Batch size", "batch_size"), ("Noise vector size (z)", "z_dim"),
         ("Loss (criterion)", None), ("Optimizer", None), ("Beta1 (Adam)", "beta1"),
         ("Beta2 (Adam)", "beta2"), ("Number of epochs", "epochs")]


def main(model, title, argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if "-h" not in argv and "--help" not in argv:
        defaults = TrainConfig()
        print(f"{title} on MNIST, hyper-parameters as in the course:")
        for name, key in TABLE:
            value = getattr(defaults, key) if key else ("Binary Cross-Entropy" if "Loss" in name else "Adam")
            print(f"  {name:24} {value}")
        print(f"  {'LeakyReLU slope':24} 0.2")
    # the course's settings first: an option given on the command line comes later and wins
    sys.exit(cli.main(["train", "--model", model, "--out", f"runs/course-{model}", "--sample-epochs", "5,50,100",
                       *argv]))
