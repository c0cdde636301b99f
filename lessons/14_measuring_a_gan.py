"""Lesson 14: measuring a GAN, with minigan's own classifier as the judge.

What you learn here:
  * the Fréchet distance between two Gaussians, built from their means and covariances, and
    FID: that distance between Gaussians fitted to a classifier's features of real and of
    generated images;
  * why FID needs many samples: two sets of *real* images score above 0, and less so the more
    images there are (the "floor" that every FID must be read against);
  * what precision and recall separate that FID mixes: a generator that draws only a few
    digits perfectly (high precision, low recall) against one that draws every digit badly;
  * the course's MLP GAN and DCGAN scored over training.

The feature network is minigan's shipped LeNet-like MNIST classifier (its 500-unit penultimate
layer), so these numbers compare with other minigan FIDs, not with published Inception ones.

Notation: x a real image, G(z) a generated one; phi the classifier's 500 features of an image
(``classify``); mu_r, S_r and mu_g, S_g the mean and covariance of the real and generated
features (``feature_statistics``); d^2 the squared Fréchet distance (``frechet_distance``);
N the number of images per set (``sizes``, ``n_eval``); k the neighbours of precision/recall.

Source: minigan/metrics/fid.py, minigan/metrics/precision_recall.py, minigan/metrics/classifier.py, minigan/metrics/report.py

Run:  MINIGAN_DATA_DIR=/path/to/mnist python lessons/14_measuring_a_gan.py [--quick] [--backend cupy]
"""
# %% [markdown]
# # Measuring a GAN
# GAN losses say little about how good the samples are: the two networks' losses describe the
# game, not the images. The standard answer is to ask a third network. We use a small digit
# classifier shipped with minigan, and compare what it "sees" in real and in generated images.

# %%
import sys
import time
import warnings

import matplotlib.pyplot as plt
import numpy

from _common import check, save, setup

import minigan
from minigan.data import DatasetNotFoundError, MNIST
from minigan.metrics import (classify, evaluate_images, feature_statistics, fid_from_features,
                             frechet_distance, generate, load_classifier, precision_recall)
from minigan.metrics.report import test_subset
from minigan.models import build_gan
from minigan.training import GAN

args = setup("14_measuring_a_gan", "FID from means and covariances, why it needs many samples, what precision and "
                       "recall separate, and the course's two GANs scored over training.")
t_start = time.perf_counter()
warnings.simplefilter("ignore")      # the lesson uses small N on purpose and says so itself

try:
    train_set = MNIST(split="train", download=False)
    test_set = MNIST(split="test", download=False)
except DatasetNotFoundError as e:
    print(f"MNIST was not found, so this lesson cannot run.\n\n{e}", file=sys.stderr)
    sys.exit(2)
classifier = load_classifier("mnist", args.backend)

# %% [markdown]
# ## 1. The Fréchet distance of two Gaussians
# For N(mu_1, S_1) and N(mu_2, S_2):
#
#     d^2 = |mu_1 - mu_2|^2 + tr(S_1 + S_2 - 2 (S_1^{1/2} S_2 S_1^{1/2})^{1/2})
#
# In one dimension it is (m_1 - m_2)^2 + (s_1 - s_2)^2: how far apart the centres are plus how
# different the spreads are. minigan computes the square roots with symmetric eigendecompositions.

# %%
d1 = frechet_distance(numpy.array([1.0]), numpy.array([[4.0]]), numpy.array([-2.0]), numpy.array([[9.0]]))
print(f"1-D: N(1, 2^2) against N(-2, 3^2): d^2 = {d1:.6f}  (by hand: 3^2 + (2 - 3)^2 = 10)")
check(abs(d1 - 10.0) < 1e-9, "the Fréchet distance of N(1, 2^2) and N(-2, 3^2) is 3^2 + 1^2 = 10")

rng = numpy.random.default_rng(args.seed)
a = rng.standard_normal((20000, 3))
b = a * numpy.array([1.0, 2.0, 0.5]) + numpy.array([1.0, 0.0, 0.0])
mu_a, s_a = feature_statistics(a)
mu_b, s_b = feature_statistics(b)
exact = 1.0 + (1 - 1) ** 2 + (1 - 2) ** 2 + (1 - 0.5) ** 2
print(f"3-D, estimated from 20,000 samples each: {frechet_distance(mu_a, s_a, mu_b, s_b):.3f} (exact {exact})")
check(abs(frechet_distance(mu_a, s_a, mu_b, s_b) - exact) < 0.1,
      "estimated from samples, the distance approaches the exact value 2.25")

# %% [markdown]
# ## 2. FID needs many samples
# Take two sets of N *real* images (training images against test images). Their FID would be 0
# with infinitely many samples; with N samples the noise of the covariance estimates adds a
# positive bias that shrinks roughly like 1/N. That is the floor a perfect generator would
# reach. FID is therefore always reported with its N (10,000 by convention) and its floor.

# %%
sizes = [250, 500, 1000, 2000] if args.quick else [250, 500, 1000, 2000, 5000, 10000]
# a fixed random subset of the test set (its first and second halves come from different writers)
test_feats, _ = classify(classifier, test_subset(test_set.images, sizes[-1]))
train_feats, _ = classify(classifier, train_set.images[:sizes[-1]])
floors = [fid_from_features(train_feats[:n], test_feats[:n]) for n in sizes]
for n, f in zip(sizes, floors):
    print(f"  N = {n:>5}: FID(train, test) = {f:.3f}")
check(all(x > y for x, y in zip(floors, floors[1:])),
      "the FID between real training and real test images falls as N grows: it is a finite-sample bias")

fig, ax = plt.subplots(figsize=(5, 3.5))
ax.plot(sizes, floors, "o-")
ax.set_xscale("log")
ax.set_xlabel("N (images in each set)")
ax.set_ylabel("FID, real vs real")
ax.set_title("The FID floor shrinks with N")
fig.tight_layout()
save(fig, args, "fid_against_n.png")

# %% [markdown]
# ## 3. Precision and recall separate two failures
# FID is one number for two different failures. Improved precision and recall (k = 3 nearest
# neighbours) ask two questions: are the generated images inside the region of the real ones
# (precision), and are the real ones inside the region of the generated ones (recall)?
# We fake two generators with real images: "collapsed" draws only digits 0 and 1 (perfect
# digits, few kinds), "sloppy" draws every kind of digit but half of its images are noise.

# %%
n = sizes[-1] // 2
pool = train_set.images[sizes[-1]:sizes[-1] + 4 * n]
labels = train_set.labels[sizes[-1]:sizes[-1] + 4 * n]
collapsed = pool[labels <= 1][:n]
junk = numpy.clip(rng.standard_normal((n - n // 2, 1, 28, 28)), -1, 1).astype(numpy.float32)
sloppy = numpy.concatenate([pool[:n // 2], junk])
ref = test_feats[:n]
scores = {}
for name, images in (("collapsed", collapsed), ("sloppy", sloppy)):
    feats, _ = classify(classifier, images)
    p, r = precision_recall(ref, feats)
    scores[name] = dict(fid=fid_from_features(feats, ref), precision=p, recall=r)
    print(f"  {name:>9}: FID {scores[name]['fid']:8.2f}   precision {p:.3f}   recall {r:.3f}")
check(scores["collapsed"]["precision"] > scores["sloppy"]["precision"]
      and scores["collapsed"]["recall"] < scores["sloppy"]["recall"],
      "the collapsed generator has the higher precision and the lower recall, the sloppy one the reverse")
check(min(scores["collapsed"]["fid"], scores["sloppy"]["fid"]) > 3 * floors[-1],
      "both fail FID (far above the floor), which alone cannot say which failure it is")

# %% [markdown]
# ## 4. The course's GANs scored over training
# Claims about sample quality should be numbers like these. The course report says its DCGAN's
# samples are "already realistic" after 5 epochs; that is a judgement by eye, which this course
# does not repeat. What is measured: the MLP GAN after 5 epochs' worth of steps scores FID
# 575 ± 39 over three seeds against a floor of 3.2, with recall 0 (the README's quality table,
# N = 10,000), far from realistic; the DCGAN's score at 5 epochs needs about 2,345 DCGAN steps
# (an hour on a 2-core CPU) and is measured by `benchmarks/quality_table.py --model dcgan
# --backend cupy` on a GPU.
# (The same overview says DALL·E uses GANs. It does not: DALL·E (Ramesh et al. 2021) is an
# autoregressive transformer over the tokens of a discrete VAE, and DALL·E 2 (Ramesh et al.
# 2022) a diffusion model. FID is how those models are compared with GANs, too.)
# We train the MLP GAN (and, outside --quick, the DCGAN: it is slow on a CPU) and score the
# generator with `evaluate_images` at a few points of the run. Early in training the MLP GAN's
# samples are noisy blobs: its FID stays in the hundreds for the first epochs (see the README's
# quality table), far above the floor, while it is already falling.

# %%
models = ["mlp"] if args.quick else ["mlp", "dcgan"]
steps_at = {"mlp": [0, 100, 300] if args.quick else [0, 469, 2345], "dcgan": [0, 100, 300]}
n_eval = 1000 if args.quick else 2000
data = train_set.images[:8192 if args.quick else len(train_set)]
curves = {}
for model in models:
    checkpoints = steps_at[model]
    minigan.manual_seed(args.seed)
    G, D = build_gan(model)
    G, D
    gan = GAN(G, D, 100)
    order = numpy.random.default_rng(args.seed).permutation(len(data))
    step, curve = 0, []
    t0 = time.perf_counter()
    for target in checkpoints:
        while step < target:
            idx = order[(step * 128) % (len(data) - 128):][:128]
            gan.train_step(minigan.tensor(data[idx]))
            step += 1
        s = evaluate_images(generate(G, n_eval, 100, seed=args.seed), classifier)
        curve.append(s)
        print(f"  {model} step {step:>4}: FID {s['fid']:7.2f} (floor {s['fid_floor']:.2f})  IS {s['inception_score']:.2f}  "
              f"precision {s['precision']:.2f}  recall {s['recall']:.2f}  coverage {s['coverage']}/10")
    print(f"  ({model}: {checkpoints[-1]} steps and {len(checkpoints)} evaluations in {time.perf_counter() - t0:.0f} s)")
    curves[model] = curve
    check(curve[-1]["fid"] < curve[0]["fid"],
          f"after {checkpoints[-1]} steps of training the {model} generator's FID is below the untrained one's")

fig, ax = plt.subplots(figsize=(5, 3.5))
for model, curve in curves.items():
    ax.plot(steps_at[model], [s["fid"] for s in curve], "o-", label=model)
ax.axhline(curves[models[0]][0]["fid_floor"], color="gray", ls="--", label="floor (real vs real)")
ax.set_yscale("log")
ax.set_xlabel("training step")
ax.set_ylabel(f"FID (N = {n_eval})")
ax.set_title("FID of the generators over training (lower is better)")
ax.legend()
fig.tight_layout()
save(fig, args, "fid_over_training.png")

# %% [markdown]
# ## Summary
# * FID fits a Gaussian to a classifier's features of each image set and measures the Fréchet
#   distance between the two; it falls as samples get better.
# * It is biased at small N: always give N and the real-vs-real floor beside it.
# * Precision (are the fakes realistic?) and recall (is every kind of digit drawn?) separate the
#   failures FID mixes. Mode collapse shows as high precision and low recall.
# * Precision is not realism by itself: it only asks whether each generated feature falls in
#   some real image's k-nearest-neighbour ball, and a few real outliers have large balls that
#   can swallow a tight cluster of poor samples. Early in training a precision near 1 next to
#   an FID in the hundreds (as the quick run above may print) is that effect; Naeem et al.
#   (2020) proposed density and coverage for this reason. Read precision beside FID and recall.

# %%
print(f"\nlesson finished in {time.perf_counter() - t_start:.1f} s")
