"""The main job: train the course's MLP GAN or DCGAN (or a variant of it: ``gan=``, see
variants.py) on MNIST, with checkpoints and figures.

A run writes into one folder:
    config.json                 the settings of the run
    fid.png                     with --eval-every: FID over the epochs (scores in history["eval"])
    checkpoint.pkl              G, D, both optimizers, random states, epoch, history (latest); the
                                variant is in its config, with the critic steps since the last G step
    real_samples.png            64 training images, to compare with the samples
    samples_epoch_005.png ...   64 samples from one fixed noise batch, at the chosen epochs
    progress.gif                the fixed-noise samples of every epoch, as an animation
    history.json, history.csv   the history (training/history.py: its one schema)
    curves.png                  the losses and the discriminator outputs

:class:`TrainConfig` is the one owner of a run's settings: their defaults, their allowed
values, their check (:meth:`TrainConfig.validate`), what may change on resume, and the
option that sets each one in ``minigan train`` (the command builds its options from it).
"""
import copy
import glob
import os
import time
from dataclasses import asdict, dataclass, field, fields

import numpy

from .. import backend
from ..data import DATASETS, load_dataset
from ..models import GAN_NAMES
from ..serialization import atomic_write, load, save, save_json
from ..tensor import tensor
from .figures import image_grid, plot_history, save_progress_gif, save_titled_grid
from .evaluation import EpochEvaluator
from .gan import G_LOSSES, check_gan_settings, check_k
from .history import add_epoch, add_steps, history_csv, new_history
from .variants import VARIANT_NAMES, get_variant, make_gan, variant_defaults

CHECKPOINT = "checkpoint.pkl"
FORMAT = "minigan-gan-checkpoint"
# every file a run writes (the patterns --overwrite clears, and nothing else)
RUN_FILES = ("config.json", CHECKPOINT, "history.json", "history.csv", "curves.png", "real_samples.png",
             "progress.gif", "samples_epoch_*.png")
# The settings whose defaults depend on the variant (its paper's; a variant's signature is their
# one home, see variants.py), each with the __init__ argument it feeds. A setting a variant does
# not have stays None.
VARIANT_FIELDS = {"lr": "lr", "beta1": "betas", "beta2": "betas", "k": "k", "g_loss": "g_loss", "clip": "clip",
                  "lambda_gp": "lambda_gp", "lambda_cat": "lambda_cat", "lambda_cont": "lambda_cont"}


def _variant_default(gan, name):
    """Variant ``gan``'s default for TrainConfig field ``name``; None if it has no such setting."""
    defaults = variant_defaults(gan)
    arg = VARIANT_FIELDS[name]
    if arg not in defaults:
        return None
    value = defaults[arg]
    return value[("beta1", "beta2").index(name)] if arg == "betas" else value


def _defaults_help(name):
    values = [f"{gan} {_variant_default(gan, name):g}" if not isinstance(_variant_default(gan, name), str)
              else f"{gan} {_variant_default(gan, name)}" for gan in VARIANT_NAMES
              if _variant_default(gan, name) is not None]
    return f"; default: the variant's paper's ({', '.join(values)})"


def _setting(default, help, flag=None, choices=None, resumable=False, **more):
    """A TrainConfig field with what the command line needs to know about it."""
    return field(default=default, metadata={"help": help, "flag": flag, "choices": choices,
                                            "resumable": resumable, **more})


@dataclass
class TrainConfig:
    """Settings of a run; the defaults are the course's hyper-parameter table."""
    model: str = _setting("mlp", "network form: the course's MLP GAN or DCGAN", choices=GAN_NAMES)
    gan: str = _setting("gan", "which GAN variant; each one's hyper-parameters default to its paper's",
                        choices=VARIANT_NAMES)
    dataset: str = _setting("mnist", "training images", choices=tuple(DATASETS))
    epochs: int = _setting(100, "passes over the data; with --resume the new target", resumable=True)
    batch_size: int = _setting(128, "images per minibatch")
    lr: float = _setting(None, "learning rate" + _defaults_help("lr"), type=float)
    beta1: float = _setting(None, "Adam beta1" + _defaults_help("beta1"), type=float)
    beta2: float = _setting(None, "Adam beta2" + _defaults_help("beta2"), type=float)
    k: int = _setting(None, "discriminator (critic) steps per generator step" + _defaults_help("k"), type=int)
    g_loss: str = _setting(None, "generator loss: -log D(G(z)) (non-saturating) or log(1 - D(G(z))) "
                           "(minimax)" + _defaults_help("g_loss"), choices=G_LOSSES)
    clip: float = _setting(None, "WGAN: clip the critic's weights to +-CLIP" + _defaults_help("clip"), type=float)
    lambda_gp: float = _setting(None, "WGAN-GP: weight of the gradient penalty" + _defaults_help("lambda_gp"),
                                type=float)
    lambda_cat: float = _setting(None, "InfoGAN: weight of the categorical code's information term"
                                 + _defaults_help("lambda_cat"), type=float)
    lambda_cont: float = _setting(None, "InfoGAN: weight of the continuous codes' information term"
                                  + _defaults_help("lambda_cont"), type=float)
    z_dim: int = _setting(100, "noise size")
    seed: int = _setting(0, "random seed; the same seed on NumPy gives bit-identical results")
    backend: str = _setting("numpy", "numpy (CPU) or cupy (NVIDIA GPU); default $MINIGAN_BACKEND, else numpy",
                            choices=backend.BACKENDS, resumable=True)
    out: str = _setting(None, "output folder (default runs/MODEL-DATASET; runs/GAN-MODEL-DATASET for a variant)", resumable=True)
    sample_epochs: tuple = _setting((5, 50, 100), "epochs at which to save a sample grid, e.g. 5,50,100 "
                                    "(the last epoch is always saved)", resumable=True)
    checkpoint_every: int = _setting(5, "write a checkpoint every N epochs (and at the end, and on Ctrl-C)",
                                     resumable=True)
    limit: int = _setting(None, "use only the first N training images (quick experiments)")
    data_root: str = _setting(None, "folder with the dataset's IDX files (default: $MINIGAN_DATA_DIR, then "
                              "the user cache)", flag="--data-dir", resumable=True)
    progress: bool = _setting(True, "no progress bar", flag="--no-progress", resumable=True)
    eval_every: int = _setting(0, "score the generator (FID, IS, precision, recall) every N epochs; "
                               "0 = never", resumable=True)
    eval_n: int = _setting(10000, "samples per evaluation", resumable=True)

    def __post_init__(self):
        self.fill_variant_defaults()

    def fill_variant_defaults(self):
        """Give each variant setting left at None the variant's (paper's) default."""
        if self.gan in VARIANT_NAMES:
            for name in VARIANT_FIELDS:
                if getattr(self, name) is None:
                    setattr(self, name, _variant_default(self.gan, name))

    def gan_settings(self):
        """The variant's keyword arguments (lr, betas, k, ...) from these settings."""
        settings = {VARIANT_FIELDS[n]: getattr(self, n) for n in VARIANT_FIELDS
                    if getattr(self, n) is not None and n not in ("beta1", "beta2")}
        if self.beta1 is not None:
            settings["betas"] = (self.beta1, self.beta2)
        return settings

    @staticmethod
    def option(name):
        """The command-line option that sets field ``name`` (``--batch-size`` for batch_size)."""
        return TrainConfig.__dataclass_fields__[name].metadata["flag"] or "--" + name.replace("_", "-")

    def validate(self):
        """Check every setting (the one place they are checked); fill in the default ``out``."""
        def fail(name, expected):
            raise ValueError(f"{name} must be {expected}, got {getattr(self, name)!r} "
                             f"(option {self.option(name)})")

        def is_int(v):
            return isinstance(v, (int, numpy.integer)) and not isinstance(v, bool)

        for f in fields(self):
            choices = f.metadata["choices"]
            value = getattr(self, f.name)
            if choices and value not in choices and not (f.default is None and value is None):
                what = {"g_loss": "generator loss", "gan": "GAN variant"}.get(f.name, f.name)
                raise ValueError(f"unknown {what} {value!r}: expected one of "
                                 f"{', '.join(choices)} (option {self.option(f.name)})")
        self.fill_variant_defaults()
        has = [n for n in VARIANT_FIELDS if _variant_default(self.gan, n) is not None]
        for name in VARIANT_FIELDS:
            if name not in has and getattr(self, name) is not None:
                raise ValueError(f"{self.option(name)} does not apply to --gan {self.gan}, whose settings are "
                                 f"{', '.join(self.option(n) for n in has)}")
        if self.g_loss is not None:
            check_gan_settings(self.k, self.g_loss)
        check_k(self.k)
        for name in ("epochs", "batch_size", "z_dim", "checkpoint_every"):
            if not is_int(getattr(self, name)) or getattr(self, name) < 1:
                fail(name, "a positive integer")
        if self.limit is not None and (not is_int(self.limit) or self.limit < 1):
            fail("limit", "a positive integer")
        if not (isinstance(self.lr, (int, float)) and self.lr > 0):
            fail("lr", "a positive number")
        for name in ("beta1", "beta2"):
            if getattr(self, name) is not None and not 0 <= getattr(self, name) < 1:
                fail(name, "in [0, 1)")
        for name in ("clip", "lambda_gp", "lambda_cat", "lambda_cont"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0):
                fail(name, "a positive number")
        if not is_int(self.seed) or self.seed < 0:
            fail("seed", "a non-negative integer")
        if not is_int(self.eval_every) or self.eval_every < 0:
            fail("eval_every", "a non-negative integer")
        if not is_int(self.eval_n) or self.eval_n < 1:
            fail("eval_n", "a positive integer")
        self.sample_epochs = tuple(self.sample_epochs)
        if any(not is_int(e) or e < 1 for e in self.sample_epochs):
            fail("sample_epochs", "positive integers")
        if self.out is None:
            self.out = os.path.join("runs", ("" if self.gan == "gan" else f"{self.gan}-") + f"{self.model}-{self.dataset}")
        return self

    @classmethod
    def for_resume(cls, saved, given):
        """The configuration of a resumed run: the ``saved`` one (a dict), with the settings in
        ``given`` (a dict of those the user set) that may change safely. A given setting that
        would change the run (its model, data, optimizer, seed) is refused, by its option."""
        known = {f.name: f for f in fields(cls)}
        config = cls(**{k: v for k, v in saved.items() if k in known})
        refused = []
        for name, value in given.items():
            if known[name].metadata["resumable"]:
                setattr(config, name, value)
            elif value != saved.get(name):
                refused.append(f"{cls.option(name)} {value} (the run has {saved.get(name)})")
        if refused:
            raise ValueError("--resume continues the saved run with its own settings; these would change "
                             "it: " + "; ".join(refused) + ". Leave them out, or start a new run in "
                             "another --out.")
        return config.validate()


# ------------------------------------------------------------------------------ checkpoints
def checkpoint_state(config, epoch, gan, loader, history, frames):
    """Everything a run needs to continue after ``epoch``, as host (NumPy) copies."""
    from ..serialization import _to_host
    state = {"format": FORMAT, "version": 1, "config": asdict(config), "epoch": epoch,
             "G": gan.G.state_dict(), "D": gan.D.state_dict(),
             "opt_G": gan.opt_G.state_dict(), "opt_D": gan.opt_D.state_dict(),
             "rng": {"minigan": backend.get_rng_state(), "loader": loader.state_dict()},
             # critic steps since the last generator step: with k > 1 an epoch can end mid-cycle
             "d_steps": gan.d_steps,
             "history": history, "frames": frames}
    return copy.deepcopy(_to_host(state))


def save_checkpoint(state, path):
    """Write a state made by :func:`checkpoint_state` (atomically: the old file or the new)."""
    save(state, path)


def load_checkpoint(path):
    """Read and check a checkpoint written by :func:`train`. ``path`` may be a run folder."""
    if os.path.isdir(path):
        path = os.path.join(path, CHECKPOINT)
    ckpt = load(path)
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise ValueError(f"{path} is not a minigan GAN checkpoint")
    ckpt.setdefault("frames", [])
    return ckpt


def restore_checkpoint(ckpt, gan, loader):
    """Put a checkpoint's networks, optimizers and random states back; returns its history."""
    gan.G.load_state_dict(ckpt["G"])
    gan.D.load_state_dict(ckpt["D"])
    gan.opt_G.load_state_dict(ckpt["opt_G"])
    gan.opt_D.load_state_dict(ckpt["opt_D"])
    backend.set_rng_state(ckpt["rng"]["minigan"])
    loader.load_state_dict(ckpt["rng"]["loader"])
    gan.d_steps = ckpt.get("d_steps", 0)
    return ckpt["history"]


def generator_from_checkpoint(path, backend_name=None, noise_only=False, seed=0):
    """The trained generator stored in a checkpoint (or run folder), in eval mode, on the
    active backend (or ``backend_name``), and the checkpoint's config. With ``noise_only`` a
    variant's generator that takes labels or codes comes as a function of the noise alone,
    its codes drawn from ``seed`` (what the metrics' ``generate`` needs)."""
    ckpt = load_checkpoint(path)
    cfg = ckpt["config"]
    cfg.setdefault("gan", "gan")          # written before the variants existed
    variant = get_variant(cfg["gan"])
    G, _ = variant.build_models(cfg["model"], z_dim=cfg["z_dim"])
    G.load_state_dict(ckpt["G"])
    G.to(backend_name or backend.get_backend())
    G.eval()
    return (variant.noise_to_images_of(G, seed) if noise_only else G), cfg


# ------------------------------------------------------------------------------ the run folder
def _run_files(out):
    return sorted({p for pattern in RUN_FILES for p in glob.glob(os.path.join(glob.escape(out), pattern))})


def prepare_out_dir(out, resume, overwrite):
    """Refuse to mix two runs in one folder unless told what to do; with ``overwrite`` remove
    the previous run's files (only those). Returns True when the folder had to be made."""
    ckpt = os.path.join(out, CHECKPOINT)
    if resume:
        if not os.path.isfile(ckpt):
            raise ValueError(f"--resume: there is no {CHECKPOINT} in {out} to continue from")
        return False
    old = _run_files(out) if os.path.isdir(out) else []
    if old and not overwrite:
        raise ValueError(f"{out} already holds a run; use --resume to continue it, --overwrite to "
                         "replace it, or choose another --out")
    for path in old:
        os.remove(path)
    created = not os.path.isdir(out)
    os.makedirs(out, exist_ok=True)
    return created


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during training. ``epoch`` is the epoch the checkpoint holds (None: none written)."""

    def __init__(self, out, epoch):
        self.out, self.epoch = out, epoch
        super().__init__(f"interrupted; {out}/{CHECKPOINT} holds epoch {epoch}" if epoch else
                         "interrupted before the first epoch finished: nothing was saved")


def _start_block(config, dataset, loader, gan, log):
    """What the run will do, in one block, with a measured time per epoch."""
    n = len(loader._images)
    steps = len(loader)
    g, d = (sum(p.numel() for p in net.parameters()) for net in (gan.G, gan.D))
    name = DATASETS[config.dataset].name if config.dataset in DATASETS else config.dataset
    folder = getattr(dataset, "root", None)
    log(f"training the {_title(config)}: G {g:,} parameters, D {d:,}")
    log(f"  variant {config.gan} ({gan.paper})")
    log(f"  {gan.describe()}; batch {config.batch_size}; z_dim {config.z_dim}; seed {config.seed}")
    log(f"  data: {n:,} {name} images" + (f" from {folder}" if folder else "") +
        f"; {steps} steps per epoch; epochs to {config.epochs}")
    log(f"  backend {backend.get_backend()}; output folder {config.out}")
    seconds = _time_per_step(gan, loader, config.batch_size)
    if seconds is not None:
        log(f"  estimated time per epoch: {seconds * steps:.{0 if seconds * steps >= 10 else 1}f} s ({1000 * seconds:.0f} ms a step, "
            "timed on a copy of the networks)")


def _time_per_step(gan, loader, batch_size):
    """Seconds per training step, timed on a copy of the GAN (the run's own state and random
    numbers are left exactly as they were). None on the GPU, where timing needs a sync."""
    if backend.get_backend() != "numpy":
        return None
    state = backend.get_rng_state()
    trial = copy.deepcopy(gan)
    real = tensor(backend.to_numpy(loader._images[:batch_size]))
    args = (real, tensor(backend.to_numpy(loader._labels[:batch_size]))) if gan.conditional else (real,)
    trial.train_step(*args)                # the first step pays for allocations
    t0 = time.perf_counter()
    trial.train_step(*args)
    seconds = time.perf_counter() - t0
    backend.set_rng_state(state)
    return seconds


def epoch_line(names, epoch, epochs, means, seconds):
    """The epoch's log line, in the variant's own names (``plot["names"]``: a WGAN's critic
    scores are f(x), not probabilities D(x)). An epoch that held no generator step (k > 1 on
    a few batches) says so instead of printing "G loss nan"."""
    d_name, g_name, real_name, fake_name = names
    g = means.get("g_loss", float("nan"))
    g_text = f"{g:.4f}" if g == g else "- (no generator step this epoch)"
    return (f"epoch {epoch}/{epochs}  {d_name} {means['d_loss']:.4f}  {g_name} {g_text}  "
            f"{real_name} {means['d_x']:.3f}  {fake_name} {means['d_g_z']:.3f}  ({seconds:.1f} s)")


def _title(config):
    name = DATASETS[config.dataset].name if config.dataset in DATASETS else config.dataset
    if config.gan == "gan":
        return f"{'MLP GAN' if config.model == 'mlp' else config.model.upper()} on {name}"
    return f"{get_variant(config.gan).title} ({'MLP' if config.model == 'mlp' else 'DCGAN'} form) on {name}"


def train(config, resume=False, overwrite=False, dataset=None, log=print, given=None):
    """Train a GAN as ``config`` says; returns the history dict.

    ``dataset`` may be given directly (any object with ``images``/``labels``), else it is
    loaded by name. With ``resume``, the saved configuration is kept and ``given`` (the
    settings the user set, a dict; default: those of ``config`` that may change) is applied
    as :meth:`TrainConfig.for_resume` says. On Ctrl-C a checkpoint of the last finished
    epoch is written and :class:`TrainingInterrupted` raised.
    """
    from ..data import DataLoader

    config.validate()
    ckpt = None
    if resume:
        prepare_out_dir(config.out, True, False)
        ckpt = load_checkpoint(os.path.join(config.out, CHECKPOINT))
        saved = ckpt["config"]
        saved.setdefault("gan", "gan")            # written before the variants existed
        if given is None and saved["model"] != config.model:
            raise ValueError(f"the checkpoint in {config.out} is of model {saved['model']!r}, not "
                             f"{config.model!r}")
        if given is None and saved["gan"] != config.gan:
            raise ValueError(f"the checkpoint in {config.out} is of GAN variant {saved['gan']!r}, not "
                             f"{config.gan!r}")
        if given is None:
            given = {f.name: getattr(config, f.name) for f in fields(config) if f.metadata["resumable"]}
        config = TrainConfig.for_resume(saved, {"out": config.out, **given})
    backend.set_backend(config.backend)
    if dataset is None:
        # an explicit data folder is only read: never created, never downloaded into
        dataset = load_dataset(config.dataset, config.data_root, limit=config.limit,
                               download=config.data_root is None)
    backend.manual_seed(config.seed)
    # the variant's networks (on the active backend) and its training step
    gan = make_gan(config.gan, config.model, z_dim=config.z_dim, **config.gan_settings())
    loader = DataLoader(dataset, batch_size=config.batch_size, shuffle=True, seed=config.seed)
    if gan.conditional and loader._labels is None:
        raise ValueError(f"--gan {config.gan} learns from the class labels, and this dataset has none")
    # one fixed noise batch (and codes), from its own generator, so sample grids are comparable
    # over epochs
    fixed_rng = numpy.random.default_rng(config.seed + 1)
    fixed_z = tensor(fixed_rng.standard_normal((64, config.z_dim)).astype(numpy.float32))
    fixed = gan.inputs_for(fixed_z, fixed_rng)

    history, frames, start = new_history(), [], 1
    if ckpt is not None:
        history = restore_checkpoint(ckpt, gan, loader)
        frames = ckpt["frames"]
        start = ckpt["epoch"] + 1
        if start > config.epochs:
            log(f"the run in {config.out} already reached epoch {ckpt['epoch']}; nothing to do "
                f"(ask for more with --epochs)")
            return history
        log(f"resuming {config.model} from epoch {ckpt['epoch']} in {config.out}")
    created = False
    try:
        if not resume:
            created = prepare_out_dir(config.out, False, overwrite)
            real = backend.to_numpy(loader._images[:64])
            save_titled_grid(real, os.path.join(config.out, "real_samples.png"), f"{len(real)} training images")
        _start_block(config, dataset, loader, gan, log)
        save_json(asdict(config), os.path.join(config.out, "config.json"))
        evaluator = EpochEvaluator(config)          # --eval-every: see evaluation.py
    except BaseException:
        if created:                     # a failed start leaves no empty run folder behind
            for path in _run_files(config.out):
                os.remove(path)
            os.rmdir(config.out)
        raise

    latest, written = None, (ckpt["epoch"] if ckpt is not None else None)
    try:
        for epoch in range(start, config.epochs + 1):
            t0 = time.perf_counter()
            steps, means = gan.train_epoch(loader, epoch=epoch, progress=config.progress)
            seconds = time.perf_counter() - t0
            add_steps(history, steps, epoch)
            add_epoch(history, epoch, means, seconds)
            log(epoch_line(gan.plot["names"], epoch, config.epochs, means, seconds))
            last = epoch == config.epochs
            samples = gan.sample(*fixed)
            frames.append((image_grid(samples) * 255).round().astype(numpy.uint8))
            if epoch in config.sample_epochs or last:
                save_titled_grid(samples, os.path.join(config.out, f"samples_epoch_{epoch:03d}.png"),
                                 f"{_title(config)}: epoch {epoch}, fixed noise")
            evaluator.after_epoch(epoch, last, gan.noise_to_images(config.seed + 3), history, config.out, log=log)
            save_json(history, os.path.join(config.out, "history.json"))
            latest = checkpoint_state(config, epoch, gan, loader, history, frames)
            if epoch % config.checkpoint_every == 0 or last:
                _write_checkpoint(config, latest)
                written = epoch
    except KeyboardInterrupt:
        if latest is not None and latest["epoch"] != written:
            _write_checkpoint(config, latest)
            written = latest["epoch"]
        if written is None:          # nothing to resume: leave no half-started run behind
            for path in _run_files(config.out):
                os.remove(path)
            if created:
                os.rmdir(config.out)
        raise TrainingInterrupted(config.out, written) from None
    return history


def _write_checkpoint(config, state):
    """The checkpoint and the files drawn from its history."""
    history = state["history"]
    with atomic_write(os.path.join(config.out, "history.csv"), "w") as f:
        f.write(history_csv(history))
    plot_history(history, os.path.join(config.out, "curves.png"), title=_title(config),
                 style=get_variant(config.gan).plot)
    frames = [f.astype(numpy.float32) / 255 for f in state["frames"]]
    if frames:
        first = history["epoch"][-1] - len(frames) + 1
        save_progress_gif(frames, [f"{_title(config)}: epoch {first + i}" for i in range(len(frames))],
                          os.path.join(config.out, "progress.gif"))
    save_checkpoint(state, os.path.join(config.out, CHECKPOINT))


__all__ = ["TrainConfig", "TrainingInterrupted", "train", "checkpoint_state", "save_checkpoint",
           "load_checkpoint", "restore_checkpoint", "generator_from_checkpoint", "prepare_out_dir",
           "CHECKPOINT", "RUN_FILES"]
