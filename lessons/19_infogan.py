"""Lesson 19: InfoGAN, a code that the generator must make readable.

What you learn here:
  * the problem: a GAN's noise z is entangled; no coordinate of z says "which digit", and
    nothing in the game asks for one;
  * InfoGAN (Chen et al., 2016): beside z, G gets a categorical code c (10 values) and two
    continuous codes c' in [-1, 1]; a head Q sharing D's body reads the codes back from the
    image, and both G and Q minimise L_I, a variational bound on the mutual information
    I(c; G(z, c, c')) (I >= H(c) - L_I_cat, with H(c) = ln 10); trained with
    minigan.training.infogan.InfoGAN;
  * measured without using any label in training: how well c predicts the digit that the
    shipped classifier sees (best one-to-one matching of the 10 code values to the 10 digits,
    minigan.metrics.matching_accuracy, the Hungarian algorithm), against chance.

Notation: x a real image (``real``), z the noise, c the categorical code (``c``), c' the
continuous codes (``c_cont``), G(z, c, c') the generator (``gan.G(z, c, c_cont)``), D the
discriminator and Q its code head (``gan.D.heads(x)`` gives D(x), Q's logits for c, Q's mean
for c'), L_I the information loss (``gan.information_loss``), lambda_cat, lambda_cont its
weights.

Paper: Chen et al. (2016), InfoGAN: lambda_cat = lambda_cont = 1 for MNIST (the trainer's
defaults), one categorical code of 10 values, two continuous codes; the trainer uses the
course's Adam (2e-4, betas (0.5, 0.999)) for both players and z of size 100 (the paper 62,
and lr 1e-3 for G). To show the effect in a short CPU run this lesson trains the MLP form
with lr 1e-3 at batch 64: 800 steps on 8,192 images in quick mode, 4,000 on the whole
training set in full mode. Mode collapse (lesson 13) shows here as code values that all draw
the same digit.

Needs MNIST (exits with status 2 without it): set MINIGAN_DATA_DIR.

Source: minigan/training/infogan.py, minigan/models/infogan.py, minigan/metrics/matching.py

Run:  MINIGAN_DATA_DIR=/path/to/mnist python lessons/19_infogan.py [--quick] [--backend cupy]
"""
# %% [markdown]
# # InfoGAN: make a code mean something
# The conditional GAN of lesson 15 was *told* the labels. InfoGAN is told nothing: it only
# promises that a code of 10 values will be readable from the image. With digits, the easiest
# readable thing a 10-valued code can control is, often, the digit.

# %%
import math
import sys
import time

import matplotlib.pyplot as plt
import numpy

from _common import check, save, setup

import minigan
from minigan.data import MNIST, DatasetNotFoundError
from minigan.metrics import classify, contingency_table, load_classifier, matching_accuracy
from minigan.training.figures import image_grid
from minigan.training.infogan import InfoGAN

args = setup("19_infogan", "InfoGAN (Chen et al. 2016) on MNIST: a categorical code that Q reads back, and how "
                           "well it matches the digits the shipped classifier sees, against chance.")
t_start = time.perf_counter()

try:
    train_set = MNIST(split="train", download=False)
except DatasetNotFoundError as e:
    print(f"MNIST was not found, so this lesson cannot run.\n\n{e}\n\n"
          "Point MINIGAN_DATA_DIR at a folder with the four IDX files, e.g.\n"
          "  MINIGAN_DATA_DIR=/path/to/mnist python lessons/19_infogan.py", file=sys.stderr)
    sys.exit(2)
if args.quick:
    train_set = train_set.subset(8192)
STEPS, BATCH, LR = (800, 64, 1e-3) if args.quick else (4000, 64, 1e-3)
PER_CODE = 50 if args.quick else 200
classifier = load_classifier("mnist", args.backend)

# %% [markdown]
# ## 1. The networks and the information term
# G(z, c, c') = G_base([z, one_hot(c), c']); D and Q share a body; Q's head gives 10 logits for
# c and a mean for each c' (standard deviation fixed at 1). The information loss is
#
#     L_I = lambda_cat CE(Q_cat(x~), c) + lambda_cont E[ sum_j (c'_j - mu_j(x~))^2 / 2 ],  x~ = G(z, c, c')
#
# and the mutual-information bound is I(c; x~) >= H(c) - CE = ln 10 - CE: 0 when Q guesses,
# ln 10 = 2.30 when Q reads c perfectly.

# %%
minigan.manual_seed(args.seed)
gan = InfoGAN(*InfoGAN.build_models("mlp"), z_dim=100, lr=LR)
print(f"{gan.title} ({gan.paper}):\n  {gan.describe()}; batch {BATCH}, {STEPS} steps (labels never used)")

eval_rng = numpy.random.default_rng(args.seed + 1)
c_eval = numpy.repeat(numpy.arange(10), PER_CODE)
z_eval = minigan.tensor(eval_rng.standard_normal((len(c_eval), 100)).astype(numpy.float32))
cont_eval = minigan.tensor(eval_rng.uniform(-1, 1, (len(c_eval), 2)).astype(numpy.float32))


def measure():
    """(Q's accuracy at reading c back, the MI bound ln 10 - CE, the matching accuracy of c against
    the classifier's digit, the matching, the classifier's predictions) on the fixed evaluation batch."""
    images = gan.sample(z_eval, minigan.tensor(c_eval), cont_eval)
    gan.D.eval()
    with minigan.no_grad():
        _, logits, _ = gan.D.heads(images)
    gan.D.train()
    q_acc = float((logits.numpy().argmax(axis=1) == c_eval).mean())
    ce = float(minigan.functional.cross_entropy(logits, minigan.tensor(c_eval)).item())
    _, probs = classify(classifier, images.numpy().reshape(-1, 1, 28, 28))
    pred = minigan.backend.to_numpy(probs).argmax(axis=1)
    match, perm = matching_accuracy(c_eval, pred)
    return q_acc, math.log(10) - ce, match, perm, pred


# %% [markdown]
# ## 2. Training
# Each step is `InfoGAN.train_step(real)`: D and Q learn on real images and fakes with codes
# drawn from the prior (D's BCE + L_I), then G learns on fresh codes (non-saturating loss + L_I).
# No label is ever given.

# %%
order = numpy.random.default_rng(args.seed).permutation(len(train_set))
t0 = time.perf_counter()
history = [(0, *measure()[:3])]
print(f"  step     0: Q reads c {100 * history[0][1]:5.1f}%   MI bound {history[0][2]:5.2f} nats   "
      f"c-to-digit matching {100 * history[0][3]:5.1f}%")
for step in range(1, STEPS + 1):
    start = ((step - 1) * BATCH) % (len(order) - BATCH)
    out = gan.train_step(minigan.tensor(train_set.images[order[start:start + BATCH]]))
    if not all(math.isfinite(float(v)) for v in out.values()):
        raise RuntimeError(f"a loss became non-finite at step {step}: {out}")
    if step % (STEPS // 4) == 0:
        q_acc, mi, match, perm, pred = measure()
        history.append((step, q_acc, mi, match))
        print(f"  step {step:5d}: Q reads c {100 * q_acc:5.1f}%   MI bound {mi:5.2f} nats   "
              f"c-to-digit matching {100 * match:5.1f}%   ({time.perf_counter() - t0:.0f} s)")

# %% [markdown]
# ## 3. Does Q read the code? Does the code mean the digit?
# Q reading c back is what the information term trains directly. Whether c means *the digit* is
# the real question, and only an outside judge can answer it: the shipped classifier names the
# digit of each sample, the table T[c, digit] counts them, and the best one-to-one relabelling
# of the codes (the Hungarian algorithm, Kuhn 1955) gives the matching accuracy. Chance is 1/10 for a
# code unrelated to the digit; but the best matching of a *random* table is a little above 1/10
# (the matching picks the luckiest relabelling), so we also score the same predictions against
# shuffled codes.

# %%
table = contingency_table(c_eval, pred, 10, 10)
print("rows: code c, columns: the classifier's digit (counts out of", PER_CODE, "per code)")
print("        " + " ".join(f"{d:4d}" for d in range(10)) + "   -> matched digit")
for c in range(10):
    print(f"  c = {c}: " + " ".join(f"{n:4d}" for n in table[c]) + f"   -> {perm[c]}")
shuffled, _ = matching_accuracy(numpy.random.default_rng(args.seed + 2).permutation(c_eval), pred)
print(f"matching accuracy {100 * match:.1f}% (chance 10%; the same predictions against shuffled codes "
      f"{100 * shuffled:.1f}%); Q reads c back {100 * q_acc:.1f}% of the time; MI bound {mi:.2f} of ln 10 = "
      f"{math.log(10):.2f} nats")
check(q_acc > 0.9 and mi > 0.7 * math.log(10),
      "Q reads the categorical code back from G's images more than 90% of the time (the information bound "
      "above 70% of ln 10): G writes the code into the image")
check(match > 0.2 and match > shuffled + 0.1,
      "without any label, the code's best one-to-one matching with the classifier's digits exceeds 20% "
      "(twice chance) and the shuffled-code baseline by 10 points")

# %% [markdown]
# On this budget the number is modest, and that is the honest result: the code is perfectly
# readable (Q) but it has only partly settled on *digit identity*; some values share a digit, or
# split one digit by style. More steps of the same MLP do not settle it by themselves: at seed 0
# the full mode (4,000 steps on the whole training set) matched 40% (41% in quick mode), with
# two code values both drawing 1s (slanted and upright) and 4, 7 and 9 sharing codes (measured
# on a 2-core CPU, 2026-12-02). The paper, with its convolutional networks, reports about 5%
# classification error for its categorical code.

# %%
z, c, c_cont = InfoGAN.traversal_inputs(numpy.random.default_rng(args.seed + 3), 100, "cat")
cat_images = gan.sample(minigan.tensor(z.astype(numpy.float32)), minigan.tensor(c),
                        minigan.tensor(c_cont.astype(numpy.float32))).numpy()
z, c, c_cont = InfoGAN.traversal_inputs(numpy.random.default_rng(args.seed + 3), 100, "c1")
c1_images = gan.sample(minigan.tensor(z.astype(numpy.float32)), minigan.tensor(c),
                       minigan.tensor(c_cont.astype(numpy.float32))).numpy()
fig, axes = plt.subplots(1, 2, figsize=(11, 5.8))
axes[0].imshow(image_grid(cat_images.reshape(-1, 1, 28, 28), nrow=10), cmap="gray", vmin=0, vmax=1)
axes[0].set_title("columns: c = 0..9 (each row its own z, c')")
axes[1].imshow(image_grid(c1_images.reshape(-1, 1, 28, 28), nrow=10), cmap="gray", vmin=0, vmax=1)
axes[1].set_title("row r: c = r; columns: c'_1 from -1 to 1")
for ax in axes:
    ax.set_axis_off()
fig.suptitle(f"InfoGAN after {STEPS} steps: matching {100 * match:.0f}%")
fig.tight_layout()
save(fig, args, "latent_traversals.png")

fig, ax = plt.subplots(figsize=(5.5, 3.6))
steps_axis = [h[0] for h in history]
ax.plot(steps_axis, [100 * h[1] for h in history], "o-", label="Q reads c back")
ax.plot(steps_axis, [100 * h[3] for h in history], "s-", label="c matches the digit (classifier)")
ax.axhline(10, color="gray", ls="--", label="chance (10%)")
ax.set_xlabel("training step")
ax.set_ylabel("%")
ax.legend(fontsize=8)
fig.tight_layout()
save(fig, args, "code_accuracy.png")

# %% [markdown]
# ## Summary
# * InfoGAN adds codes to G's input and a head Q that must read them back; the information term
#   L_I is minimised by both G and Q (with raw logits into the cross-entropy, no softmax first).
# * Readability is not meaning: Q reads c almost perfectly long before c means the digit.
# * Judge the meaning with an outside classifier and the best one-to-one matching, against
#   chance and a shuffled baseline (`minigan sample --traverse cat|c1|c2` draws the grids).

# %%
print(f"\nlesson finished in {time.perf_counter() - t_start:.1f} s")
