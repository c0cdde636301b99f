"""The main job: train the course's MLP GAN or DCGAN on MNIST, with checkpoints and figures.

A run writes into one folder:
    config.json                 the settings of the run
    checkpoint.pkl              G, D, both optimizers, random states, epoch, history (latest)
    samples_epoch_005.png ...   64 samples from one fixed noise batch, at the chosen epochs
    history.json, history.csv   per-epoch D loss, G loss, mean D(x), mean D(G(z)), seconds
    curves.png                  the losses and the discriminator outputs
    fid.png                     with --eval-every: FID over the epochs (scores in history["eval"])
"""
import csv
import io
import os
import time
from dataclasses import asdict, dataclass, field, fields

import numpy

from .. import backend
from ..io import atomic_write, load, save, save_json
from ..models import build_gan
from ..tensor import Tensor
from .evaluation import EpochEvaluator
from .figures import plot_history, save_image_grid
from .gan import G_LOSSES, GAN

MODELS = ("mlp", "dcgan")
DATASETS = ("mnist", "fashion-mnist")
CHECKPOINT = "checkpoint.pkl"
FORMAT = "minigan-gan-checkpoint"


@dataclass
class TrainConfig:
    """Settings of a run; the defaults are the course's hyper-parameter table."""
    model: str = "mlp"
    dataset: str = "mnist"
    epochs: int = 100
    batch_size: int = 128
    lr: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    k: int = 1
    g_loss: str = "non-saturating"
    z_dim: int = 100
    seed: int = 0
    backend: str = "numpy"
    out: str = "runs/mnist"
    sample_epochs: tuple = (5, 50, 100)
    checkpoint_every: int = 5
    limit: int = None           # use only the first `limit` training images (quick runs)
    data_root: str = None
    progress: bool = True
    extra: dict = field(default_factory=dict)
    eval_every: int = 0         # score the generator every N epochs (0: never); see evaluation.py
    eval_n: int = 10000         # samples per evaluation

    def validate(self):
        def positive_int(name, value):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.model not in MODELS:
            raise ValueError(f"unknown model {self.model!r}: expected one of {', '.join(MODELS)}")
        if self.dataset not in DATASETS:
            raise ValueError(f"unknown dataset {self.dataset!r}: expected one of {', '.join(DATASETS)}")
        if self.g_loss not in G_LOSSES:
            raise ValueError(f"unknown generator loss {self.g_loss!r}: expected one of {', '.join(G_LOSSES)}")
        for name in ("epochs", "batch_size", "k", "z_dim", "checkpoint_every"):
            positive_int(name, getattr(self, name))
        if self.limit is not None:
            positive_int("limit", self.limit)
        if not isinstance(self.eval_every, int) or self.eval_every < 0:
            raise ValueError(f"eval_every must be a non-negative integer, got {self.eval_every!r}")
        positive_int("eval_n", self.eval_n)
        if not (isinstance(self.lr, (int, float)) and self.lr > 0):
            raise ValueError(f"lr must be a positive number, got {self.lr!r}")
        for name in ("beta1", "beta2"):
            if not 0 <= getattr(self, name) < 1:
                raise ValueError(f"{name} must be in [0, 1), got {getattr(self, name)!r}")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")
        if self.backend not in backend.BACKENDS:
            raise ValueError(f"unknown backend {self.backend!r}: expected one of {', '.join(backend.BACKENDS)}")
        if any((not isinstance(e, int)) or e < 1 for e in self.sample_epochs):
            raise ValueError(f"sample epochs must be positive integers, got {self.sample_epochs!r}")
        return self


def load_dataset(name, root=None, limit=None, split="train"):
    from ..data import MNIST, FashionMNIST
    cls = MNIST if name == "mnist" else FashionMNIST
    ds = cls(root=root, split=split)
    return ds.subset(limit) if limit is not None and limit < len(ds) else ds


def load_checkpoint(path):
    """Read and check a checkpoint written by :func:`train`."""
    ckpt = load(path)
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise ValueError(f"{path} is not a minigan GAN checkpoint")
    return ckpt


def _history_csv(history):
    buf = io.StringIO()
    keys = ["epoch", "d_loss", "g_loss", "d_x", "d_g_z", "seconds"]
    w = csv.writer(buf)
    w.writerow(keys)
    for row in zip(*(history[k] for k in keys)):
        w.writerow([f"{v:.6g}" if isinstance(v, float) else v for v in row])
    return buf.getvalue()


def _new_history():
    return {"epoch": [], "d_loss": [], "g_loss": [], "d_x": [], "d_g_z": [], "seconds": [],
            "steps": {"d_loss": [], "g_loss": [], "d_x": [], "d_g_z": []}}


def prepare_out_dir(out, resume, overwrite):
    """Refuse to mix two runs in one folder unless told what to do."""
    ckpt = os.path.join(out, CHECKPOINT)
    if resume:
        if not os.path.isfile(ckpt):
            raise ValueError(f"--resume: there is no {CHECKPOINT} in {out} to continue from")
        return
    if os.path.isdir(out) and (os.path.exists(ckpt) or os.path.exists(os.path.join(out, "history.json"))):
        if not overwrite:
            raise ValueError(f"{out} already holds a run; use --resume to continue it, --overwrite to "
                             "replace it, or choose another --out")
    os.makedirs(out, exist_ok=True)


def train(config, resume=False, overwrite=False, dataset=None, log=print):
    """Train a GAN as ``config`` says; returns the history dict. ``dataset`` may be given
    directly (any object with ``images``/``labels``), else it is loaded by name."""
    from ..data import DataLoader

    config.validate()
    prepare_out_dir(config.out, resume, overwrite)
    backend.set_backend(config.backend)
    ckpt = None
    if resume:
        ckpt = load_checkpoint(os.path.join(config.out, CHECKPOINT))
        saved = ckpt["config"]
        if saved["model"] != config.model:
            raise ValueError(f"the checkpoint in {config.out} is of model {saved['model']!r}, not "
                             f"{config.model!r}")
        # the run's identity comes from the checkpoint; only the length and the place may change
        keep = {"epochs": config.epochs, "backend": config.backend, "out": config.out,
                "progress": config.progress, "sample_epochs": config.sample_epochs}
        known = {f.name for f in fields(TrainConfig)}
        config = TrainConfig(**{**{k: v for k, v in saved.items() if k in known}, **keep})
        config.sample_epochs = tuple(config.sample_epochs)
        config.validate()

    backend.manual_seed(config.seed)
    G, D = build_gan(config.model, z_dim=config.z_dim)
    G.to(config.backend), D.to(config.backend)
    gan = GAN(G, D, config.z_dim, lr=config.lr, betas=(config.beta1, config.beta2), k=config.k,
              g_loss=config.g_loss)
    if dataset is None:
        dataset = load_dataset(config.dataset, config.data_root, config.limit)
    loader = DataLoader(dataset, batch_size=config.batch_size, shuffle=True, seed=config.seed,
                        backend=config.backend)
    # one fixed noise batch, from its own generator, so sample grids are comparable over epochs
    fixed_z = numpy.random.default_rng(config.seed + 1).standard_normal((64, config.z_dim)).astype(numpy.float32)
    fixed_z = Tensor(backend.to_backend(fixed_z, config.backend))

    history, start = _new_history(), 1
    if ckpt is not None:
        G.load_state_dict(ckpt["G"])
        D.load_state_dict(ckpt["D"])
        gan.opt_G.load_state_dict(ckpt["opt_G"])
        gan.opt_D.load_state_dict(ckpt["opt_D"])
        backend.set_rng_state(ckpt["rng"]["minigan"])
        loader.load_state_dict(ckpt["rng"]["loader"])
        history = ckpt["history"]
        start = ckpt["epoch"] + 1
        if start > config.epochs:
            log(f"the run in {config.out} already reached epoch {ckpt['epoch']}; nothing to do "
                f"(ask for more with --epochs)")
            return history
        log(f"resuming {config.model} from epoch {ckpt['epoch']} in {config.out}")
    save_json(asdict(config), os.path.join(config.out, "config.json"))
    evaluator = EpochEvaluator(config)          # --eval-every (issue 15)

    for epoch in range(start, config.epochs + 1):
        t0 = time.perf_counter()
        steps, means = gan.train_epoch(loader, epoch=epoch, progress=config.progress)
        seconds = time.perf_counter() - t0
        history["epoch"].append(epoch)
        for key in ("d_loss", "g_loss", "d_x", "d_g_z"):
            history[key].append(means[key])
            if steps[key] is not None:
                history["steps"][key].extend(steps[key].tolist())
        history["seconds"].append(seconds)
        log(f"epoch {epoch}/{config.epochs}  D loss {means['d_loss']:.4f}  G loss {means['g_loss']:.4f}  "
            f"D(x) {means['d_x']:.3f}  D(G(z)) {means['d_g_z']:.3f}  ({seconds:.1f} s)")
        last = epoch == config.epochs
        if epoch in config.sample_epochs or last:
            save_image_grid(gan.sample(fixed_z), os.path.join(config.out, f"samples_epoch_{epoch:03d}.png"))
        evaluator.after_epoch(epoch, last, G, history, config.out, log)
        save_json(history, os.path.join(config.out, "history.json"))
        if epoch % config.checkpoint_every == 0 or last:
            with atomic_write(os.path.join(config.out, "history.csv"), "w") as f:
                f.write(_history_csv(history))
            plot_history(history, os.path.join(config.out, "curves.png"),
                         title=f"{config.model.upper()} GAN on {config.dataset}")
            save({"format": FORMAT, "version": 1, "config": asdict(config), "epoch": epoch,
                  "G": G.state_dict(), "D": D.state_dict(),
                  "opt_G": gan.opt_G.state_dict(), "opt_D": gan.opt_D.state_dict(),
                  "rng": {"minigan": backend.get_rng_state(), "loader": loader.state_dict()},
                  "history": history}, os.path.join(config.out, CHECKPOINT))
    return history


def generator_from_checkpoint(path, backend_name=None):
    """The trained generator stored in a checkpoint, in eval mode, and the checkpoint's config."""
    ckpt = load_checkpoint(path)
    cfg = ckpt["config"]
    G, _ = build_gan(cfg["model"], z_dim=cfg["z_dim"])
    G.load_state_dict(ckpt["G"])
    if backend_name:
        G.to(backend_name)
    return G.eval(), cfg
