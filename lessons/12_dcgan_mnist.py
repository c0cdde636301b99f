"""Lesson 12: the course's DCGAN on MNIST, next to the course's MLP GAN.

What you learn here:
  * the DCGAN of the course, built with minigan: its printout is the course's, layer for layer;
  * the hyper-parameters of the course's table (Adam with lr 2e-4 and betas (0.5, 0.999),
    batch 128, noise of size 100, binary cross-entropy, LeakyReLU slope 0.2, 100 epochs);
  * how to train it with ``minigan.training.train(TrainConfig(...))``, which saves sample grids
    from one fixed noise batch at chosen epochs (the course shows epochs 5, 50 and 100);
  * how its samples compare with those of the MLP GAN trained on the same schedule.

The full run is the course's experiment: 100 epochs of both models (hours on a CPU, minutes on
a GPU with --backend cupy; an interrupted full run continues from its last checkpoint). With
--quick both models train on 768 images for one epoch of 12 steps at batch 64, so you see the
whole pipeline in seconds (and samples that are, of course, still blobs).

MNIST must be on this machine: set MINIGAN_DATA_DIR to the folder with the four IDX files.
Without it the lesson says so and exits with status 2.

Run:  MINIGAN_DATA_DIR=/path/to/mnist python lessons/12_dcgan_mnist.py [--quick] [--backend cupy]
"""
# %% [markdown]
# # The DCGAN on MNIST
# Lesson 8 traced the DCGAN's shapes, lessons 9-11 its building blocks. Now we train it, the way
# the course did, and put its samples next to the MLP GAN's.

# %%
import os
import sys
import time

import matplotlib.image
import matplotlib.pyplot as plt
import numpy

from _common import check, save, setup

import minigan
import minigan.nn as nn
from minigan.data import MNIST, DatasetNotFoundError
from minigan.models import build_gan
from minigan.training import GAN, TrainConfig, train

args = setup("12_dcgan_mnist", "The course's DCGAN on MNIST: its printout, its hyper-parameters, sample grids "
                       "at chosen epochs, and its samples beside the MLP GAN's.")
t_start = time.perf_counter()


def on_backend(array, requires_grad=False):
    """A tensor holding ``array`` (NumPy data) on the backend chosen with --backend."""
    return minigan.tensor(array).requires_grad_(requires_grad)


# %% [markdown]
# ## 1. The data
# minigan looks for the MNIST files in $MINIGAN_DATA_DIR (and in its cache); this lesson never
# downloads anything.

# %%
try:
    mnist = MNIST(split="train", download=False)
except DatasetNotFoundError as e:
    print(f"MNIST is not available on this machine, so this lesson cannot run.\n{e}\n"
          "Point MINIGAN_DATA_DIR at a folder holding train-images-idx3-ubyte(.gz) and "
          "train-labels-idx1-ubyte(.gz), then run the lesson again.", file=sys.stderr)
    sys.exit(2)
print(mnist)
pixels = mnist.images
check(pixels.shape[1:] == (1, 28, 28) and pixels.min() == -1.0 and pixels.max() == 1.0,
      "MNIST images are 1x28x28, scaled to [-1, 1] to match the generator's tanh output")
data_mean = float(pixels[:10000].mean())
print(f"mean pixel value of MNIST (first 10,000 images): {data_mean:.3f} (mostly black background)")

# %% [markdown]
# ## 2. The models: the course's printouts
# The course prints its networks with PyTorch. minigan's modules print the same way, so we can
# compare the two texts line by line (the course's listing is reproduced here without its line
# numbers).

# %%
COURSE_G = """
DCGAN_Generator(
  (G): Sequential(
    (0): ConvTranspose2d(100, 256, kernel_size=(7, 7), stride=(1, 1), bias=False)
    (1): BatchNorm2d(256, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
    (2): ReLU(inplace=True)
    (3): ConvTranspose2d(256, 128, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)
    (4): BatchNorm2d(128, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
    (5): ReLU(inplace=True)
    (6): ConvTranspose2d(128, 1, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)
    (7): Tanh()
  )
)"""
COURSE_D = """
DCGAN_Discriminator(
  (D): Sequential(
    (0): Conv2d(1, 64, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)
    (1): LeakyReLU(negative_slope=0.2, inplace=True)
    (2): Conv2d(64, 128, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)
    (3): BatchNorm2d(128, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
    (4): LeakyReLU(negative_slope=0.2, inplace=True)
    (5): Flatten(start_dim=1, end_dim=-1)
    (6): Linear(in_features=6272, out_features=1, bias=True)
    (7): Sigmoid()
  )
)"""


def lines(text):
    return [line.strip() for line in text.strip().splitlines()]


G, D = build_gan("dcgan")
print(G)
print(D)
n_g, n_d = sum(p.numel() for p in G.parameters()), sum(p.numel() for p in D.parameters())
print(f"parameters: generator {n_g:,}, discriminator {n_d:,}")
check(lines(repr(G)) == lines(COURSE_G), "minigan's DCGAN generator prints exactly as the course's")
check(lines(repr(D)) == lines(COURSE_D), "minigan's DCGAN discriminator prints exactly as the course's")

# The generator ends in tanh, whose range is the open interval (-1, 1) (the course's report
# prints it as "[1, 1]"). In float32, tanh(x) rounds to exactly +-1 once |x| > 9, so stored
# samples lie in the closed interval [-1, 1].
with minigan.no_grad():
    s = numpy.linspace(-20, 20, 9).astype(numpy.float32)
    th = on_backend(s).tanh().numpy()
print("tanh at", s.tolist(), "->", th.round(6).tolist())
check(th.min() >= -1 and th.max() <= 1 and numpy.all(numpy.abs(th[3:6]) < 1),
      "tanh maps into (-1, 1) (float32 rounds it to +-1 only for |x| > 9), not '[1, 1]'")

# %% [markdown]
# ## 3. The hyper-parameters
# TrainConfig's defaults are the course's table. Quick mode changes only the amount of work:
# fewer images, one epoch, batch 64.

# %%
course_table = {"lr": 2e-4, "batch_size": 128, "z_dim": 100, "beta1": 0.5, "beta2": 0.999, "epochs": 100}
defaults = TrainConfig()
for key, value in course_table.items():
    print(f"  {key:>10}: course {value}, TrainConfig default {getattr(defaults, key)}")
check(all(getattr(defaults, k) == v for k, v in course_table.items()),
      "TrainConfig's defaults are the course's hyper-parameters")
probe = GAN(G, D, z_dim=100)
check(isinstance(probe.criterion, nn.BCELoss) and type(probe.opt_G).__name__ == "Adam",
      "the loss is binary cross-entropy and the optimizer Adam, as in the course")
slopes = {m.negative_slope for m in D.modules() if isinstance(m, nn.LeakyReLU)}
check(slopes == {0.2}, "the discriminator's LeakyReLU slope is 0.2")

# %% [markdown]
# ## 4. Training both GANs on the same schedule
# `train` runs the whole job: the data loader, one fixed noise batch for the sample grids,
# checkpoints, the history of losses and of the mean D(x) and D(G(z)) per epoch.

# %%
if args.quick:
    schedule = dict(epochs=1, batch_size=64, sample_epochs=(1,))
    train_set = mnist.subset(768)
    run_root = args.out / "quick"
else:
    schedule = dict(epochs=100, batch_size=128, sample_epochs=(5, 50, 100))
    train_set = mnist
    run_root = args.out / "full"
steps_per_epoch = len(train_set) // schedule["batch_size"] + bool(len(train_set) % schedule["batch_size"])
print(f"schedule: {schedule['epochs']} epoch(s) of {steps_per_epoch} steps at batch {schedule['batch_size']} "
      f"on {len(train_set):,} images; sample grids at epochs {schedule['sample_epochs']}")
if not args.quick:
    print("  (a DCGAN step at batch 128 takes a few tenths of a second on a CPU: this is hours of work; "
          "with --backend cupy it is minutes. An interrupted run continues from its checkpoint.)")

histories, seconds = {}, {}
for model in ("mlp", "dcgan"):
    config = TrainConfig(model=model, seed=args.seed, backend=args.backend, out=str(run_root / model),
                         progress=False, checkpoint_every=5, **schedule)
    resume = not args.quick and os.path.isfile(os.path.join(config.out, "checkpoint.pkl"))
    t0 = time.perf_counter()
    print(f"\ntraining the {'MLP GAN' if model == 'mlp' else 'DCGAN'}{' (resuming)' if resume else ''}:")
    histories[model] = train(config, resume=resume, overwrite=not resume, dataset=train_set,
                             log=lambda msg: print("  " + msg))
    seconds[model] = time.perf_counter() - t0
    print(f"  {seconds[model]:.1f} s")

for model, h in histories.items():
    d_x, d_g_z = h["d_x"][-1], h["d_g_z"][-1]
    check(all(numpy.isfinite(h[k]).all() for k in ("d_loss", "g_loss", "d_x", "d_g_z")),
          f"the {model.upper()} run's losses stay finite")
    check(d_x > d_g_z, f"in the last epoch the {model.upper()} discriminator still scores real images higher "
                       f"than fakes on average (D(x) {d_x:.2f} > D(G(z)) {d_g_z:.2f})")

# %% [markdown]
# ## 5. The samples, side by side
# Each row is one epoch; the left grid comes from the MLP GAN, the right one from the DCGAN, both
# from their own fixed noise batch (the same 64 noise vectors at every epoch).

# %%
epochs = [e for e in schedule["sample_epochs"] if e <= schedule["epochs"]]
grids = {(m, e): matplotlib.image.imread(str(run_root / m / f"samples_epoch_{e:03d}.png"))
         for m in ("mlp", "dcgan") for e in epochs}
fig, axes = plt.subplots(len(epochs), 2, figsize=(9, 4.6 * len(epochs)), squeeze=False)
for row, e in enumerate(epochs):
    for col, m in enumerate(("mlp", "dcgan")):
        axes[row, col].imshow(grids[m, e])
        axes[row, col].set_title(f"{'MLP GAN' if m == 'mlp' else 'DCGAN'}, epoch {e}")
        axes[row, col].axis("off")
fig.tight_layout()
save(fig, args, "mlp_vs_dcgan_samples.png")

# The two generators, sampled once more from their checkpoints (eval mode, as GAN.sample does):
from minigan.training import generator_from_checkpoint  # noqa: E402

z = on_backend(numpy.random.default_rng(args.seed + 7).standard_normal((256, 100)).astype(numpy.float32))
stats = {}
for m in ("mlp", "dcgan"):
    G_trained, _ = generator_from_checkpoint(str(run_root / m / "checkpoint.pkl"), backend_name=args.backend)
    with minigan.no_grad():
        samples = G_trained(z).numpy().reshape(256, -1)
    stats[m] = samples
    print(f"{m.upper():>5} samples: shape {samples.shape}, range [{samples.min():.3f}, {samples.max():.3f}], "
          f"mean pixel {samples.mean():+.3f} (MNIST {data_mean:+.3f})")
    check(samples.min() >= -1 and samples.max() <= 1, f"the {m.upper()} generator's samples lie in [-1, 1]")
g0, _ = build_gan("dcgan")
g0.eval()
with minigan.no_grad():
    untrained_mean = float(g0.to(args.backend)(z).numpy().mean())
print(f"an untrained DCGAN generator's mean pixel: {untrained_mean:+.3f}")
check(abs(stats["dcgan"].mean() - data_mean) < abs(untrained_mean - data_mean),
      "training moved the DCGAN's mean pixel towards MNIST's (the dark background is learned first)")

for m in ("mlp", "dcgan"):
    print(f"curves of the {m.upper()} run: {os.path.relpath(run_root / m / 'curves.png')}")

# %%
print(f"\nlesson finished in {time.perf_counter() - t_start:.1f} s "
      f"(MLP GAN {seconds['mlp']:.1f} s, DCGAN {seconds['dcgan']:.1f} s)")
