"""Lesson 12: the course's DCGAN on MNIST, next to the course's MLP GAN.

What you learn here:
  * the DCGAN of the course, built with minigan: its printout is the course's, layer for layer;
  * the architecture guidelines of the DCGAN paper (Radford et al. 2016) -- strided and
    transposed convolutions instead of pooling, batch norm in both networks except G's output
    and D's input, no fully connected hidden layers, ReLU in the generator (tanh at its output),
    LeakyReLU in the discriminator -- each checked on the course's model;
  * the hyper-parameters of the course's table (Adam with lr 2e-4 and betas (0.5, 0.999),
    batch 128, noise of size 100, binary cross-entropy, 100 epochs; ReLU in the generator and
    LeakyReLU with slope 0.2 in the discriminator);
  * how to train it with ``minigan.training.train(TrainConfig(...))``, which saves sample grids
    from one fixed noise batch at chosen epochs (the course shows epochs 5, 50 and 100);
  * how to judge a run with something other than its own training numbers: the trained
    discriminator on held-out test images, and the distance (FID) of the samples to MNIST in
    the features of minigan's shipped MNIST classifier, against an untrained generator;
  * that "the generator learns the dark background first" is a claim to measure, not to assume;
  * a latent interpolation (``minigan sample --interpolate``): walking in a straight line between
    two noise vectors changes the image gradually, as Radford et al. show for their DCGANs;
  * how its samples compare with those of the MLP GAN trained on the same schedule.

The full run is the course's experiment: 100 epochs of both models (hours on a CPU, minutes on
a GPU with --backend cupy; an interrupted full run continues from its last checkpoint). With
--quick both models train on 768 images for one epoch of 12 steps at batch 64, so you see the
whole pipeline in seconds (and samples that are, of course, still blobs).

Notation: x is a real MNIST image (1x28x28, pixels in [-1, 1]), z a noise vector of size 100
(``z_dim``), G the generator (``DCGAN_Generator``, or the MLP GAN's), D the discriminator, D(x)
its probability that x is real, G(z) a generated image; FID is the Frechet distance between the
classifier features of two image sets (``minigan.metrics``).

Source: minigan/models/dcgan.py, minigan/training/run.py, minigan/training/gan.py, minigan/cli.py, minigan/metrics/fid.py

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
    test_set = MNIST(split="test", download=False)       # held-out images, for judging the runs
except DatasetNotFoundError as e:
    print(f"MNIST is not available on this machine, so this lesson cannot run.\n{e}\n"
          "Point MINIGAN_DATA_DIR at a folder holding the training and test files "
          "(train-images-idx3-ubyte(.gz), t10k-images-idx3-ubyte(.gz) and their labels), then run the lesson again.", file=sys.stderr)
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

# %% [markdown]
# ### The DCGAN paper's guidelines, checked on the model
# Radford et al. (2016) list what made deep convolutional GANs train stably:
# 1. no pooling: strided convolutions downsample in D, transposed ("fractionally strided")
#    convolutions upsample in G, so the networks learn their own resampling;
# 2. batch norm in both networks, but not on G's output layer nor on D's input layer (applying it
#    there made their samples oscillate and training unstable);
# 3. no fully connected hidden layers (D's last convolution is flattened straight into its one
#    output unit; G's first transposed convolution takes z as a 1x1 image);
# 4. ReLU in G for every layer except the output, which is tanh;
# 5. LeakyReLU in D for every layer (the paper's slope is 0.2).
# (They also train with Adam, lr 2e-4 and beta1 = 0.5, which section 3 checks.) We read each
# rule off the course's modules.

# %%
kinds_G = [type(m).__name__ for m in G.G]
kinds_D = [type(m).__name__ for m in D.D]
pool_like = {"MaxPool2d", "AvgPool2d", "Upsample"}
resize_G = [m.stride for m in G.G if isinstance(m, nn.ConvTranspose2d)]
resize_D = [m.stride for m in D.D if isinstance(m, nn.Conv2d)]
print("G:", " -> ".join(kinds_G))
print("D:", " -> ".join(kinds_D))
check(not pool_like & set(kinds_G + kinds_D) and (2, 2) in resize_G and (2, 2) in resize_D,
      "guideline 1: no pooling or fixed upsampling; stride-2 convolutions resize in both networks")
check(kinds_G.count("BatchNorm2d") == 2 and kinds_D.count("BatchNorm2d") == 1
      and kinds_G[-2] == "ConvTranspose2d" and "BatchNorm2d" not in kinds_G[-2:]
      and kinds_D[0] == "Conv2d" and kinds_D[1] != "BatchNorm2d",
      "guideline 2: batch norm in both networks, but not on G's output layer nor on D's input layer")
check(kinds_G.count("Linear") == 0 and kinds_D.count("Linear") == 1 and kinds_D[-2] == "Linear",
      "guideline 3: no fully connected hidden layers (D's only Linear layer is its output)")
check([k for k in kinds_G if k in ("ReLU", "LeakyReLU", "Tanh", "Sigmoid")] == ["ReLU", "ReLU", "Tanh"],
      "guideline 4: the generator uses ReLU in every layer but the last, which is tanh")
check([k for k in kinds_D if k in ("ReLU", "LeakyReLU", "Tanh")] == ["LeakyReLU", "LeakyReLU"]
      and {m.negative_slope for m in D.modules() if isinstance(m, nn.LeakyReLU)} == {0.2},
      "guideline 5: the discriminator uses LeakyReLU(0.2) in its hidden layers (and a sigmoid output)")

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
g_acts = {type(m).__name__ for m in G.modules() if isinstance(m, (nn.ReLU, nn.LeakyReLU))}
check(slopes == {0.2} and g_acts == {"ReLU"},
      "the discriminator's LeakyReLU slope is 0.2, while the generator uses plain ReLU (no LeakyReLU)")

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
    check(all(numpy.isfinite(h[k]).all() for k in ("d_loss", "g_loss", "d_x", "d_g_z")),
          f"the {model.upper()} run's losses stay finite")

# %% [markdown]
# The history's D(x) and D(G(z)) are averages over the training batches, measured while D was
# being fitted to those very batches, so "D(x) > D(G(z))" there says little. A fairer test:
# the trained discriminator (from the checkpoint) on 512 *held-out* test images against 512
# fresh samples from the trained generator, fed as it was trained -- in training mode, in
# separate real and fake batches of the run's batch size. Evaluation mode is printed too: after
# a short run the DCGAN discriminator's running batch-norm statistics are far from its batches'
# (lesson 11), and in eval mode it may not tell the two sets apart at all.

# %%
from minigan.training import generator_from_checkpoint  # noqa: E402
from minigan.training.run import load_checkpoint  # noqa: E402

x_test = on_backend(test_set.images[:512])
z = on_backend(numpy.random.default_rng(args.seed + 7).standard_normal((512, 100)).astype(numpy.float32))
trained_G, samples = {}, {}
for model, h in histories.items():
    trained_G[model], _ = generator_from_checkpoint(str(run_root / model / "checkpoint.pkl"), backend_name=args.backend)
    _, D_trained = build_gan(model)
    D_trained.load_state_dict(load_checkpoint(str(run_root / model))["D"])
    D_trained
    bs = schedule["batch_size"]
    with minigan.no_grad():
        samples[model] = trained_G[model](z)
        scores = {}
        for mode in ("train", "eval"):
            D_trained.train(mode == "train")
            scores[mode] = [float(numpy.mean([D_trained(batch[i:i + bs]).numpy().mean() for i in range(0, 512, bs)]))
                            for batch in (x_test, samples[model])]
        d_real, d_fake = scores["train"]
    samples[model] = samples[model].numpy().reshape(-1, 1, 28, 28)
    print(f"{model.upper():>5}: last training epoch D(x) {h['d_x'][-1]:.3f}, D(G(z)) {h['d_g_z'][-1]:.3f}; "
          f"held out, training mode: D(test images) {d_real:.3f}, D(fresh samples) {d_fake:.3f}; "
          f"eval mode: {scores['eval'][0]:.3f}, {scores['eval'][1]:.3f}")
    check(d_real > d_fake, f"the trained {model.upper()} discriminator scores held-out test images higher than "
                           "fresh samples of its generator")

# %% [markdown]
# ## 5. The samples, side by side
#
# The full runs behind this lesson are in `docs/experiments/README.md` (commands, machine, times):
# the MLP GAN for its 100 epochs and the DCGAN for 22 (a CPU run stopped by Ctrl-C; about 220 s
# an epoch on a shared 2-core CPU). At N = 10,000 (floor 3.2) the DCGAN at epoch 22 scores FID 94,
# recall 0.76, 9 of 10 classes; the MLP GAN at epoch 100 scores FID 198, recall 0.08, 7 of 10.
#
# ![DCGAN, epoch 5](../docs/experiments/dcgan_samples_epoch_005.png)
# ![DCGAN, epoch 22](../docs/experiments/dcgan_samples_epoch_022.png)
# ![MLP GAN, epoch 100](../docs/experiments/mlp_samples_epoch_100.png)
# ![DCGAN FID over training](../docs/experiments/dcgan_fid.png)
#
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

# %% [markdown]
# ### Did training bring the samples closer to MNIST?
# Judged by a network that took no part in training: minigan's shipped MNIST classifier
# (``minigan.metrics``). FID compares the mean and covariance of its 500 penultimate features
# on two image sets; lower is closer. With 512 images FID is biased upwards (the convention is
# 10,000; lesson 14 does it properly), so we only compare FIDs at the same N: each trained
# generator against an untrained one, both against 512 test images.

# %%
from minigan.metrics import classify, fid_from_features, load_classifier  # noqa: E402

judge = load_classifier(backend_name=args.backend)
real_features, _ = classify(judge, x_test.numpy())
g0, _ = build_gan("dcgan")
g0.eval()
with minigan.no_grad():
    untrained = g0(z).numpy()
fids = {name: float(fid_from_features(real_features, classify(judge, images)[0], warn=False))
        for name, images in (("untrained DCGAN", untrained), ("MLP", samples["mlp"]), ("DCGAN", samples["dcgan"]))}
print("FID to 512 test images (512 samples each): " + ", ".join(f"{k} {v:.1f}" for k, v in fids.items()))
for m in ("mlp", "dcgan"):
    check(samples[m].min() >= -1 and samples[m].max() <= 1, f"the {m.upper()} generator's samples lie in [-1, 1]")
check(fids["DCGAN"] < fids["untrained DCGAN"] and fids["MLP"] < fids["untrained DCGAN"],
      "both trained generators are closer to MNIST than an untrained DCGAN generator (FID in the features "
      "of minigan's MNIST classifier, at the same N)")

# %% [markdown]
# ### "The dark background is learned first"?
# The course says so. It is a claim about pixels, so we count them: the share of near-black
# pixels (below -0.8, i.e. darker than 10% grey) in the samples and in MNIST, where about four
# pixels in five are background.

# %%
black_share = {"MNIST test images": float((x_test.numpy() < -0.8).mean()),
               "untrained DCGAN": float((untrained < -0.8).mean()),
               **{f"{m.upper()} samples": float((samples[m] < -0.8).mean()) for m in ("mlp", "dcgan")}}
mean_pixel = {"MNIST test images": float(x_test.numpy().mean()), "untrained DCGAN": float(untrained.mean()),
              **{f"{m.upper()} samples": float(samples[m].mean()) for m in ("mlp", "dcgan")}}
for k in black_share:
    print(f"  {k:>18}: near-black pixels {100 * black_share[k]:5.1f}%, mean pixel {mean_pixel[k]:+.3f}")
if args.quick:
    # What the quick run shows; the full run prints its own numbers above instead.
    check(black_share["DCGAN samples"] < 0.5 * black_share["MNIST test images"],
          "after one quick epoch (12 steps) the DCGAN has not learned the dark background: its share of "
          "near-black pixels is less than half of MNIST's")
# In the quick run (seed 0) no generated pixel is near black, against 84% of MNIST's, and the
# mean pixel has barely moved from the untrained generator's (printed above): nothing like a
# background has been learned yet, so "background first" is not what the first steps show.
# What a long run learns first is for its epoch-by-epoch grids and these counts to show; the
# course gives no measurement for its claim.

# %% [markdown]
# ### A walk in the latent space
# Radford et al. (2016) walk in a straight line between two noise vectors and show that the
# images change gradually (no sudden jumps, which would hint at memorised training images).
# minigan's command does this: ``minigan sample --checkpoint RUN --interpolate`` writes rows of
# images G((1 - t) z_0 + t z_1) for t from 0 to 1. We run that command on the DCGAN's
# checkpoint and measure, on the grid it writes, how much each step changes the image. (After a
# quick run the images are blobs; the walk is meaningful after the full run.)

# %%
import minigan.cli  # noqa: E402

walk_png = args.out / "latent_interpolation.png"
status = minigan.cli.main(["sample", "--checkpoint", str(run_root / "dcgan"), "--interpolate", "--n", "32",
                           "--nrow", "8", "--seed", str(args.seed), "--out", str(walk_png),
                           "--backend", args.backend])
walk = matplotlib.image.imread(str(walk_png))
walk = walk[..., 0] if walk.ndim == 3 else walk
pad, size = 2, 28                                          # save_image_grid's default layout
tiles = numpy.array([[walk[pad + r * (size + pad):pad + r * (size + pad) + size,
                           pad + c * (size + pad):pad + c * (size + pad) + size] for c in range(8)]
                     for r in range(4)])                   # (rows, steps, 28, 28), values in [0, 1]
steps = numpy.abs(numpy.diff(tiles, axis=1)).mean(axis=(2, 3))          # (rows, 7): change per step
ends = numpy.abs(tiles[:, -1] - tiles[:, 0]).mean(axis=(1, 2))           # (rows,): start to end
print(f"minigan sample --interpolate exited with {status}; per row, largest single step / whole walk: "
      f"{numpy.round(steps.max(axis=1) / ends, 2)} (a straight, even walk of 7 steps would give 0.14)")
check(status == 0 and numpy.all(ends > 0) and numpy.all(steps.max(axis=1) < 0.5 * ends),
      "along a straight line in z the generated image changes gradually: no single step of 7 does half "
      "the change from the first image to the last")
for m in ("mlp", "dcgan"):
    print(f"curves of the {m.upper()} run: {os.path.relpath(run_root / m / 'curves.png')}")

# %%
print(f"\nlesson finished in {time.perf_counter() - t_start:.1f} s "
      f"(MLP GAN {seconds['mlp']:.1f} s, DCGAN {seconds['dcgan']:.1f} s)")
