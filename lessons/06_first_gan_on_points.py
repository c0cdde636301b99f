"""Lesson 06: a first GAN, on points in the plane.

What you learn here:
  * the training loop of the original GAN paper (Goodfellow et al., 2014, Algorithm 1), written
    out: for every iteration, k discriminator steps on fresh real and fake minibatches, then one
    generator step;
  * how to watch a GAN learn: snapshots of the generated points at several iterations;
  * two different failures, told apart and each checked on its own. The data is a ring of 8
    Gaussians; a mode counts as *covered* when at least 1% of the generated points land within
    3 standard deviations of its centre (``minigan.data.count_modes``).
      - *mode collapse*: the generator's points lose their diversity and pile up in one small
        region (few modes, a spread far below the data's), a region that then wanders from mode
        to mode. Provoked here by giving G five steps for each D step.
      - *divergence*: the generator's outputs run off to the bounds of its Tanh (saturated),
        where they cover no mode at all and Tanh's gradient is about 0. Provoked here by a
        learning rate ten times too large.
    A healthy run spreads over most modes with the data's spread and no saturated point.

Notation: x a point (``real``, ``points``); z the noise (``z_eval``, ``gan.noise``); G, D the
generator and discriminator (``G``, ``D``); p_data the ring (``ring_of_gaussians``); p_g the
distribution of G(z); k the discriminator steps per iteration (``K``); m the minibatch size
(``BATCH``).

Source: minigan/training/gan.py, minigan/data/toy.py, minigan/models/mlp.py

Run:  python lessons/06_first_gan_on_points.py [--quick] [--backend cupy]
"""
# %% [markdown]
# # A first GAN on 2-D points
# Points are easy to look at: every sample of the generator is a dot, and "which modes does it
# cover" can be counted exactly.

# %%
import time

import numpy

from _common import check, save, setup

import minigan
from minigan import backend
from minigan.data import count_modes, mode_centers, ring_of_gaussians
from minigan.models import Discriminator, Generator
from minigan.training import GAN

args = setup("06_first_gan_on_points", "The GAN training loop of the original paper on a ring of 8 Gaussians: "
                       "snapshots of the generated points, and mode collapse counted.")

# %% [markdown]
# ## 1. The data and the networks
# Eight Gaussians of standard deviation 0.05 on a circle of radius 2. (The classic benchmark uses
# 0.02; the wider modes let a short CPU run reach them.) The ring is divided by 2.5 so that it fits
# in Tanh's range (-1, 1). The networks are the course's MLP pair with sizes changed for the plane:
# G maps z in R^16 to a point in R^2, D maps a point to a probability.

# %%
N_MODES, RADIUS, STD, SCALE = 8, 2.0, 0.05, 2.5
Z_DIM, BATCH, K = 16, 64, 1
ITERATIONS = 1500 if args.quick else 5000
COLLAPSE_ITERATIONS = 1000 if args.quick else 2500     # each has 5 generator steps
EVERY = 100                                    # evaluate the generator every EVERY iterations
centers = mode_centers(N_MODES, RADIUS)

real_eval = ring_of_gaussians(2000, N_MODES, RADIUS, STD, seed=args.seed + 1000)
real_cov = count_modes(real_eval, N_MODES, RADIUS, STD)
print(f"real data: {real_cov.modes} of {N_MODES} modes covered, {100 * real_cov.high_quality:.1f}% of the "
      f"points within 3 std of a centre")
check(real_cov.modes == N_MODES and real_cov.high_quality > 0.97,
      "samples of the real ring cover all 8 modes, with ~99% of points within 3 std of a centre")

# one fixed noise batch, so that snapshots at different iterations show the same z's
z_eval = minigan.as_tensor(backend.to_backend(
    numpy.random.default_rng(123).standard_normal((2000, Z_DIM)).astype(numpy.float32), args.backend))

# %% [markdown]
# ## 2. The training loop (Algorithm 1 of the GAN paper)
#     for each training iteration:
#         repeat k times:
#             draw m noise vectors z ~ p_z and m real examples x ~ p_data
#             update D by ascending  mean[ log D(x) + log(1 - D(G(z))) ]
#         draw m noise vectors z ~ p_z
#         update G by descending  mean[ log(1 - D(G(z))) ]
# (The course report names the noise prior p_g(z) in this algorithm; it is p_z(z). p_g is the
# distribution of the generated *samples* G(z).) As lesson 05 showed, in practice G descends
# -log D(G(z)) instead, the non-saturating loss: that is minigan's default. The paper used k = 1,
# and so do we. Both networks use Adam with beta1 = 0.5, as in the course.
#
# "D fixed" in the generator step has a cost side too. The gradient must flow *through* D to
# reach G, but D's own weight gradients would only be thrown away (the next D step starts from
# zero). So `GAN.generator_step` sets `requires_grad = False` on D's parameters for its pass,
# and every D layer skips its weight-gradient product: the generator step does about a third
# less work inside D, and G's gradients are exactly the same.

# %%


def spread(points):
    """Mean standard deviation of the points along each axis: how diverse the samples are."""
    return float(points.std(axis=0).mean())


def saturated_share(points):
    """Share of points with a coordinate at the edge of Tanh's range (|x| > 0.99 of the bound)."""
    return float((numpy.abs(points) > 0.99 * SCALE).any(axis=1).mean())


def train_gan(lr, iterations, seed, g_steps=1):
    """Train a fresh G and D; return the snapshots {iteration: points} and a curve with, every
    EVERY iterations, (iteration, modes covered, high-quality share, spread, saturated share).
    ``g_steps`` generator steps (each on fresh noise) follow every discriminator step."""
    minigan.manual_seed(seed)                       # same initial weights for every configuration
    G, D = Generator(Z_DIM, 2), Discriminator(2)
    gan = GAN(G, D, Z_DIM, lr=lr, betas=(0.5, 0.999), k=K)
    data_rng = numpy.random.default_rng(seed)
    snapshots, curve = {}, []
    for it in range(1, iterations + 1):
        # --- k discriminator steps: a fresh real minibatch and a fresh fake one each time
        for _ in range(K):
            real = ring_of_gaussians(BATCH, N_MODES, RADIUS, STD, seed=data_rng) / SCALE
            real = minigan.as_tensor(backend.to_backend(real, args.backend))
            loss_D, d_x, d_g_z, _ = gan.discriminator_step(real)   # BCE(D(x), 1) + BCE(D(G(z)), 0), G fixed
        # --- one generator step, on fresh noise, through the just-updated D
        for _ in range(g_steps):
            fake = G(gan.noise(BATCH))
            loss_G = gan.generator_step(fake)                       # -log D(G(z)), D fixed
        if it % EVERY == 0:
            points = gan.sample(z_eval).numpy() * SCALE
            cov = count_modes(points, N_MODES, RADIUS, STD)
            curve.append((it, cov.modes, cov.high_quality, spread(points), saturated_share(points)))
            snapshots[it] = points
    return snapshots, numpy.array(curve)


t0 = time.perf_counter()
good_snaps, good_curve = train_gan(1e-3, ITERATIONS, args.seed)
t_good = time.perf_counter() - t0
print(f"lr 1e-3: {ITERATIONS} iterations in {t_good:.1f} s; modes covered every {EVERY} iterations:")
print("  " + " ".join(str(int(m)) for m in good_curve[:, 1]))

# %% [markdown]
# ## 3. Two failures: mode collapse and divergence
# Both make the coverage count fall to 0 or 1, but they are different failures with different
# causes and remedies, so we measure what tells them apart:
#   * the *spread* of the samples (their standard deviation per axis; the real ring's is
#     about 1.41): a collapsed generator's points pile up in one small region;
#   * the share of *saturated* points, at the edge of Tanh's range: a diverged generator's
#     outputs sit at +-1 before the scaling, where Tanh's gradient is about 0.
#
# Mode collapse. Same data, same initial weights, same noise, but G takes five steps (each on
# fresh noise) for every D step. G then keeps moving all its mass to whatever region D
# currently rates best; D answers by rejecting that region, and the whole cloud moves on: a
# small cloud that hops around the ring (its centre stays near the ring's radius, 2) instead of
# covering it. Remedies aim at the lack of diversity: minibatch discrimination (Salimans et al.
# 2016), unrolled GANs (Metz et al. 2017), Wasserstein losses (lesson 13 shows the failures and
# their remedies).
#
# Divergence. Back to one G step, but a learning rate ten times too large (1e-2): the updates
# overshoot, and the generator's Tanh saturates; its points are pushed to the border of the
# plot, where they cover no mode and receive almost no gradient. Remedies aim at the step: a
# smaller learning rate, a discriminator that learns faster than the generator (the two time-scale
# rule, Heusel et al. 2017), gradient penalties (R1, Mescheder et al. 2018). (This chaotic game can also
# collapse first and diverge later; another seed, or merely another number of BLAS threads,
# which changes the rounding, changes the trajectory.)

# %%
t0 = time.perf_counter()
col_snaps, col_curve = train_gan(1e-3, COLLAPSE_ITERATIONS, args.seed, g_steps=5)
print(f"lr 1e-3, 5 G steps per D step: {COLLAPSE_ITERATIONS} iterations in {time.perf_counter() - t0:.1f} s; "
      f"modes covered: " + " ".join(str(int(m)) for m in col_curve[:, 1]))
t0 = time.perf_counter()
bad_snaps, bad_curve = train_gan(1e-2, ITERATIONS, args.seed)
print(f"lr 1e-2: {ITERATIONS} iterations in {time.perf_counter() - t0:.1f} s; modes covered: "
      + " ".join(str(int(m)) for m in bad_curve[:, 1]))

real_spread = spread(real_eval)
runs = {"healthy (lr 1e-3)": good_curve, "collapse (5 G steps)": col_curve, "divergence (lr 1e-2)": bad_curve}
summary = {}
print(f"\nover the second half of each run (real data: 8 modes, spread {real_spread:.2f}, 0% saturated):")
for name, curve in runs.items():
    half = curve[len(curve) // 2:]
    summary[name] = dict(modes=half[:, 1].mean(), spread=half[:, 3].mean(), saturated=half[:, 4].mean(),
                         final_saturated=curve[-1, 4], final_modes=curve[-1, 1])
    r = summary[name]
    print(f"  {name:22s} modes {r['modes']:.2f}   spread {r['spread']:.2f}   saturated {100 * r['saturated']:5.1f}%"
          f"   (at the end: {int(r['final_modes'])} modes, {100 * r['final_saturated']:.0f}% saturated)")
col_points = {it: pts for it, pts in col_snaps.items() if it > COLLAPSE_ITERATIONS // 2}
centres = numpy.array([pts.mean(axis=0) for pts in col_points.values()])
angles = numpy.degrees(numpy.arctan2(centres[:, 1], centres[:, 0]))
radii = numpy.hypot(centres[:, 0], centres[:, 1])
print(f"  the collapsed cloud's centre over the second half: radius {radii.min():.2f} to {radii.max():.2f}, "
      f"angles " + ", ".join(f"{a:.0f}" for a in angles))
healthy, collapse, diverged = summary["healthy (lr 1e-3)"], summary["collapse (5 G steps)"], summary["divergence (lr 1e-2)"]
check(healthy["modes"] >= 4 and healthy["spread"] > 0.8 * real_spread and healthy["saturated"] < 0.01,
      "the healthy run covers at least half of the 8 modes with the data's spread and no saturated point")
check(collapse["modes"] <= 1.5 and collapse["spread"] < 0.25 * real_spread and collapse["saturated"] < 0.05,
      "mode collapse: the 5-G-step run covers at most 1.5 modes on average, its points spread less than "
      "a quarter of the data's, and they are not saturated")
check(numpy.ptp(angles) > 90 and numpy.median(radii) > 1,
      "the collapsed cloud sits near the ring and hops around it (its centre moves by more than 90 degrees)")
check(diverged["final_saturated"] > 0.9 and diverged["final_modes"] == 0,
      "divergence: at the end of the lr 1e-2 run more than 90% of the points are saturated and no mode is covered")
check(healthy["final_saturated"] < 0.01 and collapse["final_saturated"] < 0.05,
      "neither the healthy nor the collapsed run ends saturated: divergence is a different failure")

# %% [markdown]
# ## 4. Pictures: snapshots and the coverage curves

# %%
import matplotlib.pyplot as plt  # noqa: E402

show = [it for it in numpy.linspace(0, ITERATIONS, 6).astype(int)[1:]]
show = [max(EVERY, EVERY * round(it / EVERY)) for it in show]
col_show = [max(EVERY, EVERY * round(it / EVERY)) for it in numpy.linspace(0, COLLAPSE_ITERATIONS, 6).astype(int)[1:]]
fig, axes = plt.subplots(3, len(show), figsize=(3.2 * len(show), 9.9), sharex=True, sharey=True)
rows_shown = (("lr 1e-3", good_snaps, good_curve, show, "C0"), ("5 G steps", col_snaps, col_curve, col_show, "C2"),
              ("lr 1e-2", bad_snaps, bad_curve, show, "C3"))
for row, (name, snaps, curve, its, color) in enumerate(rows_shown):
    for col, it in enumerate(its):
        ax = axes[row, col]
        ax.scatter(real_eval[:, 0], real_eval[:, 1], s=1, color="lightgray")
        pts = snaps[it]
        ax.scatter(pts[:, 0], pts[:, 1], s=1, alpha=0.5, color=color)
        ax.scatter(centers[:, 0], centers[:, 1], marker="x", color="k", s=20)
        modes = int(curve[curve[:, 0] == it, 1][0])
        ax.set_title(f"{name}, iteration {it}\n{modes}/8 modes covered", fontsize=9)
        ax.set_xlim(-2.8, 2.8)
        ax.set_ylim(-2.8, 2.8)
        ax.set_aspect("equal")
for ax in axes[-1]:
    ax.set_xlabel("x1")
for ax in axes[:, 0]:
    ax.set_ylabel("x2")
fig.suptitle("generated points (colour) on the real ring (grey): healthy (top), mode collapse (middle), "
             "divergence (bottom)")
fig.tight_layout()
save(fig, args, "snapshots.png")

fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(16, 4))
styles = (("lr 1e-3 (healthy)", good_curve, "C0"), ("5 G steps (collapse)", col_curve, "C2"),
          ("lr 1e-2 (divergence)", bad_curve, "C3"))
for name, curve, color in styles:
    ax1.plot(curve[:, 0], curve[:, 1], "o-", ms=3, color=color, label=name)
    ax2.plot(curve[:, 0], curve[:, 3], "o-", ms=3, color=color, label=name)
    ax3.plot(curve[:, 0], 100 * curve[:, 4], "o-", ms=3, color=color, label=name)
ax1.set_ylim(-0.3, 8.3)
ax1.set_ylabel("modes covered (of 8)")
ax1.set_title("mode coverage")
ax2.axhline(real_spread, color="gray", ls="--", lw=1, label="real data")
ax2.set_ylabel("spread: std of the points per axis")
ax2.set_title("diversity (collapse: the spread falls)")
ax3.set_ylabel("% of points saturated (at Tanh's bound)")
ax3.set_title("saturation (divergence: it rises to 100%)")
for ax in (ax1, ax2, ax3):
    ax.set_xlabel("iteration")
    ax.legend(fontsize=8)
fig.tight_layout()
save(fig, args, "mode_coverage.png")

print("\nNext: lesson 07 trains the course's MLP GAN on MNIST.")
