"""Lesson 16: LSGAN, least-squares losses against the saturating sigmoid loss.

What you learn here:
  * the least-squares GAN of Mao et al. (2017): the discriminator ends in a raw score (no
    sigmoid) and both players minimise squared distances to target values, with the paper's
    0-1 coding a = 0 (fake), b = 1 (real), c = 1 (what G wants D to say);
  * why: with the sigmoid cross-entropy the generator's gradient passes through a factor that
    vanishes once D rejects the fakes confidently (the saturating loss log(1 - D(G(z))) of
    lesson 13); the squared error's factor is the distance c - D(G(z)), which stays near 1;
  * measured on one fixed generator while each discriminator grows confident: the saturating
    loss's generator gradient collapses, the least-squares one does not, and a short LSGAN run
    learns the ring with minigan.training.lsgan.LSGAN (its trainer, unchanged).

Notation: x a real point (``real``), z the noise (``gan.noise``), G the generator (``gan.G``),
D the discriminator (``gan.D``): for the GAN a probability D(x) = sigmoid(l(x)) with logit l,
for LSGAN a raw score s(x); a, b, c the least-squares targets (``LSGAN(a=, b=, c=)``).

Paper: Mao et al. (2017), Least Squares Generative Adversarial Networks (eq. 9: a = 0,
b = c = 1; Adam lr 2e-4, betas (0.5, 0.999)). This lesson uses lr 1e-3 and the narrowed
64-unit MLPs of lesson 13 on the 2-D ring, so that each run takes seconds. The failure it
cures is lesson 13's "discriminator that wins too early".

Source: minigan/training/lsgan.py, minigan/training/gan.py

Run:  python lessons/16_lsgan.py [--quick] [--backend cupy]
"""
# %% [markdown]
# # LSGAN: least squares instead of a sigmoid
# Lesson 13 showed that a confident discriminator starves the generator of the original minimax
# loss. The non-saturating loss is one cure; Mao et al. (2017) proposed another: drop the
# sigmoid and the log, and score with squared errors.

# %%
import math
import time

import matplotlib.pyplot as plt
import numpy

from _common import check, save, setup

import minigan
from minigan.data import count_modes, ring_of_gaussians
from minigan.models import Discriminator, Generator
from minigan.training import GAN
from minigan.training.lsgan import LSGAN

args = setup("16_lsgan", "LSGAN (Mao et al. 2017): the least-squares losses keep the generator's gradient "
                         "where the saturating sigmoid loss loses it, measured on the 2-D ring.")
t_start = time.perf_counter()

SCALE = 2.5            # the ring (radius 2) divided by 2.5 fits inside Tanh's range (-1, 1)
RING_STD = 0.05        # the demo's ring (std 0.05); the papers' 0.02 takes many more steps
HIDDEN, BATCH, LR = 64, 128, 1e-3
D_STEPS, TRAIN_STEPS = (800, 1000) if args.quick else (2000, 4000)


def real_batch(rng, n=BATCH):
    return minigan.tensor(ring_of_gaussians(n, std=RING_STD, seed=rng) / SCALE)


def networks(sigmoid):
    """The same seeded G and D for both variants; LSGAN's D has no sigmoid."""
    minigan.manual_seed(args.seed)
    return (Generator(z_dim=2, out_features=2, hidden=(HIDDEN, HIDDEN)),
            Discriminator(in_features=2, hidden=(HIDDEN, HIDDEN), sigmoid=sigmoid))


# %% [markdown]
# ## 1. What each loss sends back through D's output
# Let D's last number be u: the logit l for the sigmoid GAN (D = sigmoid(l)), the score s for
# LSGAN. The generator's gradient is (d loss / d u) times D's slope du/dx times G's Jacobian.
# Only the first factor belongs to the loss:
#
#     saturating       log(1 - sigmoid(l))      d/dl = -sigmoid(l) = -D(G(z))   -> 0 as D rejects
#     non-saturating   -log sigmoid(l)          d/dl = -(1 - D(G(z)))           -> -1
#     least squares    1/2 (s - c)^2            d/ds = s - c                    -> a - c = -1 at s = a
#
# We compute these factors with minigan's autograd at many values of u and compare them with
# the formulas.

# %%
u = minigan.tensor(numpy.linspace(-8, 8, 161), dtype="float64", requires_grad=True)
factors = {}
for name, loss_of in (("saturating", lambda u: minigan.log(1 - minigan.sigmoid(u))),
                      ("non-saturating", lambda u: -minigan.log(minigan.sigmoid(u))),
                      ("least squares (c = 1)", lambda u: 0.5 * (u - 1.0) ** 2)):
    (g,) = minigan.autograd.grad(loss_of(u).sum(), u)
    factors[name] = g.numpy()
un = u.numpy()
sig = 1 / (1 + numpy.exp(-un))
formulas = {"saturating": -sig, "non-saturating": -(1 - sig), "least squares (c = 1)": un - 1.0}
worst = max(float(abs(factors[k] - formulas[k]).max()) for k in factors)
print(f"largest difference between autograd and the formulas: {worst:.1e}")
check(worst < 1e-12, "autograd's d loss / d u equals the formulas -sigmoid(l), -(1 - sigmoid(l)) and s - c")

fig, ax = plt.subplots(figsize=(6.5, 4))
for name, g in factors.items():
    ax.plot(un, g, label=name)
ax.axhline(0, color="gray", lw=0.6)
ax.set_xlabel("u: D's logit (sigmoid GAN) or score (LSGAN)")
ax.set_ylabel("d (generator loss) / d u")
ax.set_title("the factor each generator loss puts on D's slope")
ax.legend(fontsize=8)
fig.tight_layout()
save(fig, args, "loss_factors.png")

# %% [markdown]
# ## 2. A generator held fixed while D becomes confident
# Early in training the fakes are poor and D learns to reject them. We keep G fixed and train
# only D, each variant with its own discriminator step: `GAN.discriminator_step` (BCE) and
# `LSGAN.train_step` built with k so large that the generator's turn never comes. Both start
# from the same seeded networks. At a few points we measure the norm of the generator's
# parameter gradient on one fixed noise batch, for the saturating loss and for LSGAN's
# 1/2 (s - c)^2 (and, for reference, the non-saturating loss).

# %%


def grad_norm(G, loss):
    G.zero_grad()
    loss.backward()
    norm = math.sqrt(sum(float((p.grad * p.grad).sum().item()) for p in G.parameters()))
    G.zero_grad()
    return norm


gan = GAN(*networks(sigmoid=True), z_dim=2, lr=LR)
ls = LSGAN(*networks(sigmoid=False), z_dim=2, lr=LR, k=10 ** 9)   # k: D steps per G step; here D only
z_probe = gan.noise(BATCH)
ones, zeros = minigan.ones(BATCH, 1), minigan.zeros(BATCH, 1)
at = sorted({0, 50, 100, 200, 400, D_STEPS // 2, D_STEPS})
rows = []
rng = numpy.random.default_rng(args.seed)
t0 = time.perf_counter()
for step in range(D_STEPS + 1):
    if step in at:
        d_fake = gan.D(gan.G(z_probe))
        sat = grad_norm(gan.G, -gan.criterion(d_fake, zeros))           # log(1 - D(G(z)))
        nonsat = grad_norm(gan.G, gan.criterion(gan.D(gan.G(z_probe)), ones))
        s_fake = ls.D(ls.G(z_probe))
        lsq = grad_norm(ls.G, 0.5 * ((ls.D(ls.G(z_probe)) - ls.c) ** 2).mean())
        rows.append((step, float(d_fake.mean().item()), float(s_fake.mean().item()), sat, lsq, nonsat))
    if step < D_STEPS:
        real = real_batch(rng)
        gan.discriminator_step(real)
        ls.train_step(real)
print(f"{D_STEPS} discriminator-only steps of each variant in {time.perf_counter() - t0:.1f} s")
print(f"  {'D steps':>7}  {'D(G(z))':>9}  {'s(G(z))':>8}  {'|grad G| saturating':>19}  {'least squares':>13}  "
      f"{'non-saturating':>14}")
for step, dg, sg, sat, lsq, nonsat in rows:
    print(f"  {step:7d}  {dg:9.2e}  {sg:8.3f}  {sat:19.3e}  {lsq:13.3e}  {nonsat:14.3e}")
_, final_dg, final_s, final_sat, final_ls, final_ns = rows[-1]
peak_sat = max(r[3] for r in rows)
check(final_dg < 0.01 and abs(final_s - ls.a) < 0.1,
      "after the D-only steps both discriminators reject the fakes: mean D(G(z)) < 0.01, and LSGAN's "
      "score on them is within 0.1 of the fake target a = 0")
check(final_sat < 0.2 * peak_sat, "as D grows confident the saturating loss's generator gradient "
                                  "falls to under a fifth of its largest value")
check(final_ls > 3 * final_sat, "at the confidently rejected fakes LSGAN's generator gradient is more "
                                "than 3x the saturating loss's")

# %% [markdown]
# Two honest remarks. The factor is not the whole story: an LSGAN discriminator is trained to
# score every fake exactly a, so its slope at the fakes flattens too, and LSGAN's gradient also
# shrinks (watch its column); the sigmoid's factor goes to zero *on top of* that. And the
# non-saturating loss, minigan's default for the GAN, keeps a large gradient here as well (its
# factor tends to -1); the LSGAN paper's further argument is about fakes D already accepts but
# that lie far from the data, whose sigmoid gradient also vanishes while the squared error keeps
# pulling them towards the decision boundary.

# %%
fig, ax = plt.subplots(figsize=(6.5, 4.2))
steps_axis = [r[0] for r in rows]
ax.semilogy(steps_axis, [r[3] for r in rows], "o-", label="saturating log(1 - D(G(z)))")
ax.semilogy(steps_axis, [r[4] for r in rows], "s-", label="least squares 1/2 (s(G(z)) - 1)^2")
ax.semilogy(steps_axis, [r[5] for r in rows], "^--", color="gray", label="non-saturating (reference)")
ax.set_xlabel("discriminator-only steps (G fixed)")
ax.set_ylabel("|gradient of G's parameters|")
ax.set_title("generator gradient as D becomes confident")
ax.legend(fontsize=8)
fig.tight_layout()
save(fig, args, "generator_gradients.png")

# %% [markdown]
# ## 3. LSGAN trained on the ring
# The full algorithm, `LSGAN.train_step` with k = 1 (one D step, then one G step on fresh noise),
# a = 0, b = c = 1. Coverage is counted as in the demo: a mode is covered when at least 1% of
# 2,500 samples lie within 3 standard deviations (0.15) of its centre.

# %%
ls = LSGAN(*networks(sigmoid=False), z_dim=2, lr=LR)
print(ls.describe())
rng = numpy.random.default_rng(args.seed)
t0 = time.perf_counter()
d_losses = []
for _ in range(TRAIN_STEPS):
    out = ls.train_step(real_batch(rng))
    d_losses.append(float(out["d_loss"]))
z_eval = minigan.tensor(numpy.random.default_rng(args.seed + 1).standard_normal((2500, 2)).astype(numpy.float32))
points = ls.sample(z_eval).numpy() * SCALE
coverage = count_modes(points, std=RING_STD)
print(f"{TRAIN_STEPS} LSGAN steps in {time.perf_counter() - t0:.1f} s: {coverage.modes} of 8 modes covered, "
      f"{100 * coverage.high_quality:.0f}% of the samples within 3 std of a centre")
print(f"  D's loss over the last 100 steps: {numpy.mean(d_losses[-100:]):.3f} (1/4 when D cannot tell)")
check(all(math.isfinite(v) for v in d_losses), "LSGAN's losses stay finite")
check(coverage.modes >= 6, f"after {TRAIN_STEPS} steps LSGAN covers at least 6 of the 8 modes")

fig, ax = plt.subplots(figsize=(4.8, 4.8))
real = ring_of_gaussians(1000, std=RING_STD, seed=numpy.random.default_rng(1))
ax.scatter(real[:, 0], real[:, 1], s=3, alpha=0.4, color="gray", label="real")
ax.scatter(points[:, 0], points[:, 1], s=3, alpha=0.4, color="tab:blue", label="LSGAN")
ax.set_aspect("equal")
ax.set_title(f"LSGAN after {TRAIN_STEPS} steps: {coverage.modes}/8 modes")
ax.legend(markerscale=4, fontsize=8)
fig.tight_layout()
save(fig, args, "lsgan_ring.png")

# %% [markdown]
# ## Summary
# * LSGAN replaces the sigmoid cross-entropy by squared errors to targets (a, b, c) = (0, 1, 1).
# * The loss's own factor on the generator's gradient is c - s, not D(G(z)): it does not vanish
#   when D is sure, which is the saturating loss's failure (lesson 13).
# * It does not make D's landscape informative where D is flat; the Wasserstein GANs
#   (lessons 17 and 18) go after that.

# %%
print(f"\nlesson finished in {time.perf_counter() - t_start:.1f} s")
