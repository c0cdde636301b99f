"""``minigan evaluate``: score a trained generator, or train the metrics' classifier again.

    minigan evaluate --checkpoint runs/mlp-mnist            # FID and floor, IS, precision, recall, ...
    minigan evaluate --checkpoint RUN --json scores.json --n 10000 --seed 0 --backend numpy
    minigan evaluate train-classifier --dataset mnist --seed 0 [--out FILE.npz]

The metrics themselves live in :mod:`minigan.metrics`; this module reads checkpoints (the
training layer's format), draws the samples and prints the table.
"""
import json
import shlex
import sys
from pathlib import Path

from .serialization import atomic_write


def register_cli(subparsers, positive_int, non_negative_int):
    """Add ``minigan evaluate`` to the command's subparsers; the integer argument types are
    the command's own (one home for what a positive integer option accepts)."""
    p = subparsers.add_parser(
        "evaluate", help="score a trained GAN (FID, IS, precision, recall, coverage)",
        description="Score the generator of a run with minigan's shipped MNIST classifier: FID against "
                    "the test set beside its floor (training images against test images), Inception "
                    "score, precision and recall, class coverage and confidence. "
                    "'evaluate train-classifier' trains that classifier again.")
    p.add_argument("action", nargs="?", choices=("train-classifier",),
                   help="train-classifier: retrain the feature network and compare it with the shipped one")
    p.add_argument("--checkpoint", default=None, help="a run folder or its checkpoint.pkl")
    p.add_argument("--n", type=positive_int, default=10000,
                   help="generated samples, and real ones for the floor (default 10000; below 2000 FID is "
                        "strongly biased)")
    p.add_argument("--json", default=None, metavar="FILE", help="also write the scores to FILE as JSON")
    p.add_argument("--dataset", choices=("mnist", "fashion-mnist"), default=None,
                   help="the classifier's dataset (default: the run's, or mnist)")
    p.add_argument("--data-dir", default=None, help="folder with the IDX files (default: $MINIGAN_DATA_DIR, ...)")
    p.add_argument("--out", default=None, help="train-classifier: write the weights here (.npz, record beside)")
    p.add_argument("--epochs", type=positive_int, default=None, help="train-classifier: epochs (default: the recipe's)")
    p.add_argument("--limit", type=positive_int, default=None,
                   help="train-classifier: use only the first N training images")
    p.add_argument("--backend", choices=("numpy", "cupy"), default="numpy", help="numpy (CPU) or cupy (GPU)")
    p.add_argument("--seed", type=non_negative_int, default=0, help="random seed (default 0)")
    p.set_defaults(func=run)
    return p


def run(args):
    if args.action == "train-classifier":
        if args.checkpoint:
            raise ValueError("train-classifier takes no --checkpoint")
        return train_classifier_command(args)
    if not args.checkpoint:
        raise ValueError("say what to evaluate: --checkpoint RUN (a run folder or checkpoint.pkl), "
                         "or 'evaluate train-classifier'")
    return evaluate_command(args)


def train_classifier_command(args):
    from .metrics.classifier import read_record, save_classifier, train_classifier
    dataset = args.dataset or "mnist"
    model, record = train_classifier(dataset, seed=args.seed, root=args.data_dir, limit=args.limit,
                                     backend_name=args.backend, epochs=args.epochs)
    record["command"] = "minigan evaluate " + " ".join(shlex.quote(a) for a in sys.argv[2:]) \
        if len(sys.argv) > 2 and sys.argv[1] == "evaluate" else "minigan evaluate train-classifier"
    acc = record["test_accuracy"]
    try:
        shipped = read_record(dataset)
        print(f"test accuracy {acc:.4f} on {record['test_images']} images, trained on "
              f"{record['train_images']} in {record['seconds']:.0f} s; the shipped classifier reached "
              f"{shipped['test_accuracy']:.4f} ({acc - shipped['test_accuracy']:+.4f}) on "
              f"{shipped['train_images']} training images")
    except FileNotFoundError:
        print(f"test accuracy {acc:.4f} (no shipped {dataset} classifier to compare with)")
    if args.out:
        rec = save_classifier(model, args.out, record)
        print(f"wrote {args.out} (sha256 {rec['sha256'][:16]}...) and its record {Path(args.out).with_suffix('.json').name}")
    return 0


def _checkpoint_file(path):
    from .training.run import CHECKPOINT
    p = Path(path)
    if p.is_dir():
        p = p / CHECKPOINT
        if not p.is_file():
            raise FileNotFoundError(f"{path} is a folder without a {CHECKPOINT}: is it a run folder "
                                    "written by 'minigan train'?")
    elif not p.is_file():
        raise FileNotFoundError(f"{path}: no such run folder or checkpoint file")
    return p


def evaluate_checkpoint(path, n=10000, seed=0, backend_name="numpy", dataset=None, root=None):
    """The scores of the generator in ``path`` (run folder or checkpoint) on ``n`` samples."""
    from . import backend
    from .metrics import evaluate_images, generate, load_classifier
    from .training.run import generator_from_checkpoint
    ckpt = _checkpoint_file(path)
    backend.set_backend(backend_name)
    G, cfg = generator_from_checkpoint(ckpt, backend_name, noise_only=True, seed=seed)  # ValueError if not a GAN checkpoint
    run_dataset = cfg.get("dataset", "mnist")
    dataset = dataset or run_dataset
    if dataset != run_dataset:
        raise ValueError(f"{ckpt} holds a generator trained on {run_dataset}, not {dataset}")
    images = generate(G, n, cfg["z_dim"], seed=seed)
    scores = evaluate_images(images, load_classifier(dataset, backend_name), dataset=dataset, root=root)
    scores.update(model=cfg["model"], dataset=dataset, checkpoint=str(ckpt), seed=seed, backend=backend_name)
    return scores


def evaluate_command(args):
    from .metrics import format_table
    scores = evaluate_checkpoint(args.checkpoint, n=args.n, seed=args.seed, backend_name=args.backend,
                                 dataset=args.dataset, root=args.data_dir)
    print(f"{scores['model']} generator of {scores['checkpoint']}, {scores['n']} samples (seed {scores['seed']}), "
          f"features of minigan's {scores['dataset']} classifier")
    print(format_table(scores))
    if args.json:
        with atomic_write(args.json, "w") as f:
            f.write(json.dumps(scores, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0
