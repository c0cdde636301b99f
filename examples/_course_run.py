"""Shared by the two course experiments: print the hyper-parameter table, train, report."""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # run from a checkout too

from minigan.training import TrainConfig, train  # noqa: E402

TABLE = [("Learning rate", "lr"), ("Batch size", "batch_size"), ("Noise vector size (z)", "z_dim"),
         ("Loss (criterion)", None), ("Optimizer", None), ("Beta1 (Adam)", "beta1"),
         ("Beta2 (Adam)", "beta2"), ("Number of epochs", "epochs")]


def main(model, title):
    parser = argparse.ArgumentParser(description=f"Reproduce the course's {title} experiment on MNIST.")
    parser.add_argument("--epochs", type=int, default=100, help="default 100, as in the course")
    parser.add_argument("--backend", choices=("numpy", "cupy"), default="numpy")
    parser.add_argument("--out", default=f"runs/course-{model}")
    parser.add_argument("--data-dir", default=None, help="MNIST folder (default: $MINIGAN_DATA_DIR)")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N training images")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args()
    config = TrainConfig(model=model, epochs=args.epochs, backend=args.backend, out=args.out,
                         data_root=args.data_dir, limit=args.limit, seed=args.seed,
                         sample_epochs=(5, 50, 100))
    print(f"{title} on MNIST, hyper-parameters as in the course:")
    for name, key in TABLE:
        value = getattr(config, key) if key else ("Binary Cross-Entropy" if "Loss" in name else "Adam")
        print(f"  {name:24} {value}")
    print(f"  {'LeakyReLU slope':24} 0.2")
    history = train(config, resume=args.resume, overwrite=args.overwrite)
    print(f"sample grids (epochs 5, 50, 100 and the last) and curves.png are in {args.out}; "
          f"final mean D(x) {history['d_x'][-1]:.3f}, D(G(z)) {history['d_g_z'][-1]:.3f}")
