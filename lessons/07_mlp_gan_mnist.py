"""Lesson 07: the course's MLP GAN on MNIST.

What you learn here:
  * the exact MLP generator and discriminator of the course report, and its hyper-parameters
    (learning rate 2e-4, batch 128, z of size 100, BCE, Adam with betas (0.5, 0.999),
    LeakyReLU slope 0.2, 100 epochs);
  * how to run a real GAN training job with ``minigan.training.train`` (checkpoints, history,
    sample grids from one fixed noise batch, so epochs can be compared);
  * the optimiser: Adam, and why the course (after Radford et al. 2016) uses beta1 = 0.5, not
    0.9: momentum amplifies the rotation of a two-player game (checked on the bilinear game);
  * how to read the curves: the two losses, and the discriminator's mean outputs D(x) on real
    and D(G(z)) on generated images (an untrained D cannot tell them apart; within a few dozen
    steps it can);
  * what the generator learns first, measured: the layout of the average digit in grey tones;
    the black background comes much later;
  * what the samples look like after 5, 50 and 100 epochs (full mode), or after a short run on
    a subset (--quick).

Notation: x a real image (``mnist.images``, pixels in [-1, 1]), z a noise vector of size 100
(``z_fixed``), G and D the course's MLPs (``Generator``, ``Discriminator``), D(x) and D(G(z)) the
discriminator's mean outputs on a real and on a generated batch (``steps["d_x"]``,
``steps["d_g_z"]``), lr, beta1, beta2 Adam's settings (``TrainConfig``), m and v Adam's running
means.

Needs MNIST: set MINIGAN_DATA_DIR to a folder holding the four IDX files (.gz or not).
Full mode trains the real 100 epochs on the 22,699-image prefix of the training set that the
course machines hold: 2.5 minutes on a quiet 2-core CPU (2026-11-22, OPENBLAS_NUM_THREADS=1),
9 min 30 s on the same machine shared with other jobs (2026-12-02). That full run, with its
grids at epochs 5, 50 and 100, its curves and its FID over training, is in
docs/experiments/README.md.

Source: minigan/models/mlp.py, minigan/training/run.py, minigan/training/gan.py, minigan/optim/adam.py

Run:  MINIGAN_DATA_DIR=/path/to/mnist python lessons/07_mlp_gan_mnist.py [--quick] [--backend cupy]
"""
# %% [markdown]
# # The MLP GAN on MNIST

# %%
import math
import sys

import numpy

from _common import check, save, setup

import minigan
from minigan.data import MNIST, DatasetNotFoundError
from minigan.models import Discriminator, Generator
from minigan.optim import Adam
from minigan.training import TrainConfig, generator_from_checkpoint, train
from minigan.training.figures import image_grid

args = setup("07_mlp_gan_mnist", "The course's MLP GAN trained on MNIST with its hyper-parameters: sample "
                       "grids over the epochs, the losses, and D(x) against D(G(z)).")

# %% [markdown]
# ## 1. The data
# minigan reads MNIST from $MINIGAN_DATA_DIR (or its cache); the lesson never downloads. Pixels
# arrive scaled to [-1, 1], the range of the generator's Tanh (lesson 04).

# %%
try:
    mnist = MNIST(split="train", download=False)
except DatasetNotFoundError as e:
    print(f"MNIST was not found, so this lesson cannot run.\n\n{e}\n\n"
          "Point MINIGAN_DATA_DIR at a folder with train-images-idx3-ubyte(.gz) and "
          "train-labels-idx1-ubyte(.gz), e.g.\n  MINIGAN_DATA_DIR=/path/to/mnist python lessons/07_mlp_gan_mnist.py",
          file=sys.stderr)
    sys.exit(2)
print(mnist)
if len(mnist) < 60000:
    print(f"note: this copy holds {len(mnist):,} of MNIST's 60,000 training images, so an epoch here has "
          f"{-(-len(mnist) // 128)} steps of 128 instead of 469")
if args.quick:
    mnist = mnist.subset(8192)
    print(f"--quick: training on the first {len(mnist)} images only")
check(mnist.images.min() == -1.0 and mnist.images.max() == 1.0, "the training images are scaled to [-1, 1]")

# %% [markdown]
# ## 2. The hyper-parameters and the two networks
# `TrainConfig`'s defaults are the course's table. The printouts below are the course's, line for
# line: minigan's layers print exactly as PyTorch's do.

# %%
config = TrainConfig(model="mlp", backend=args.backend, seed=args.seed, out=str(args.out / "run"),
                     progress=False, epochs=2 if args.quick else 100,
                     sample_epochs=(1, 2) if args.quick else (5, 50, 100))
defaults = TrainConfig()
table = [("learning rate", defaults.lr), ("batch size", defaults.batch_size), ("noise vector size z", defaults.z_dim),
         ("loss", "binary cross-entropy (nn.BCELoss)"), ("optimizer", "Adam"), ("Adam beta1", defaults.beta1),
         ("Adam beta2", defaults.beta2), ("LeakyReLU slope (G and D)", Generator().G[1].negative_slope),
         ("epochs", defaults.epochs), ("image size", "28x28"), ("channels", 1)]
print("\nhyper-parameters (the course's table; minigan's TrainConfig defaults):")
for name, v in table:
    print(f"  {name:28s} {v}")
check((defaults.lr, defaults.batch_size, defaults.z_dim, defaults.beta1, defaults.beta2, defaults.epochs)
      == (2e-4, 128, 100, 0.5, 0.999, 100), "TrainConfig's defaults are the course's hyper-parameters")
if args.quick:
    print(f"--quick changes only the length: {config.epochs} epochs of {len(mnist)} images")

# %% [markdown]
# ### The optimiser: Adam, and why beta1 = 0.5
# Plain gradient descent moves each parameter by -lr * g. Momentum keeps a running mean of the
# gradients and moves along it. Adam (Kingma & Ba 2015) keeps two running means per parameter,
#     m <- beta1 m + (1 - beta1) g,     v <- beta2 v + (1 - beta2) g^2,
# corrects their start from 0 (m_hat = m / (1 - beta1^t), v_hat = v / (1 - beta2^t)) and moves by
#     -lr * m_hat / (sqrt(v_hat) + eps).
# The division makes each step about lr in size whatever the scale of that parameter's
# gradient: on the first step exactly lr * g / (|g| + eps). Radford et al. (2016) found that
# the usual beta1 = 0.9 made GAN training oscillate and be unstable, and that 0.5 helped (with
# lr 2e-4, the course's values). A reason: a GAN's gradient field rotates around the
# equilibrium (lesson 13's Dirac GAN), and momentum carries each player further along the
# rotation before the other can answer, so the players spiral outwards. Below, both checked:
# Adam's first step against the formula, and alternating Adam on the smallest such game,
# min over x, max over y of x*y (equilibrium at 0), with beta1 = 0, 0.5 and 0.9.

# %%
scales = numpy.array([1e-4, 1e-2, 1.0, 1e2])
param = minigan.tensor(numpy.zeros(4), dtype=minigan.float64, requires_grad=True)
first = Adam([param], lr=2e-4, betas=(0.5, 0.999))
(param * minigan.tensor(scales)).sum().backward()           # gradient = the scales
first.step()
expected_step = -2e-4 * scales / (scales + 1e-8)           # m_hat = g, v_hat = g^2 on step 1
print(f"Adam's first step for gradients {scales}: {param.numpy()}")
check(numpy.allclose(param.numpy(), expected_step, rtol=1e-9, atol=0),
      "Adam's first step is -lr g / (|g| + eps): about lr for every parameter, whatever its gradient's scale")

game_steps = 1500
radii = {}
for beta1 in (0.0, 0.5, 0.9):
    px = minigan.tensor([1.0], dtype=minigan.float64, requires_grad=True)
    py = minigan.tensor([1.0], dtype=minigan.float64, requires_grad=True)
    opt_x, opt_y = Adam([px], lr=0.01, betas=(beta1, 0.999)), Adam([py], lr=0.01, betas=(beta1, 0.999))
    for _ in range(game_steps):
        opt_x.zero_grad()
        (px * py).sum().backward()            # x descends x*y
        opt_x.step()
        opt_y.zero_grad()
        (-(px * py)).sum().backward()         # y ascends x*y
        opt_y.step()
    radii[beta1] = math.hypot(px.item(), py.item())
print(f"min_x max_y x*y from (1, 1), radius {math.sqrt(2):.3f}; after {game_steps} alternating Adam steps (lr 0.01): "
      + ", ".join(f"beta1 {b}: {r:.3f}" for b, r in radii.items()))
check(radii[0.9] > math.sqrt(2) and radii[0.9] > 1.5 * radii[0.5],
      "on the bilinear game, Adam with beta1 = 0.9 spirals away from the equilibrium, far more than with 0.5")


COURSE_G = """Generator(
  (G): Sequential(
    (0): Linear(in_features=100, out_features=128, bias=True)
    (1): LeakyReLU(negative_slope=0.2, inplace=True)
    (2): Linear(in_features=128, out_features=256, bias=True)
    (3): LeakyReLU(negative_slope=0.2, inplace=True)
    (4): Linear(in_features=256, out_features=784, bias=True)
    (5): Tanh()
  )
)"""
COURSE_D = """Discriminator(
  (D): Sequential(
    (0): Linear(in_features=784, out_features=256, bias=True)
    (1): LeakyReLU(negative_slope=0.2, inplace=True)
    (2): Linear(in_features=256, out_features=128, bias=True)
    (3): LeakyReLU(negative_slope=0.2, inplace=True)
    (4): Linear(in_features=128, out_features=1, bias=True)
    (5): Sigmoid()
  )
)"""
minigan.manual_seed(args.seed)
G0, D0 = Generator(), Discriminator()
print()
print(G0)
print(D0)
check(repr(G0) == COURSE_G, "the generator prints exactly as in the course")
check(repr(D0) == COURSE_D, "the discriminator prints exactly as in the course")
n_g = sum(p.numel() for p in G0.parameters())
n_d = sum(p.numel() for p in D0.parameters())
print(f"parameters: G {n_g:,}, D {n_d:,}")
check(n_g == 100 * 128 + 128 + 128 * 256 + 256 + 256 * 784 + 784 and n_d == 784 * 256 + 256 + 256 * 128 + 128 + 129,
      "G has 247,440 parameters and D 233,985 (weights plus biases of three Linear layers each)")

# an untrained generator's pixels sit near 0 (grey); the data is mostly black background (-1)
z_fixed = minigan.tensor(numpy.random.default_rng(args.seed + 1).standard_normal((64, 100)).astype(numpy.float32))
with minigan.no_grad():
    untrained = G0(z_fixed).numpy()
data_mean = float(mnist.images[:1000].mean())
print(f"mean pixel: data {data_mean:.3f}, untrained generator {untrained.mean():.3f}")

# %% [markdown]
# ### What does the generator learn first?
# A separate short run with the same settings (the course's G and D, batch 128, Adam 2e-4,
# betas (0.5, 0.999)) on the same images, measured every few steps on 256 fixed noise vectors:
#   * how much the *mean* generated image looks like the data's mean image (their correlation
#     over the 784 pixels): where the ink goes on average;
#   * the mean of the border rows against the centre: a dark frame around a lighter middle;
#   * the share of black pixels (< -0.9): the data's background is about 80% of all pixels.
# (An earlier version of this lesson said the generator learns "the dark background first";
# the measurement says otherwise: the layout comes first, in grey, and black pixels much later.)

# %%
from minigan.training import GAN  # noqa: E402

minigan.manual_seed(args.seed)
probe = GAN(Generator(), Discriminator(), 100)
z_probe = minigan.tensor(numpy.random.default_rng(args.seed + 2).standard_normal((256, 100)).astype(numpy.float32))
data_mean_image = mnist.images[:1000].reshape(1000, -1).mean(axis=0)
data_black = float((mnist.images[:1000] < -0.9).mean())
probe_order = numpy.random.default_rng(args.seed).permutation(len(mnist))
early = {}
for step in range(129):
    if step in (0, 16, 32, 64, 128):
        s = probe.sample(z_probe).numpy().reshape(256, 28, 28)
        early[step] = dict(corr=float(numpy.corrcoef(s.reshape(256, -1).mean(axis=0), data_mean_image)[0, 1]),
                           border=float(s[:, :4].mean()), centre=float(s[:, 10:18, 10:18].mean()),
                           black=float((s < -0.9).mean()))
    if step < 128:
        batch_idx = probe_order[(step * 128) % (len(mnist) - 128):][:128]
        probe.train_step(minigan.tensor(mnist.images[batch_idx]))
print("  step   corr(mean image, data's)   border rows   centre   black pixels")
for step, e in early.items():
    print(f"  {step:4d}   {e['corr']:22.2f}   {e['border']:11.2f}   {e['centre']:6.2f}   {100 * e['black']:10.1f}%")
print(f"  data   {1.0:22.2f}   {float(mnist.images[:1000, 0, :4].mean()):11.2f}   "
      f"{float(mnist.images[:1000, 0, 10:18, 10:18].mean()):6.2f}   {100 * data_black:10.1f}%")
e64 = early[64]
check(early[0]["corr"] < 0.3 and e64["corr"] > 0.5,
      "within 64 steps the mean generated image takes the data's layout (correlation with it from < 0.3 to > 0.5)")
check(e64["border"] < e64["centre"] - 0.2, "by then the border is darker than the centre: a blurred average digit")
check(e64["black"] < 0.05 < data_black,
      "but the background is not black yet: under 5% black pixels after 64 steps against ~80% in the data")


# %% [markdown]
# ## 3. Training
# `train` runs Algorithm 1 of the GAN paper with k = 1: per mini-batch one discriminator step on
# real and fresh fake images, then one generator step with the non-saturating loss -log D(G(z))
# (lesson 05). It writes checkpoints, the history and sample grids into the run folder.

# %%
history = train(config, overwrite=True, dataset=mnist)
steps = history["steps"]
seconds = sum(history["seconds"])
print(f"trained {len(history['epoch'])} epochs ({len(steps['d_loss'])} steps) in {seconds:.1f} s "
      f"({seconds / len(history['epoch']):.1f} s per epoch)")

all_losses = numpy.array(steps["d_loss"] + steps["g_loss"])
check(numpy.isfinite(all_losses).all(), "every D and G loss of the run is finite")
# D(x) and D(G(z)) of each step are measured before that step's update: step 1 shows the
# untrained D, which has never seen either kind of image
gap = numpy.asarray(steps["d_x"]) - numpy.asarray(steps["d_g_z"])
print(f"D(x) - D(G(z)): {gap[0]:+.3f} at step 1 (untrained D), {gap[4:30].mean():+.3f} on average over steps 5-30")
check(abs(gap[0]) < 0.1, "an untrained D cannot tell real from fake: |D(x) - D(G(z))| < 0.1 at step 1")
check(gap[4:30].mean() > 0.2, "within a few dozen steps it can: D(x) - D(G(z)) > 0.2 on average over steps 5-30")

G, _ = generator_from_checkpoint(str(args.out / "run" / "checkpoint.pkl"), backend_name=args.backend)
with minigan.no_grad():
    samples = G(z_fixed).numpy()
print(f"samples of the trained generator: min {samples.min():.3f}, max {samples.max():.3f}, "
      f"mean {samples.mean():.3f} (data {data_mean:.3f}); share of black pixels (< -0.9) "
      f"{float((samples < -0.9).mean()):.2f} (data {float((mnist.images[:1000] < -0.9).mean()):.2f})")
# (they lie in [-1, 1] by construction: the generator ends with Tanh; nothing to check there)
moved = (samples.mean() - untrained.mean()) / (data_mean - untrained.mean())
check(moved > 1 / 3, "training moved the mean generated pixel at least a third of the way from the untrained "
      "generator's (about 0, grey) to the data's (dark)")

# %% [markdown]
# ## 4. Pictures: real digits, generated digits over the epochs, and the curves
#
# The course's full experiment (100 epochs, run with `examples/train_mlp_gan_mnist.py`; command,
# machine and time in `docs/experiments/README.md`) gave these grids at epochs 5, 50 and 100, and
# an FID (N = 2,000, floor 9.9) of 809, 296 and 195: still falling at epoch 100.
#
# ![epoch 5](../docs/experiments/mlp_samples_epoch_005.png)
# ![epoch 50](../docs/experiments/mlp_samples_epoch_050.png)
# ![epoch 100](../docs/experiments/mlp_samples_epoch_100.png)
# ![losses and D outputs](../docs/experiments/mlp_curves.png)
#
# Below, this run's own pictures (quick mode: a short run, so blurrier).

# %%
import matplotlib.pyplot as plt  # noqa: E402

fig, ax = plt.subplots(figsize=(5, 5))
ax.imshow(image_grid(mnist.images[:64]), cmap="gray", vmin=0, vmax=1)
ax.set_title("real MNIST digits")
ax.axis("off")
save(fig, args, "real_digits.png")

shown = [e for e in config.sample_epochs if e <= config.epochs]
fig, axes = plt.subplots(1, len(shown), figsize=(5 * len(shown), 5.3))
for ax, epoch in zip(numpy.atleast_1d(axes), shown):
    ax.imshow(plt.imread(args.out / "run" / f"samples_epoch_{epoch:03d}.png"))
    ax.set_title(f"after {epoch} epoch{'s' if epoch > 1 else ''}")
    ax.axis("off")
fig.suptitle("the same 64 noise vectors through the generator")
fig.tight_layout(rect=(0, 0, 1, 0.95))
save(fig, args, "samples_over_epochs.png")


def smooth(values, width):
    values = numpy.asarray(values, dtype=float)
    width = max(1, min(width, len(values)))
    return numpy.convolve(values, numpy.ones(width) / width, mode="valid")


width = 5 if args.quick else 200
steps_per_epoch = len(steps["d_loss"]) / len(history["epoch"])
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
for key, label in (("d_loss", "D loss"), ("g_loss", "G loss")):
    y = smooth(steps[key], width)
    ax1.plot((numpy.arange(len(y)) + width) / steps_per_epoch, y, label=label)
for key, label in (("d_x", "mean D(x), real"), ("d_g_z", "mean D(G(z)), fake")):
    y = smooth(steps[key], width)
    ax2.plot((numpy.arange(len(y)) + width) / steps_per_epoch, y, label=label)
ax2.axhline(0.5, color="gray", ls="--", lw=0.8, label="1/2: D cannot tell")
ax1.set_title(f"losses (moving average over {width} steps)")
ax2.set_title("discriminator outputs")
ax1.set_ylabel("BCE loss")
ax2.set_ylabel("mean output of D (probability of real)")
ax2.set_ylim(0, 1)
for ax in (ax1, ax2):
    ax.set_xlabel("epoch")
    ax.legend()
fig.tight_layout()
save(fig, args, "curves.png")

print(f"\nthe run folder {args.out / 'run'} also holds the checkpoint, history.csv and the sample grids.")
print("Next: lesson 08 builds the convolutions of the DCGAN.")
