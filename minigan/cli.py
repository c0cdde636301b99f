"""The ``minigan`` command: train, sample, demo, shapes.

Errors in what the user typed (a bad option, a missing file, an impossible setting) end
with one line on stderr and exit status 2, never a traceback.
"""
import argparse
import os
import sys

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        # argparse prints the whole usage block; one line that points at --help reads better
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _int_at_least(minimum, what):
    """An argparse type: an integer >= minimum, with a message naming what was expected."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected {what}, got {value}")
        return value
    return parse


_positive_int = _int_at_least(1, "a positive integer")
_non_negative_int = _int_at_least(0, "a non-negative integer")


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value}")
    return value


def _epoch_list(text):
    try:
        values = tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected epochs like 5,50,100, got {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected positive epochs like 5,50,100, got {text!r}")
    return values


# ------------------------------------------------------------------------------ commands
def cmd_train(args):
    from .training import TrainConfig, train
    out = args.out or os.path.join("runs", f"{args.model}-{args.dataset}")
    config = TrainConfig(model=args.model, dataset=args.dataset, epochs=args.epochs,
                         batch_size=args.batch_size, lr=args.lr, beta1=args.beta1, beta2=args.beta2,
                         k=args.k, g_loss=args.g_loss, z_dim=args.z_dim, seed=args.seed,
                         backend=args.backend, out=out, sample_epochs=args.sample_epochs,
                         checkpoint_every=args.checkpoint_every, limit=args.limit,
                         data_root=args.data_dir, progress=not args.no_progress,
                         eval_every=args.eval_every, eval_n=args.eval_n)
    train(config, resume=args.resume, overwrite=args.overwrite)
    print(f"done: samples, curves and the checkpoint are in {out}")
    return 0


def cmd_sample(args):
    import numpy

    from . import backend
    from .tensor import Tensor
    from .training import generator_from_checkpoint
    from .training.figures import save_image_grid

    backend.set_backend(args.backend)
    G, cfg = generator_from_checkpoint(args.checkpoint, args.backend)
    if args.model and args.model != cfg["model"]:
        raise ValueError(f"{args.checkpoint} holds a {cfg['model']!r} model, not {args.model!r}")
    z = numpy.random.default_rng(args.seed).standard_normal((args.n, cfg["z_dim"])).astype(numpy.float32)
    from .autograd import no_grad
    with no_grad():
        images = G(Tensor(backend.to_backend(z, args.backend)))
    save_image_grid(images, args.out, nrow=args.nrow)
    print(f"wrote {args.n} samples of the {cfg['model']} generator to {args.out}")
    return 0


def cmd_demo(args):
    from .training.demo import run_demo
    run_demo(out=args.out, steps=args.steps, batch_size=args.batch_size, seed=args.seed,
             backend_name=args.backend, progress=not args.no_progress)
    return 0


# ------------------------------------------------------------------------------ the parser
def build_parser():
    parser = _Parser(prog="minigan", description=(
        "minigan: a from-scratch deep-learning engine on NumPy/CuPy that trains the course's GANs. "
        "Start with 'minigan demo'."))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    def common(p):
        p.add_argument("--backend", choices=("numpy", "cupy"), default="numpy",
                       help="where to compute: numpy (CPU, default) or cupy (NVIDIA GPU)")
        p.add_argument("--seed", type=_non_negative_int, default=0,
                       help="random seed; the same seed on NumPy gives bit-identical results (default 0)")

    p = sub.add_parser("train", help="train the MLP GAN or the DCGAN on MNIST",
                       description="Train a GAN as in the course (defaults: its hyper-parameter table).")
    p.add_argument("--model", choices=("mlp", "dcgan"), default="mlp", help="which GAN (default mlp)")
    p.add_argument("--dataset", choices=("mnist", "fashion-mnist"), default="mnist", help="training images")
    p.add_argument("--epochs", type=_positive_int, default=100, help="passes over the data (default 100)")
    p.add_argument("--batch-size", type=_positive_int, default=128, help="images per minibatch (default 128)")
    p.add_argument("--lr", type=_positive_float, default=2e-4, help="Adam learning rate (default 0.0002)")
    p.add_argument("--beta1", type=float, default=0.5, help="Adam beta1 (default 0.5)")
    p.add_argument("--beta2", type=float, default=0.999, help="Adam beta2 (default 0.999)")
    p.add_argument("--k", type=_positive_int, default=1,
                   help="discriminator steps per generator step (default 1, as in the paper)")
    p.add_argument("--g-loss", choices=("non-saturating", "minimax"), default="non-saturating",
                   help="generator loss: -log D(G(z)) (non-saturating, default) or log(1 - D(G(z))) (minimax)")
    p.add_argument("--z-dim", type=_positive_int, default=100, help="noise size (default 100)")
    common(p)
    p.add_argument("--out", default=None, help="output folder (default runs/MODEL-DATASET)")
    p.add_argument("--sample-epochs", type=_epoch_list, default=(5, 50, 100),
                   help="epochs at which to save a sample grid, e.g. 5,50,100 (the last epoch is always saved)")
    p.add_argument("--checkpoint-every", type=_positive_int, default=5,
                   help="write a checkpoint every N epochs (and at the end; default 5)")
    p.add_argument("--limit", type=_positive_int, default=None,
                   help="use only the first N training images (quick experiments)")
    p.add_argument("--data-dir", default=None,
                   help="folder with the MNIST IDX files (default: $MINIGAN_DATA_DIR, then the user cache)")
    # --- minigan train --eval-every (issue 15)
    p.add_argument("--eval-every", type=_non_negative_int, default=0,
                   help="score the generator (FID, IS, precision, recall) every N epochs; 0 = never (default)")
    p.add_argument("--eval-n", type=_positive_int, default=10000,
                   help="samples per evaluation (default 10000)")
    # --- end --eval-every
    p.add_argument("--resume", action="store_true", help="continue the run saved in --out")
    p.add_argument("--overwrite", action="store_true", help="replace a run already in --out")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("sample", help="draw samples from a trained generator",
                       description="Save a grid of images from the generator stored in a checkpoint.")
    p.add_argument("--checkpoint", required=True, help="a checkpoint.pkl written by 'minigan train'")
    p.add_argument("--n", type=_positive_int, default=64, help="number of samples (default 64)")
    p.add_argument("--nrow", type=_positive_int, default=8, help="images per row (default 8)")
    p.add_argument("--out", default="samples.png", help="PNG file to write (default samples.png)")
    p.add_argument("--model", choices=("mlp", "dcgan"), default=None,
                   help="check that the checkpoint holds this model")
    common(p)
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("demo", help="train a small GAN on 2-D points in about a minute (offline)",
                       description="Train the MLP GAN, scaled to 2-D, on a ring of 8 Gaussians; "
                                   "save a picture of real vs generated points and the loss curves.")
    p.add_argument("--steps", type=_positive_int, default=4000, help="training iterations (default 4000)")
    p.add_argument("--batch-size", type=_positive_int, default=256, help="points per batch (default 256)")
    p.add_argument("--out", default=os.path.join("runs", "demo"), help="output folder (default runs/demo)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    common(p)
    p.set_defaults(func=cmd_demo)

    try:
        from .shapes import register_cli
    except ImportError:       # pragma: no cover - shapes ships with the package
        register_cli = None
    if register_cli is not None:
        register_cli(sub)

    # --- minigan evaluate (issue 15): its logic lives in minigan/evaluate.py
    from .evaluate import register_cli as register_evaluate
    register_evaluate(sub)
    # --- end minigan evaluate
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    from .backend import BackendError
    from .training.gan import TrainingDiverged
    try:
        return args.func(args)
    except (ValueError, TypeError, FileNotFoundError, BackendError) as e:
        # one line: a multi-line message (e.g. where a dataset was looked for) is joined up
        text = " ".join(line.strip() for line in str(e).splitlines() if line.strip())
        print(f"minigan {args.command}: error: {text}", file=sys.stderr)
        return EXIT_USAGE
    except TrainingDiverged as e:
        print(f"minigan {args.command}: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"minigan {args.command}: interrupted; the last checkpoint written is intact", file=sys.stderr)
        return 130
