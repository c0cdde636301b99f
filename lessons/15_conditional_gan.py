"""Lesson 15: the conditional GAN, asking the generator for a digit.

What you learn here:
  * the problem: the GAN of lessons 07 and 12 draws *some* digit; nothing in z says which, so
    one cannot ask it for a 7;
  * the conditional GAN (Mirza & Osindero, 2014): G and D both receive the class label y
    (a learned embedding joined to z, and to D's input), and the game is the GAN's with every
    term conditioned on y; trained with minigan.training.cgan.ConditionalGAN;
  * measured with the shipped MNIST classifier (minigan.metrics): the share of samples that it
    assigns to the requested label, against the chance level 1/10, and a grid with one
    requested class per row.

Notation: x a real image (``real``), y its label (``labels``), z the noise (``gan.noise``),
G(z | y) the generator (``gan.G(z, y)``), D(x | y) the discriminator (``gan.D(x, y)``);
"label accuracy" = share of samples G(z | y) that the classifier predicts as y.

Paper: Mirza & Osindero (2014), Conditional Generative Adversarial Nets. The trainer's
defaults are the course GAN's (Adam 2e-4, betas (0.5, 0.999), k 1, batch 128; the paper
itself used SGD with momentum). To show the effect in a short CPU run this lesson trains the
MLP form with Adam lr 1e-3 (5x the default) at batch 64: 1,200 steps on 8,192 images in quick
mode, 5,000 on the whole training set in full mode. Mode collapse and the other failures of
lesson 13 still apply to each class; this variant adds control, not stability.

Needs MNIST (exits with status 2 without it): set MINIGAN_DATA_DIR.

Source: minigan/training/cgan.py, minigan/models/conditional.py

Run:  MINIGAN_DATA_DIR=/path/to/mnist python lessons/15_conditional_gan.py [--quick] [--backend cupy]
"""
# %% [markdown]
# # The conditional GAN
# Give both players the label. The generator learns to draw the requested digit, because a
# discriminator that knows which digit it should be looking at rejects a well-drawn wrong one.

# %%
import math
import sys
import time

import matplotlib.pyplot as plt
import numpy

from _common import check, save, setup

import minigan
from minigan.data import MNIST, DatasetNotFoundError
from minigan.metrics import accuracy, classify, load_classifier
from minigan.training.cgan import ConditionalGAN
from minigan.training.figures import image_grid

args = setup("15_conditional_gan", "The conditional GAN (Mirza & Osindero 2014) on MNIST: G(z | y) draws the "
                                   "requested digit, judged by the shipped classifier against chance (1/10).")
t_start = time.perf_counter()

try:
    train_set = MNIST(split="train", download=False)
    test_set = MNIST(split="test", download=False)
except DatasetNotFoundError as e:
    print(f"MNIST was not found, so this lesson cannot run.\n\n{e}\n\n"
          "Point MINIGAN_DATA_DIR at a folder with the four IDX files, e.g.\n"
          "  MINIGAN_DATA_DIR=/path/to/mnist python lessons/15_conditional_gan.py", file=sys.stderr)
    sys.exit(2)
if args.quick:
    train_set = train_set.subset(8192)
STEPS, BATCH, LR = (1200, 64, 1e-3) if args.quick else (5000, 64, 1e-3)
PER_CLASS = 50 if args.quick else 200
classifier = load_classifier("mnist", args.backend)

# %% [markdown]
# ## 1. The judge
# The shipped classifier (minigan.metrics) decides which digit a generated image shows. First
# we make sure it is a fair judge on real test images it never saw in training.

# %%
n_test = 1000 if args.quick else 10000
# a random subset: the test set's first and second halves come from different writers
idx = numpy.random.default_rng(args.seed).permutation(len(test_set))[:n_test]
acc_real = accuracy(classifier, test_set.images[idx], test_set.labels[idx])
print(f"the classifier's accuracy on {n_test} real test images: {100 * acc_real:.1f}%")
check(acc_real > 0.95, "the shipped classifier labels real test digits correctly more than 95% of the time")

# %% [markdown]
# ## 2. The networks and the hyper-parameters
# G(z | y) = G_base([z, E_G(y)]) and D(x | y) = D_base([x, E_D(y)]): the course's MLPs with
# their inputs widened by a learned 10-number embedding of the label.

# %%
minigan.manual_seed(args.seed)
gan = ConditionalGAN(*ConditionalGAN.build_models("mlp"), z_dim=100, lr=LR)
print(gan.G)
print(gan.D)
print(f"\n{gan.title} ({gan.paper}): {gan.describe()}; batch {BATCH}, {STEPS} steps")

eval_rng = numpy.random.default_rng(args.seed + 1)
z_eval, y_eval = ConditionalGAN.class_grid_inputs(eval_rng, 100, per_class=PER_CLASS)
z_eval = minigan.tensor(z_eval.astype(numpy.float32))


def label_accuracy():
    """(share of G(z | y) classified as y, per-class shares, the predictions)."""
    images = gan.sample(z_eval, minigan.tensor(y_eval)).numpy().reshape(-1, 1, 28, 28)
    _, probs = classify(classifier, images)
    pred = minigan.backend.to_numpy(probs).argmax(axis=1)
    per_class = [float((pred[y_eval == c] == c).mean()) for c in range(10)]
    return float((pred == y_eval).mean()), per_class, pred


acc_before, _, pred_before = label_accuracy()
print(f"untrained: {100 * acc_before:.1f}% of the samples show the requested digit "
      f"(the classifier calls {100 * numpy.bincount(pred_before, minlength=10).max() / len(pred_before):.0f}% "
      "of these noise images the same digit)")

# %% [markdown]
# ## 3. Training
# Each step is `ConditionalGAN.train_step(real, labels)`: D sees real pairs (x, y) and fake pairs
# (G(z | y'), y') with uniformly drawn y', then G takes a step on fresh z and y.

# %%
order = numpy.random.default_rng(args.seed).permutation(len(train_set))
t0 = time.perf_counter()
history = []
checkpoints = {STEPS // 4, STEPS // 2, 3 * STEPS // 4, STEPS}
for step in range(1, STEPS + 1):
    start = ((step - 1) * BATCH) % (len(order) - BATCH)
    batch = order[start:start + BATCH]
    out = gan.train_step(minigan.tensor(train_set.images[batch]), minigan.tensor(train_set.labels[batch]))
    if not all(math.isfinite(float(v)) for v in out.values()):
        raise RuntimeError(f"a loss became non-finite at step {step}: {out}")
    if step in checkpoints:
        acc, per_class, pred = label_accuracy()
        history.append((step, acc))
        print(f"  step {step:5d} ({time.perf_counter() - t0:5.1f} s): D loss {float(out['d_loss']):.3f}, "
              f"G loss {float(out['g_loss']):.3f}, label accuracy {100 * acc:.1f}%")
print("  per requested class: " + "  ".join(f"{c}: {100 * a:.0f}%" for c, a in enumerate(per_class)))

# %% [markdown]
# ## 4. The check: does G draw the digit it was asked for?
# Chance is 10%: a generator that ignores y and draws digits at random matches the request one
# time in ten (and the untrained one, which draws noise, scored as above). Shuffling the
# requested labels against the same images is a second baseline: it keeps the classifier's
# predictions and breaks only the link to y.

# %%
shuffled = float((pred == numpy.random.default_rng(args.seed + 2).permutation(y_eval)).mean())
print(f"label accuracy after training: {100 * acc:.1f}% (chance 10%; untrained {100 * acc_before:.1f}%; the same "
      f"predictions against shuffled labels {100 * shuffled:.1f}%)")
check(acc_before < 0.2 and shuffled < 0.2, "before training, and with the labels shuffled, the label accuracy "
                                           "is near chance (below 20%)")
check(acc > 0.25 and acc > shuffled + 0.1,
      f"after {STEPS} steps more than 25% of the samples show the requested digit (2.5x chance), at least 10 "
      "points above the shuffled baseline: the label steers the generator")

images = gan.sample(z_eval, minigan.tensor(y_eval)).numpy()
rows = numpy.concatenate([images[y_eval == c][:10] for c in range(10)])
fig, ax = plt.subplots(figsize=(5.5, 5.8))
ax.imshow(image_grid(rows.reshape(-1, 1, 28, 28), nrow=10), cmap="gray", vmin=0, vmax=1)
ax.set_axis_off()
ax.set_title(f"G(z | y), one requested digit per row (y = 0..9)\nlabel accuracy {100 * acc:.0f}% after {STEPS} steps")
fig.tight_layout()
save(fig, args, "samples_by_class.png")

fig, ax = plt.subplots(figsize=(5, 3.5))
ax.plot([0] + [h[0] for h in history], [100 * acc_before] + [100 * h[1] for h in history], "o-")
ax.axhline(10, color="gray", ls="--", label="chance (10%)")
ax.set_xlabel("training step")
ax.set_ylabel("label accuracy (%)")
ax.legend()
fig.tight_layout()
save(fig, args, "label_accuracy.png")

# %% [markdown]
# ## Summary
# * A conditional GAN feeds the label to both players; the generator can then be asked for a
#   class (`minigan sample --label 7`, and `--grid-by-class` for the grid above).
# * Its success is measured by an independent classifier: the share of samples that show the
#   requested class, read against chance (1/10).
# * Short, fast runs (a learning rate 5x the default) show the effect: at seed 0, 40% after the
#   1,200 quick steps, 86% after the 5,000 steps of the full mode (measured on a 2-core CPU,
#   2026-12-02); the images themselves need the long runs of lessons 07 and 12.

# %%
print(f"\nlesson finished in {time.perf_counter() - t_start:.1f} s")
