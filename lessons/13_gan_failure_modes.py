"""Lesson 13: how GAN training fails, provoked on purpose and measured.

What you learn here:
  * mode collapse: a generator that is trained much harder than its discriminator puts all its
    samples in one small blob, and the blob hops from place to place as D catches up;
  * the discriminator that wins too early: with the original minimax generator loss
    log(1 - D(G(z))) the generator's gradient shrinks with D(G(z)), so a confident D leaves G
    almost nothing to learn from; the non-saturating loss -log D(G(z)) keeps it large;
  * oscillation: with a learning rate that is too high the two players overshoot each other,
    and D's loss and the generated points swing instead of settling.

Everything runs on the 2-D ring of 8 Gaussians (fast on any CPU) with minigan.training.GAN and
the course's MLP pair, narrowed to 64 units per hidden layer so that each experiment takes
seconds. Each failure is compared with a healthy run of the same code.

Run:  python lessons/13_gan_failure_modes.py [--quick] [--backend cupy]
"""
# %% [markdown]
# # GAN failure modes
# A GAN is two networks playing against each other, and the game can go wrong in a few typical
# ways. We provoke each one deliberately on a toy problem where we can see every sample.

# %%
import copy
import math
import time

import matplotlib.pyplot as plt
import numpy

from _common import check, save, setup

import minigan
from minigan.data import count_modes, mode_centers, ring_of_gaussians
from minigan.models import Discriminator, Generator
from minigan.training import GAN

args = setup("13_gan_failure_modes", "Mode collapse, a discriminator that wins too early (vanishing generator "
                       "gradients), and oscillation, each provoked on the 2-D ring and measured.")
t_start = time.perf_counter()


def on_backend(array, requires_grad=False):
    """A tensor holding ``array`` (NumPy data) on the backend chosen with --backend."""
    return minigan.tensor(array).requires_grad_(requires_grad)


SCALE = 2.5            # the ring has radius 2; divided by 2.5 it fits inside Tanh's range (-1, 1)
HIDDEN = 64            # the course's MLP uses 128/256 units; 64 keeps every run to seconds
BATCH = 128
CENTERS = mode_centers(8, 2.0)
if args.quick:
    STEPS, COLLAPSE_ITERS, D_PRETRAIN = 800, 300, 1000
else:
    STEPS, COLLAPSE_ITERS, D_PRETRAIN = 3000, 1500, 2000
EVERY = 10             # take a snapshot of the generator every 10 iterations


def make_gan(lr=1e-3, g_loss="non-saturating"):
    """A fresh generator/discriminator pair, seeded the same way for every experiment."""
    minigan.manual_seed(args.seed)
    G = Generator(z_dim=2, out_features=2, hidden=(HIDDEN, HIDDEN))
    D = Discriminator(in_features=2, hidden=(HIDDEN, HIDDEN))
    return GAN(G, D, z_dim=2, lr=lr, betas=(0.5, 0.999), g_loss=g_loss)


def real_batch(rng, n=BATCH):
    return on_backend(ring_of_gaussians(n, seed=rng) / SCALE)


# one fixed noise batch, so that snapshots of the generator are comparable over time
Z_FIXED = on_backend(numpy.random.default_rng(123).standard_normal((500, 2)).astype(numpy.float32))


def snapshot(gan):
    """The generator's points for Z_FIXED, in data units (host NumPy, for measuring and plotting)."""
    return gan.sample(Z_FIXED).numpy() * SCALE


def mode_entropy(points):
    """Entropy of 'which mode is nearest' over the samples: ln 8 = 2.08 when the samples spread
    evenly over the 8 modes, 0 when they all sit next to one mode."""
    nearest = numpy.linalg.norm(points[:, None, :] - CENTERS[None], axis=2).argmin(axis=1)
    p = numpy.bincount(nearest, minlength=8) / len(points)
    p = p[p > 0]
    return abs(float(-(p * numpy.log(p)).sum()))      # abs: no '-0.00' when all sit at one mode


def spread(points):
    """Average standard deviation of the samples along x and y (the real ring: about 1.41)."""
    return float(points.std(axis=0).mean())


def train(gan, iterations, g_steps=1):
    """Train: each iteration is one D step and one G step (GAN.train_step), plus g_steps - 1
    extra generator steps. Returns per-iteration D losses and a snapshot every EVERY iterations."""
    rng = numpy.random.default_rng(args.seed)
    d_losses, snaps = [], []
    for i in range(1, iterations + 1):
        out = gan.train_step(real_batch(rng))
        d_losses.append(float(out["d_loss"]))
        for _ in range(g_steps - 1):                  # extra generator steps against the same D
            gan.generator_step(gan.G(gan.noise(BATCH)))
        if i % EVERY == 0:
            snaps.append(snapshot(gan))
        if not math.isfinite(d_losses[-1]):
            raise RuntimeError(f"D's loss became {d_losses[-1]} at iteration {i}")
    return numpy.array(d_losses), snaps


# %% [markdown]
# ## 0. A healthy run for reference
# The same settings as the MNIST runs (Adam, beta1 = 0.5) with lr = 1e-3: one discriminator
# step, then one generator step, per iteration. The samples spread over the whole ring.

# %%
healthy = make_gan(lr=1e-3)
t0 = time.perf_counter()
healthy_dl, healthy_snaps = train(healthy, STEPS)
print(f"healthy run: {STEPS} iterations in {time.perf_counter() - t0:.1f} s")
second_half = slice(len(healthy_snaps) // 2, None)
h_entropy = numpy.median([mode_entropy(p) for p in healthy_snaps[second_half]])
h_spread = numpy.median([spread(p) for p in healthy_snaps[second_half]])
coverage = count_modes(healthy_snaps[-1])
print(f"  second half: median mode entropy {h_entropy:.2f} (ln 8 = {math.log(8):.2f}), "
      f"median spread {h_spread:.2f} (the ring: 1.41)")
print(f"  at the end: {coverage.modes} of 8 modes covered by >= 1% of the samples within 3 std; "
      f"{100 * coverage.high_quality:.0f}% of the samples that close to a centre")
check(h_entropy > 1.8, "a healthy GAN spreads its samples over the modes (nearest-mode entropy "
                       "close to ln 8 = 2.08)")

# %% [markdown]
# ## 1. Mode collapse: a generator that is trained too hard
# For a *fixed* discriminator the generator's best answer is to put every sample where D scores
# highest: one place. Only D's reaction pushes it away again. Here the generator takes 5 steps
# for every discriminator step, so it reaches that one place before D can object. The result is
# the classic picture: all samples in one blob, and the blob jumping to another spot each time
# D catches up ("mode hopping"), instead of covering all modes at once.

# %%
collapsed = make_gan(lr=1e-3)
t0 = time.perf_counter()
_, collapsed_snaps = train(collapsed, COLLAPSE_ITERS, g_steps=5)
print(f"5 generator steps per discriminator step: {COLLAPSE_ITERS} iterations in {time.perf_counter() - t0:.1f} s")
half = slice(len(collapsed_snaps) // 2, None)
c_entropy = numpy.median([mode_entropy(p) for p in collapsed_snaps[half]])
c_spread = numpy.median([spread(p) for p in collapsed_snaps[half]])
c_means = numpy.array([p.mean(axis=0) for p in collapsed_snaps[half]])
h_means = numpy.array([p.mean(axis=0) for p in healthy_snaps[second_half]])
c_hop = float(numpy.linalg.norm(numpy.diff(c_means, axis=0), axis=1).mean())
h_hop = float(numpy.linalg.norm(numpy.diff(h_means, axis=0), axis=1).mean())
print(f"  second half: median mode entropy {c_entropy:.2f} (healthy {h_entropy:.2f}), "
      f"median spread {c_spread:.2f} (healthy {h_spread:.2f})")
print(f"  the centre of the samples moves {c_hop:.2f} per {EVERY} iterations on average "
      f"(healthy: {h_hop:.2f}): the blob hops around the ring")
check(c_entropy < 1.2 < h_entropy, "an over-trained generator collapses: most of its samples are "
                                   "nearest to one or two modes (entropy < 1.2, the healthy run's > 1.2)")
check(c_spread < 0.6 * h_spread, "the collapsed samples occupy a small blob: their spread is less than "
                                 "60% of the healthy run's")
check(c_hop > 5 * h_hop, "the collapsed blob hops: its centre moves more than 5x as much per "
                         "snapshot as the healthy samples' centre")

fig, axes = plt.subplots(1, 3, figsize=(14, 4.6))
real = ring_of_gaussians(1000, seed=numpy.random.default_rng(1))
pick = numpy.linspace(len(collapsed_snaps) // 2, len(collapsed_snaps) - 1, 6).astype(int)
colors = plt.cm.viridis(numpy.linspace(0, 1, len(pick)))
axes[0].scatter(real[:, 0], real[:, 1], s=3, alpha=0.4, color="gray")
axes[0].set_title("real data: 8 modes")
axes[1].scatter(*healthy_snaps[-1].T, s=3, alpha=0.5, color="tab:green")
axes[1].set_title(f"healthy G (iteration {STEPS})")
for color, j in zip(colors, pick):
    axes[2].scatter(*collapsed_snaps[j].T, s=3, alpha=0.6, color=color,
                    label=f"iteration {(j + 1) * EVERY}")
axes[2].set_title("G trained 5x harder than D: one blob, hopping")
axes[2].legend(fontsize=7, markerscale=3, loc="lower right")
for ax in axes:
    ax.scatter(CENTERS[:, 0], CENTERS[:, 1], marker="x", color="k", s=30)
    ax.set_xlim(-2.7, 2.7)
    ax.set_ylim(-2.7, 2.7)
    ax.set_aspect("equal")
fig.tight_layout()
save(fig, args, "mode_collapse.png")

# %% [markdown]
# ## 2. A discriminator that wins too early
# Early in training the fakes are easy to spot, and D learns to reject them with near-certainty.
# Write D = sigmoid(a), a the discriminator's logit. The two generator losses differ in what they
# send back through a:
#
#   minimax          log(1 - D)    d/da = -D          -> 0 when D(G(z)) -> 0
#   non-saturating   -log D        d/da = -(1 - D)    -> -1 when D(G(z)) -> 0
#
# So under the minimax loss G's gradient is scaled by D(G(z)) itself. We keep G fixed, train
# only D for a while, and measure the norm of G's gradient under both losses as D gets stronger.

# %%


def generator_grad_norms(gan, z):
    """Norm of d(loss)/d(G's parameters) for the minimax and the non-saturating loss, same batch."""
    fake = gan.G(z)
    d_fake = gan.D(fake)
    ones = minigan.ones(d_fake.shape[0], 1)
    zeros = minigan.zeros(d_fake.shape[0], 1)
    losses = {"minimax": -gan.criterion(d_fake, zeros),        # log(1 - D(G(z)))
              "non-saturating": gan.criterion(d_fake, ones)}   # -log D(G(z))
    norms = {}
    for name, loss in losses.items():
        gan.G.zero_grad()
        loss.backward(retain_graph=True)
        norms[name] = math.sqrt(sum(float((p.grad * p.grad).sum().item()) for p in gan.G.parameters()))
    gan.G.zero_grad()
    return norms, float(d_fake.mean().item())


strong = make_gan(lr=1e-3)
rng = numpy.random.default_rng(args.seed)
z_probe = strong.noise(BATCH)
checkpoints = sorted({0, 50, 100, 200, 300, 500, 1000, D_PRETRAIN})
rows = []
t0 = time.perf_counter()
for step in range(D_PRETRAIN + 1):
    if step in checkpoints:
        norms, d_g_z = generator_grad_norms(strong, z_probe)
        rows.append((step, d_g_z, norms["minimax"], norms["non-saturating"]))
    if step < D_PRETRAIN:
        strong.discriminator_step(real_batch(rng))          # trains D only; G stays as it was
print(f"{D_PRETRAIN} discriminator-only steps in {time.perf_counter() - t0:.1f} s")
print(f"  {'D steps':>8}  {'mean D(G(z))':>12}  {'|grad G| minimax':>17}  {'|grad G| non-sat.':>17}  {'ratio':>8}")
for step, d_g_z, mm, ns in rows:
    print(f"  {step:8d}  {d_g_z:12.2e}  {mm:17.3e}  {ns:17.3e}  {mm / ns:8.1e}")
_, final_dgz, final_mm, final_ns = rows[-1]
check(final_dgz < 0.01, f"after {D_PRETRAIN} steps against a fixed generator D rejects the fakes "
                        "confidently (mean D(G(z)) < 0.01)")
check(final_mm < 1e-2 * final_ns, "then the minimax loss gives the generator a gradient at least 100x "
                                  "(two orders of magnitude) smaller than the non-saturating loss")
check(rows[0][2] > 0.1 * rows[0][3], "with an untrained D the two gradients are of the same order "
                                     "(ratio > 0.1): the gap is D's confidence, not the loss's scale")

# What a plain gradient step (SGD) does with those gradients: the generated points move by about
# lr * |grad|. (Adam divides each step by a running estimate of the gradient's size, which hides
# the scale; that is one reason GANs are trained with Adam, but the minimax gradient is still
# dominated by the handful of samples that D happens to be least sure about.)
lr_sgd = 0.1
moves = {}
before = strong.G(z_probe).numpy()
for name in ("minimax", "non-saturating"):
    G_copy = copy.deepcopy(strong.G)
    probe = GAN(G_copy, strong.D, z_dim=2, g_loss=name)
    probe.opt_G = minigan.optim.SGD(G_copy.parameters(), lr=lr_sgd)
    probe.generator_step(G_copy(z_probe))                  # one SGD step on the generator
    moves[name] = float(numpy.linalg.norm(G_copy(z_probe).numpy() - before, axis=1).mean())
print(f"one SGD step (lr {lr_sgd}) moves the generated points by {moves['minimax']:.2e} (minimax) "
      f"against {moves['non-saturating']:.2e} (non-saturating), in scaled data units")
check(moves["minimax"] < 0.05 * moves["non-saturating"], "one plain gradient step under the minimax loss "
                                                       "moves G's samples over 20x less than under the "
                                                       "non-saturating loss")

fig, ax = plt.subplots(figsize=(6.5, 4.2))
steps_axis = [r[0] for r in rows]
ax.semilogy(steps_axis, [r[2] for r in rows], "o-", label="|grad G|, minimax log(1 - D(G(z)))")
ax.semilogy(steps_axis, [r[3] for r in rows], "s-", label="|grad G|, non-saturating -log D(G(z))")
ax.semilogy(steps_axis, [r[1] for r in rows], "^--", color="gray", label="mean D(G(z))")
ax.set_xlabel("discriminator-only training steps (G fixed)")
ax.set_title("a confident discriminator starves the minimax generator")
ax.legend(fontsize=8)
fig.tight_layout()
save(fig, args, "vanishing_gradients.png")

# %% [markdown]
# ## 3. Oscillation: a learning rate that is too high
# With lr = 2e-2 (20x the healthy run) each player overshoots the other's last move: D's loss
# swings up and down instead of settling near its equilibrium value 2 ln 2 = 1.39, and the
# generated points wander around the plane. We measure D's loss smoothed over 25 iterations
# (which removes minibatch noise and keeps the slow swings) over the same window of
# iterations, 200 to 800, in both runs and in both modes.
# Such a run is chaotic: the last bits of the arithmetic (another BLAS, another thread count,
# the GPU) send it down another path. Later on it often ends in one of two dead ends: a
# generator collapsed onto one spot, or a discriminator whose sigmoid saturates so completely
# (outputs of exactly 0 or 1 in float32) that its loss freezes at the clamp value 100 and no
# gradient flows any more. The full run shows what happened on this machine.

# %%
fast = make_gan(lr=2e-2)
t0 = time.perf_counter()
fast_dl, fast_snaps = train(fast, STEPS)
print(f"lr = 2e-2: {STEPS} iterations in {time.perf_counter() - t0:.1f} s")
WINDOW = (200, 800)


def smoothed(d_losses):
    return numpy.convolve(d_losses, numpy.ones(25) / 25, mode="valid")


def swings(d_losses, snaps):
    """Std of the smoothed D loss, and how far the samples' centre wanders (norm of the std of the
    centre over the snapshots), both over WINDOW."""
    loss_swing = float(smoothed(d_losses)[WINDOW[0]:WINDOW[1] - 24].std())
    centres = numpy.array([p.mean(axis=0) for p in snaps[WINDOW[0] // EVERY:WINDOW[1] // EVERY]])
    wander = float(numpy.linalg.norm(centres.std(axis=0)))
    return loss_swing, wander


h_swing, h_wander = swings(healthy_dl, healthy_snaps)
f_swing, f_wander = swings(fast_dl, fast_snaps)
print(f"  iterations {WINDOW[0]}-{WINDOW[1]}: std of D's smoothed loss: lr 1e-3 {h_swing:.3f}, lr 2e-2 {f_swing:.3f}")
print(f"  iterations {WINDOW[0]}-{WINDOW[1]}: wander of the samples' centre: lr 1e-3 {h_wander:.3f}, "
      f"lr 2e-2 {f_wander:.3f}")
# Printed, not checked: a chaotic run's numbers depend on the last bits of the arithmetic (the
# ratio of the two swings was 2.3x to 28x on the machines tried). The fact itself is checked
# below on a game small enough to have no chaos and no noise at all.
print(f"  ratio of the swings: {f_swing / h_swing:.1f}x")
if STEPS > WINDOW[1]:
    last = slice(-250, None)
    print(f"  the last 250 iterations: mean D loss {healthy_dl[last].mean():.2f} at lr 1e-3, "
          f"{fast_dl[last].mean():.2f} at lr 2e-2 (100 = a saturated, dead discriminator); "
          f"mode entropy {mode_entropy(healthy_snaps[-1]):.2f} against {mode_entropy(fast_snaps[-1]):.2f}")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.2))
for dl, label in ((healthy_dl, "lr 1e-3 (stable)"), (fast_dl, "lr 2e-2 (too high)")):
    ax1.plot(smoothed(dl), label=label)
ax1.axhline(2 * math.log(2), color="gray", ls="--", lw=0.8, label="2 ln 2: D cannot tell")
ax1.axvspan(*WINDOW, color="gray", alpha=0.1, label="measured window")
ax1.set_ylim(0, 3)              # a dead discriminator's loss (100) is off the top
ax1.set_xlabel("iteration")
ax1.set_ylabel("D loss (moving average of 25; cut at 3)")
ax1.legend()
for snaps, label in ((healthy_snaps, "lr 1e-3"), (fast_snaps, "lr 2e-2")):
    centres = numpy.array([p.mean(axis=0) for p in snaps])
    ax2.plot(centres[:, 0], centres[:, 1], ".-", ms=2, lw=0.6, label=label)
ax2.scatter(CENTERS[:, 0], CENTERS[:, 1], marker="x", color="k", s=30)
ax2.set_aspect("equal")
ax2.set_title("path of the generated samples' centre")
ax2.legend()
fig.tight_layout()
save(fig, args, "oscillation.png")

# %% [markdown]
# ### The same overshoot with no noise: the Dirac GAN
# Strip the game to one number per player (Mescheder et al., 2018). The data is a single point
# at x = 0; the generator outputs a single point theta; the discriminator is D(x) = sigmoid(psi x).
# The equilibrium is theta = 0 (G matches the data) and psi = 0 (D cannot tell). With the
# zero-sum (minimax) losses the two gradients are, with s = sigmoid(psi theta),
#     d loss_D / d psi = theta s        d loss_G / d theta = -psi s
# each player's push is proportional to the *other* player's position: a rotation. Followed
# with infinitely small steps it keeps the distance r from the equilibrium exactly constant
# (d(r^2)/dt = 2 s (theta psi - psi theta) = 0): the players circle for ever. Any real step is a
# straight line along the circle's tangent, so it lands outside: with both players stepping at
# once, r^2 grows by lr^2 s^2 r^2 every step. The pair spirals outwards, faster for a larger
# learning rate. No randomness, no chaos: the same on every machine.

# %%
def dirac_gan(lr, steps, theta0=1.0, psi0=0.0):
    """Simultaneous gradient descent on the Dirac GAN; returns the path of (theta, psi)."""
    theta = minigan.tensor([theta0], dtype="float64", requires_grad=True)
    psi = minigan.tensor([psi0], dtype="float64", requires_grad=True)
    real_x = minigan.zeros(1, dtype="float64")
    ones, zeros = minigan.ones(1, dtype="float64"), minigan.zeros(1, dtype="float64")
    path = [(theta0, psi0)]
    for _ in range(steps):
        bce = minigan.functional.binary_cross_entropy_with_logits
        loss_d = bce(psi * real_x, ones) + bce(psi * theta.detach(), zeros)   # D: real 1, fake 0
        loss_g = -bce(psi.detach() * theta, zeros)            # G: minimax, the zero-sum game itself
        theta.grad = psi.grad = None
        loss_d.backward()
        loss_g.backward()
        with minigan.no_grad():           # both players step from the same point
            psi.array -= lr * psi.grad.array
            theta.array -= lr * theta.grad.array
        path.append((theta.item(), psi.item()))
    return numpy.array(path)


DIRAC_STEPS = 300
paths = {lr: dirac_gan(lr, DIRAC_STEPS) for lr in (0.1, 0.5)}
for lr, path in paths.items():
    radius = numpy.hypot(path[:, 0], path[:, 1])
    turns = int((numpy.diff(numpy.sign(path[:, 0])) != 0).sum())
    print(f"  Dirac GAN, lr {lr}: distance from the equilibrium {radius[0]:.2f} -> {radius[-1]:.2f} "
          f"in {DIRAC_STEPS} steps; theta changed sign {turns} times")
    check(radius[-1] > radius[0] and turns >= 2,
          f"with lr {lr} the Dirac GAN circles its equilibrium (theta changes sign) and ends further "
          "from it than it started: gradient descent never settles")
r_small, r_large = (numpy.hypot(*paths[lr][-1]) for lr in (0.1, 0.5))
check(r_large > r_small, "a larger learning rate overshoots more: after the same number of steps the "
                         "lr 0.5 run is further from the equilibrium than the lr 0.1 run")

fig, ax = plt.subplots(figsize=(5.5, 5.5))
for lr, path in paths.items():
    ax.plot(path[:, 0], path[:, 1], lw=0.8, label=f"lr {lr}")
ax.scatter([0], [0], marker="*", s=120, color="k", label="equilibrium")
ax.scatter([1], [0], marker="o", color="gray", label="start")
ax.set_xlabel("theta (the generator's point)")
ax.set_ylabel("psi (the discriminator's slope)")
ax.set_aspect("equal")
ax.set_title("Dirac GAN: simultaneous gradient descent spirals out")
ax.legend(fontsize=8)
fig.tight_layout()
save(fig, args, "dirac_gan.png")

# %% [markdown]
# ## Summary
# * Mode collapse is the generator's natural answer to a discriminator that reacts too slowly;
#   balance the two (k discriminator steps per generator step, equal learning rates) and watch
#   the spread of the samples, not only the losses.
# * The minimax generator loss starves G exactly when G is worst; the non-saturating loss, which
#   minigan's GAN uses by default, does not.
# * A learning rate that is too high makes the game swing instead of settle, and often ends it
#   altogether (a saturated discriminator, a collapsed generator); the course's lr = 2e-4 with
#   beta1 = 0.5 is on the safe side.

# %%
print(f"\nlesson finished in {time.perf_counter() - t_start:.1f} s")
