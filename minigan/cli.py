"""The ``minigan`` command: train, sample, demo, shapes.

Errors in what the user typed (a bad option, a missing file, an impossible setting) end
with one line on stderr and exit status 2, never a traceback; the one longer message is the
missing dataset's, which says where minigan looked and how to point it at the files.

The options of ``train`` are made from :class:`minigan.training.TrainConfig` (its fields'
defaults, choices and help); ``--backend``, ``--seed`` and ``--threads`` are made by
:func:`add_common_options`, which the lessons use too.
"""
import argparse
import dataclasses
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


def _epoch_list(text):
    try:
        return tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected epochs like 5,50,100, got {text!r}") from None


def _size_arg(text):
    """'28' -> 28, '28,30' -> (28, 30)."""
    parts = [t.strip() for t in str(text).split(",")]
    try:
        values = [int(t) for t in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer or two separated by a comma (H,W), got {text!r}") from None
    if len(values) == 1:
        return values[0]
    if len(values) == 2:
        return tuple(values)
    raise argparse.ArgumentTypeError(f"expected one or two integers (H or H,W), got {text!r}")


def add_common_options(parser, seed=True):
    """``--backend``, ``--threads`` (and ``--seed``): the options every compute command, lesson
    and example shares. Apply them with :func:`apply_common_options`."""
    from .threads import DEFAULT_THREADS
    parser.add_argument("--backend", choices=("numpy", "cupy"), default=None,
                        help="where to compute: numpy (CPU) or cupy (NVIDIA GPU); default $MINIGAN_BACKEND, "
                             "else numpy")
    parser.add_argument("--threads", type=_positive_int, default=None,
                        help=f"BLAS threads for NumPy's matrix products (default $MINIGAN_THREADS, else "
                             f"{DEFAULT_THREADS}: more threads help only large products on idle cores)")
    if seed:
        parser.add_argument("--seed", type=_non_negative_int, default=0,
                            help="random seed; the same seed on NumPy gives bit-identical results (default 0)")


def apply_common_options(args, log=print):
    """Set the backend (``--backend``, else ``$MINIGAN_BACKEND``, else numpy) and the thread count
    once, for everything that follows; print both. Returns the backend's name."""
    from . import backend
    from .threads import set_threads
    name = args.backend or backend.get_backend()       # get_backend refuses an unknown MINIGAN_BACKEND
    backend.set_backend(name)
    args.backend = name
    args.threads = set_threads(args.threads)
    log(f"minigan: backend {name}, {args.threads} BLAS thread{'s' if args.threads > 1 else ''}")
    return name


# ------------------------------------------------------------------------------ commands
def _train_options(parser):
    """One option per TrainConfig field, with its default and choices from the config. Options
    not given are left out of the namespace, so that --resume knows what the user set."""
    from .training import TrainConfig
    types = {"sample_epochs": _epoch_list, "lr": float, "beta1": float, "beta2": float, "limit": int}
    for f in dataclasses.fields(TrainConfig):
        if f.name == "backend":
            continue                                   # made by add_common_options
        flag, meta = TrainConfig.option(f.name), f.metadata
        shown = ",".join(map(str, f.default)) if isinstance(f.default, tuple) else f.default
        help = meta["help"] + ("" if f.default is None or isinstance(f.default, bool) else f" (default {shown})")
        if isinstance(f.default, bool):
            parser.add_argument(flag, dest=f.name, action="store_false", default=argparse.SUPPRESS, help=help)
        else:
            parser.add_argument(flag, dest=f.name, default=argparse.SUPPRESS, help=help, choices=meta["choices"],
                                metavar=None if meta["choices"] else flag.lstrip("-").upper().replace("-", "_"),
                                type=meta.get("type") or types.get(f.name, int if isinstance(f.default, int) else str))


def cmd_train(args):
    from .training import TrainConfig, TrainingInterrupted, train
    given = {f.name: getattr(args, f.name) for f in dataclasses.fields(TrainConfig) if hasattr(args, f.name)}
    if args.backend_given:
        given["backend"] = args.backend
    config = TrainConfig(**{**given, "backend": args.backend})
    try:
        train(config, resume=args.resume, overwrite=args.overwrite, given=given if args.resume else None)
    except TrainingInterrupted as e:
        if e.epoch is None:
            print("minigan train: interrupted before the first epoch finished; nothing was saved", file=sys.stderr)
        else:
            print(f"minigan train: interrupted; {os.path.join(e.out, 'checkpoint.pkl')} holds epoch {e.epoch}. "
                  f"To continue:\n  minigan train --out {e.out} --resume", file=sys.stderr)
        return 130
    print(f"done: samples, curves and the checkpoint are in {config.out}")
    return 0


def cmd_sample(args):
    import numpy

    from .autograd import no_grad
    from .tensor import tensor
    from .training import generator_from_checkpoint
    from .training.figures import image_format, save_image_grid
    from .training.variants import get_variant

    image_format(args.out)                                  # refuse a bad name before any work
    G, cfg = generator_from_checkpoint(args.checkpoint)
    if args.model and args.model != cfg["model"]:
        raise ValueError(f"{args.checkpoint} holds a {cfg['model']!r} model, not {args.model!r}")
    variant = get_variant(cfg["gan"])
    asked = [flag for flag, value in (("--label", args.label is not None), ("--grid-by-class", args.grid_by_class),
                                      ("--traverse", args.traverse is not None), ("--interpolate", args.interpolate))
             if value]
    if len(asked) > 1:
        raise ValueError(f"{' and '.join(asked)} cannot be combined: choose one")
    if asked and asked[0] in ("--label", "--grid-by-class") and not variant.conditional:
        raise ValueError(f"{asked[0]} needs a conditional GAN (a checkpoint of 'minigan train --gan cgan'); "
                         f"{args.checkpoint} holds a {cfg['gan']!r} generator, which takes no label")
    if asked == ["--traverse"] and cfg["gan"] != "infogan":
        raise ValueError(f"--traverse needs an InfoGAN checkpoint ('minigan train --gan infogan'); "
                         f"{args.checkpoint} holds a {cfg['gan']!r} generator, which has no latent codes")
    rng = numpy.random.default_rng(args.seed)
    z_dim, nrow = cfg["z_dim"], args.nrow
    if args.grid_by_class:
        inputs, nrow = variant.class_grid_inputs(rng, z_dim, per_class=10), 10
        what = "a grid of 10 samples of each class, one class per row"
    elif args.traverse:
        inputs, nrow = variant.traversal_inputs(rng, z_dim, args.traverse, steps=10), 10
        what = f"a traversal of code {args.traverse}, varied along each row"
    else:
        if args.interpolate:
            # each row walks in a straight line from one noise vector to another (codes held)
            rows = max(1, args.n // nrow)
            ends = rng.standard_normal((2, rows, 1, z_dim))
            t = numpy.linspace(0, 1, nrow)[None, :, None]
            z = ((1 - t) * ends[0] + t * ends[1]).reshape(rows * nrow, z_dim)
            what = f"{rows} interpolations of {nrow} steps"
        else:
            z = rng.standard_normal((args.n, z_dim))
            what = f"{len(z)} samples"
        if args.label is not None:
            inputs = variant.label_inputs(z, args.label)
            what += f" of class {args.label}"
        else:
            zt = tensor(z.astype(numpy.float32))
            codes = variant.inputs_for(zt[::nrow] if args.interpolate else zt, rng)[1:]
            if args.interpolate:                   # one draw of the codes per row
                codes = tuple(numpy.repeat(c.numpy(), nrow, axis=0) for c in codes)
            inputs = (z, *(c.numpy() if hasattr(c, "numpy") else c for c in codes))
    inputs = [tensor(a.astype(numpy.float32) if a.dtype.kind == "f" else a) for a in inputs]
    with no_grad():
        images = G(*inputs)
    save_image_grid(images, args.out, nrow=nrow)
    print(f"wrote {what} of the {cfg['model']} {cfg['gan']} generator to {args.out}")
    return 0


def cmd_demo(args):
    from .training.demo import run_demo
    run_demo(out=args.out, steps=args.steps, batch_size=args.batch_size, seed=args.seed,
             progress=not args.no_progress, gan=args.gan, data=args.data)
    return 0


def cmd_shapes(args):
    from . import shapes
    if args.shapes_command == "model":
        from .models import build_model
        model, input_shape = build_model(args.name)
        rows = shapes.trace(model, input_shape)
        print(f"{args.name}: a batch of shape {tuple(input_shape)} through {type(model).__name__}")
        print(shapes.format_trace(rows, input_shape))
        return 0
    kind = "conv" if args.shapes_command == "conv" else "transpose"
    print(shapes.explain(kind, args.size, args.kernel, args.stride, args.padding, args.dilation,
                         getattr(args, "output_padding", 0)))
    return 0


# ------------------------------------------------------------------------------ the parser
def _add_shapes(sub):
    from .models import MODEL_NAMES
    fmt = argparse.ArgumentDefaultsHelpFormatter
    shapes = sub.add_parser("shapes", help="output sizes of (transposed) convolutions, worked out",
                            description="Work out convolution output sizes step by step, or trace a model.")
    inner = shapes.add_subparsers(dest="shapes_command", metavar="{conv,transpose,model}", parser_class=_Parser)
    inner.required = True
    for name, helptext in (("conv", "output size of a convolution"),
                           ("transpose", "output size of a transposed convolution")):
        p = inner.add_parser(name, help=helptext, description=helptext, formatter_class=fmt)
        p.add_argument("--size", type=_size_arg, required=True, help="input size: H or H,W")
        p.add_argument("--kernel", type=_size_arg, required=True, help="kernel size: k or kH,kW")
        p.add_argument("--stride", type=_size_arg, default=1, help="s or sH,sW")
        p.add_argument("--padding", type=_size_arg, default=0, help="p or pH,pW")
        if name == "transpose":
            p.add_argument("--output-padding", type=_size_arg, default=0, dest="output_padding",
                           help="rows/columns added at the end (smaller than the stride)")
        p.add_argument("--dilation", type=_size_arg, default=1, help="spacing of the kernel's taps")
        p.set_defaults(func=cmd_shapes)
    p = inner.add_parser("model", help="trace a built-in model layer by layer")
    p.add_argument("name", choices=MODEL_NAMES)
    p.set_defaults(func=cmd_shapes)


def build_parser():
    from . import __version__
    from .models import GAN_NAMES
    from .training.demo import TOY_DATA
    from .training.variants import VARIANT_NAMES
    parser = _Parser(prog="minigan", description=(
        "minigan: a from-scratch deep-learning engine on NumPy/CuPy that trains the course's GANs. "
        "Start with 'minigan demo'."))
    parser.add_argument("--version", action="version", version=f"minigan {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser("train", help="train the MLP GAN or the DCGAN (or a variant: --gan) on MNIST",
                       description="Train a GAN as in the course (defaults: its hyper-parameter table).")
    _train_options(p)
    add_common_options(p, seed=False)
    p.add_argument("--resume", action="store_true",
                   help="continue the run saved in --out with its own settings (--epochs sets a new target)")
    p.add_argument("--overwrite", action="store_true", help="replace a run already in --out (its files only)")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("sample", help="draw samples from a trained generator",
                       description="Save a grid of images from the generator stored in a checkpoint.")
    p.add_argument("--checkpoint", required=True,
                   help="a run folder written by 'minigan train', or the checkpoint.pkl in it")
    p.add_argument("--n", type=_positive_int, default=64, help="number of samples (default 64)")
    p.add_argument("--nrow", type=_positive_int, default=8, help="images per row (default 8)")
    p.add_argument("--interpolate", action="store_true",
                   help="each row walks from one noise vector to another (n // nrow rows of nrow steps)")
    p.add_argument("--out", default="samples.png", help="image to write: .png, .jpg or .tiff (default samples.png)")
    p.add_argument("--model", choices=GAN_NAMES, default=None,
                   help="check that the checkpoint holds this model")
    p.add_argument("--label", type=_non_negative_int, default=None,
                   help="conditional GAN: draw every sample of this class (0-9)")
    p.add_argument("--grid-by-class", action="store_true",
                   help="conditional GAN: a 10x10 grid, one class per row")
    p.add_argument("--traverse", choices=("cat", "c1", "c2"), default=None,
                   help="InfoGAN: vary one latent code along each row (the categorical code or a continuous one), "
                        "the others fixed")
    add_common_options(p)
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("demo", help="train a small GAN on 2-D points in under a minute (offline)",
                       description="Train the MLP GAN (or a variant), scaled to 2-D, on a ring of 8 Gaussians "
                                   "or a grid of 25; save a picture of real vs generated points and the loss curves.")
    p.add_argument("--steps", type=_positive_int, default=4000,
                   help="generator steps (default 4000; WGAN and WGAN-GP make 5 critic steps for each)")
    p.add_argument("--gan", choices=VARIANT_NAMES, default="gan",
                   help="GAN variant (default gan; cgan and infogan do not apply to 2-D points)")
    p.add_argument("--data", choices=tuple(TOY_DATA), default="ring",
                   help="ring of 8 Gaussians or 5x5 grid of 25 (default ring)")
    p.add_argument("--batch-size", type=_positive_int, default=256, help="points per batch (default 256)")
    p.add_argument("--out", default=os.path.join("runs", "demo"), help="output folder (default runs/demo)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_common_options(p)
    p.set_defaults(func=cmd_demo)

    _add_shapes(sub)

    # --- minigan evaluate (issue 15): its logic lives in minigan/evaluate.py
    from .evaluate import register_cli as register_evaluate
    register_evaluate(sub, _positive_int, _non_negative_int)
    return parser


def _not_found_lines(command, error):
    """The missing-dataset message: how to point minigan at the files first, then where it looked."""
    return [f"minigan {command}: error: the dataset's files were not found.",
            "  Give the folder that holds them with --data-dir DIR, or set MINIGAN_DATA_DIR=DIR.",
            "  Without either, minigan downloads MNIST into its cache (~/.cache/minigan) when online.",
            ""] + ["  " + line for line in str(error).splitlines()]


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    from .backend import BackendError
    from .data import DatasetNotFoundError
    from .training.gan import TrainingDiverged
    try:
        if hasattr(args, "threads"):
            args.backend_given = args.backend is not None
            apply_common_options(args)
        return args.func(args)
    except DatasetNotFoundError as e:
        print("\n".join(_not_found_lines(args.command, e)), file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, TypeError, FileNotFoundError, BackendError) as e:
        # one line: a multi-line message is joined up
        text = " ".join(line.strip() for line in str(e).splitlines() if line.strip())
        print(f"minigan {args.command}: error: {text}", file=sys.stderr)
        return EXIT_USAGE
    except TrainingDiverged as e:
        print(f"minigan {args.command}: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"minigan {args.command}: interrupted", file=sys.stderr)
        return 130
