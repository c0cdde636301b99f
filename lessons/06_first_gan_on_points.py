"""Lesson 06: a first GAN, on points in the plane.

What you learn here:
  * the training loop of the original GAN paper (Goodfellow et al., 2014, Algorithm 1), written
    out: for every iteration, k discriminator steps on fresh real and fake minibatches, then one
    generator step;
  * how to watch a GAN learn: snapshots of the generated points at several iterations;
  * mode collapse, made visible and counted. The data is a ring of 8 Gaussians; a mode counts as
    *covered* when at least 1% of the generated points land within 3 standard deviations of its
    centre (``minigan.data.count_modes``). A healthy run spreads over most modes; the same
    networks with a learning rate ten times too large end up piling their points onto one or
    two modes.

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
ITERATIONS = 2000 if args.quick else 5000
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


def train_gan(lr, iterations, seed):
    """Train a fresh G and D; return the snapshots {iteration: points} and the coverage curve."""
    minigan.manual_seed(seed)                       # same initial weights for every configuration
    G, D = Generator(Z_DIM, 2).to(args.backend), Discriminator(2).to(args.backend)
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
        fake = G(gan.noise(BATCH))
        loss_G = gan.generator_step(fake)                           # -log D(G(z)), D fixed
        if it % EVERY == 0:
            points = gan.sample(z_eval).numpy() * SCALE
            cov = count_modes(points, N_MODES, RADIUS, STD)
            curve.append((it, cov.modes, cov.high_quality))
            snapshots[it] = points
    return snapshots, numpy.array(curve)


t0 = time.perf_counter()
good_snaps, good_curve = train_gan(1e-3, ITERATIONS, args.seed)
t_good = time.perf_counter() - t0
print(f"lr 1e-3: {ITERATIONS} iterations in {t_good:.1f} s; modes covered every {EVERY} iterations:")
print("  " + " ".join(str(int(m)) for m in good_curve[:, 1]))

# %% [markdown]
# ## 3. Provoking mode collapse: a learning rate ten times too large
# Same data, same initial weights, same noise: only the learning rate changes, to 1e-2. The
# generator's big steps chase whatever region D currently likes best; D answers by rejecting
# that region, and G moves its whole mass to the next one. The points shrink onto an arc through
# two or three modes while the other modes are abandoned. It can get worse still: in some runs
# (another seed, or merely another number of BLAS threads, which changes the rounding and so the
# whole trajectory of this chaotic game) the generator's Tanh saturates and its points are pushed
# to the edge of Tanh's range (the border of the plot), where they cover no mode at all. The
# lesson prints the share of such saturated points at the end.

# %%
t0 = time.perf_counter()
bad_snaps, bad_curve = train_gan(1e-2, ITERATIONS, args.seed)
print(f"lr 1e-2: {ITERATIONS} iterations in {time.perf_counter() - t0:.1f} s; modes covered:")
print("  " + " ".join(str(int(m)) for m in bad_curve[:, 1]))

second_half = slice(len(good_curve) // 2, None)
good_mean, bad_mean = good_curve[second_half, 1].mean(), bad_curve[second_half, 1].mean()
print(f"mean number of modes covered over the second half of training: lr 1e-3 {good_mean:.2f}, "
      f"lr 1e-2 {bad_mean:.2f}")
print(f"at the end: lr 1e-3 covers {int(good_curve[-1, 1])} modes, lr 1e-2 covers {int(bad_curve[-1, 1])}")
for name, snaps in (("lr 1e-3", good_snaps), ("lr 1e-2", bad_snaps)):
    last = snaps[max(snaps)]
    saturated = float((numpy.abs(last) > 0.99 * SCALE).any(axis=1).mean())
    print(f"  {name}: {100 * saturated:.0f}% of the final points sit at the edge of Tanh's range (saturated)")
check(good_mean >= 4, "the healthy run covers at least half of the 8 modes on average over its second half")
check(good_mean >= bad_mean + 2, "the run with a 10x learning rate covers at least 2 modes fewer on average: mode collapse")
check(good_curve[-1, 1] > bad_curve[-1, 1], "at the end of training the healthy run covers more modes than the collapsed one")

# %% [markdown]
# ## 4. Pictures: snapshots and the coverage curves

# %%
import matplotlib.pyplot as plt  # noqa: E402

show = [it for it in numpy.linspace(0, ITERATIONS, 6).astype(int)[1:]]
show = [max(EVERY, EVERY * round(it / EVERY)) for it in show]
fig, axes = plt.subplots(2, len(show), figsize=(3.2 * len(show), 6.6), sharex=True, sharey=True)
for row, (name, snaps, curve) in enumerate((("lr 1e-3", good_snaps, good_curve), ("lr 1e-2", bad_snaps, bad_curve))):
    for col, it in enumerate(show):
        ax = axes[row, col]
        ax.scatter(real_eval[:, 0], real_eval[:, 1], s=1, color="lightgray")
        pts = snaps[it]
        ax.scatter(pts[:, 0], pts[:, 1], s=1, alpha=0.5, color="C0" if row == 0 else "C3")
        ax.scatter(centers[:, 0], centers[:, 1], marker="x", color="k", s=20)
        modes = int(curve[curve[:, 0] == it, 1][0])
        ax.set_title(f"{name}, iteration {it}\n{modes}/8 modes covered", fontsize=9)
        ax.set_xlim(-2.8, 2.8)
        ax.set_ylim(-2.8, 2.8)
        ax.set_aspect("equal")
fig.suptitle("generated points (colour) on the real ring (grey): healthy run above, collapse below")
fig.tight_layout()
save(fig, args, "snapshots.png")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
ax1.plot(good_curve[:, 0], good_curve[:, 1], "o-", ms=3, label="lr 1e-3")
ax1.plot(bad_curve[:, 0], bad_curve[:, 1], "o-", ms=3, color="C3", label="lr 1e-2 (10x too large)")
ax1.set_ylim(-0.3, 8.3)
ax1.set_xlabel("iteration")
ax1.set_ylabel("modes covered (of 8)")
ax1.set_title("mode coverage during training")
ax1.legend()
ax2.plot(good_curve[:, 0], 100 * good_curve[:, 2], "o-", ms=3, label="lr 1e-3")
ax2.plot(bad_curve[:, 0], 100 * bad_curve[:, 2], "o-", ms=3, color="C3", label="lr 1e-2")
ax2.set_xlabel("iteration")
ax2.set_ylabel("% of points within 3 std of a centre")
ax2.set_title("sample quality: collapsed points can be 'good' yet few modes")
ax2.legend()
fig.tight_layout()
save(fig, args, "mode_coverage.png")

print("\nNext: lesson 07 trains the course's MLP GAN on MNIST.")
