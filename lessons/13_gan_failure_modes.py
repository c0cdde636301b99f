"""Lesson 13: how GAN training fails, provoked on purpose and measured, and what is done about it.

What you learn here:
  * what a healthy run looks like, judged by mode coverage *and* sample quality, not only by
    how spread out the samples are;
  * mode collapse: a generator that is trained much harder than its discriminator puts all its
    samples in one small blob, and the blob hops from place to place as D catches up;
  * the discriminator that wins too early: with the original minimax generator loss
    log(1 - D(G(z))) the generator's gradient shrinks with D(G(z)), so a confident D leaves G
    almost nothing to learn from; the non-saturating loss -log D(G(z)) keeps it large;
  * why a discriminator can look "dead" at loss 100: a sigmoid inside the model followed by a
    probability BCE clamped at log = -100 loses every gradient once the sigmoid rounds to 0 or
    1; computing the loss from the logit (``binary_cross_entropy_with_logits``) does not;
  * oscillation: with a learning rate that is too high D's loss swings instead of settling;
  * the Dirac GAN (Mescheder et al. 2018), where all of this is exact: simultaneous gradient
    steps spiral out, alternating steps (what the course's trainer does) circle for ever at
    about the same distance, no learning rate makes unregularised gradient descent converge,
    and the R1 gradient penalty makes it converge;
  * the remedies for each failure, with their sources, and the variant lessons that use them.

Everything runs on the 2-D ring of 8 Gaussians (fast on any CPU) with minigan.training.GAN and
the course's MLP pair, narrowed to 64 units per hidden layer so that each experiment takes
seconds. Each failure is compared with a healthy run of the same code.

Notation: x is a real point of the ring (``real_batch``), z the generator's 2-D noise, G the
generator and D the discriminator (``gan.G``, ``gan.D``), D(x) the probability that x is real,
a D's logit (D = sigmoid(a)); lr the learning rate, k the number of D steps per G step. In the
Dirac GAN, theta is the generator's one parameter (its output point) and psi the
discriminator's (D(x) = sigmoid(psi x)); gamma is the weight of the R1 penalty.

Source: minigan/training/gan.py, minigan/functional/loss.py, minigan/data/toy.py, minigan/autograd.py

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
# Each mode's standard deviation. The common benchmark uses 0.02 (VEEGAN, unrolled GANs); with
# 64-unit networks and a few thousand steps that is too sharp to reach (measured: 1 to 5 of 8
# modes resolved within 3 std at 800 to 3000 steps), so this lesson uses 0.05 and judges quality
# at 3 of these standard deviations.
RING_STD = 0.05
HIDDEN = 64            # the course's MLP uses 128/256 units; 64 keeps every run to seconds
BATCH = 128
CENTERS = mode_centers(8, 2.0)
if args.quick:
    STEPS, FAST_STEPS, COLLAPSE_ITERS, D_PRETRAIN = 1400, 800, 300, 1000
else:
    STEPS, FAST_STEPS, COLLAPSE_ITERS, D_PRETRAIN = 3000, 3000, 1500, 2000
EVERY = 10             # take a snapshot of the generator every 10 iterations


def make_gan(lr=1e-3, g_loss="non-saturating"):
    """A fresh generator/discriminator pair, seeded the same way for every experiment."""
    minigan.manual_seed(args.seed)
    G = Generator(z_dim=2, out_features=2, hidden=(HIDDEN, HIDDEN))
    D = Discriminator(in_features=2, hidden=(HIDDEN, HIDDEN))
    return GAN(G, D, z_dim=2, lr=lr, betas=(0.5, 0.999), g_loss=g_loss)


def real_batch(rng, n=BATCH):
    return on_backend(ring_of_gaussians(n, std=RING_STD, seed=rng) / SCALE)


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
# step, then one generator step, per iteration. A healthy run must do two things: cover every
# mode (mode coverage) and put its samples *on* the modes, not between them (quality). We
# judge both with ``count_modes``: a sample is of high quality when it lies within 3 standard
# deviations of its nearest centre, and a mode is covered when at least 1% of the samples are
# high-quality samples of that mode. (Spread alone is not enough: a cloud over the whole disc
# is spread out and covers nothing.)

# %%
healthy = make_gan(lr=1e-3)
t0 = time.perf_counter()
healthy_dl, healthy_snaps = train(healthy, STEPS)
print(f"healthy run: {STEPS} iterations in {time.perf_counter() - t0:.1f} s")
second_half = slice(len(healthy_snaps) // 2, None)
h_entropy = numpy.median([mode_entropy(p) for p in healthy_snaps[second_half]])
h_spread = numpy.median([spread(p) for p in healthy_snaps[second_half]])
coverage = count_modes(healthy_snaps[-1], std=RING_STD)
real_coverage = count_modes(ring_of_gaussians(500, std=RING_STD, seed=numpy.random.default_rng(5)), std=RING_STD)
print(f"  second half: median mode entropy {h_entropy:.2f} (ln 8 = {math.log(8):.2f}), "
      f"median spread {h_spread:.2f} (the ring: 1.41)")
print(f"  at the end: {coverage.modes} of 8 modes covered; {100 * coverage.high_quality:.0f}% of the samples "
      f"within 3 std of a centre (500 real points: {real_coverage.modes} modes, "
      f"{100 * real_coverage.high_quality:.0f}%)")
check(h_entropy > 1.8, "a healthy GAN spreads its samples over the modes (nearest-mode entropy "
                       "close to ln 8 = 2.08)")
check(coverage.modes == 8 and coverage.high_quality > 0.2,
      "the healthy run covers all 8 modes, with more than 20% of its samples within 3 std of a centre "
      "(healthy, not perfect: real points reach about 99%)")

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

fig, axes = plt.subplots(1, 3, figsize=(14, 5.4))
real = ring_of_gaussians(1000, std=RING_STD, seed=numpy.random.default_rng(1))
pick = numpy.linspace(len(collapsed_snaps) // 2, len(collapsed_snaps) - 1, 6).astype(int)
colors = plt.cm.viridis(numpy.linspace(0, 1, len(pick)))
axes[0].scatter(real[:, 0], real[:, 1], s=3, alpha=0.4, color="gray")
axes[0].set_title("real data: 8 modes")
axes[1].scatter(*healthy_snaps[-1].T, s=3, alpha=0.5, color="tab:green")
axes[1].set_title(f"healthy G (iteration {STEPS}):\n{coverage.modes} of 8 modes, "
                  f"{100 * coverage.high_quality:.0f}% within 3 std")
for color, j in zip(colors, pick):
    axes[2].scatter(*collapsed_snaps[j].T, s=3, alpha=0.6, color=color,
                    label=f"iteration {(j + 1) * EVERY}")
axes[2].set_title("G trained 5x harder than D:\none blob, hopping")
axes[2].legend(fontsize=7, markerscale=3, loc="lower right")
for ax in axes:
    ax.scatter(CENTERS[:, 0], CENTERS[:, 1], marker="x", color="k", s=30)
    ax.set_xlim(-2.7, 2.7)
    ax.set_ylim(-2.7, 2.7)
    ax.set_aspect("equal")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
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
# lr * |grad|. Adam (Kingma & Ba 2015) divides each parameter's step by a running estimate of its
# gradient's size, so a gradient that is uniformly small still gives steps of about lr: the scale
# alone does not stop an Adam-trained generator. What no optimizer undoes is the weighting
# across samples: under the minimax loss the gradient through sample i's logit is -D(G(z_i)),
# so the few fakes that D is least sure about carry nearly all of it (checked below), while the
# non-saturating weights 1 - D(G(z_i)) are all close to 1.
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

with minigan.no_grad():
    d_probe = strong.D(strong.G(z_probe)).numpy().ravel().astype(numpy.float64)
w_minimax = numpy.sort(d_probe)[::-1]                   # |d loss / d a_i| = D(G(z_i)), largest first
w_nonsat = numpy.sort(1 - d_probe)[::-1]               # |d loss / d a_i| = 1 - D(G(z_i))
top = max(1, len(d_probe) // 10)
share_mm, share_ns = w_minimax[:top].sum() / w_minimax.sum(), w_nonsat[:top].sum() / w_nonsat.sum()
print(f"share of the total per-sample weight held by the top 10% of the {len(d_probe)} fakes: "
      f"minimax {100 * share_mm:.0f}%, non-saturating {100 * share_ns:.0f}% (even weights: 10%)")
check(share_mm > 0.5 and share_ns < 0.15,
      "under the minimax loss the 10% of fakes D is least sure about carry more than half of G's gradient "
      "weight; under the non-saturating loss every fake weighs about the same")

fig, ax = plt.subplots(figsize=(6.5, 4.2))
steps_axis = [r[0] for r in rows]
ax.semilogy(steps_axis, [r[2] for r in rows], "o-", label="|grad G|, minimax log(1 - D(G(z)))")
ax.semilogy(steps_axis, [r[3] for r in rows], "s-", label="|grad G|, non-saturating -log D(G(z))")
ax.semilogy(steps_axis, [r[1] for r in rows], "^--", color="gray", label="mean D(G(z))")
ax.set_xlabel("discriminator-only training steps (G fixed)")
ax.set_title("a confident discriminator starves\nthe minimax generator")
ax.set_ylabel("gradient norm, and mean D(G(z))")
ax.legend(fontsize=8)
fig.tight_layout()
save(fig, args, "vanishing_gradients.png")

# %% [markdown]
# ## 3. Oscillation: a learning rate that is too high
# With lr = 2e-2 (20x the healthy run) each player overshoots the other's last move, and D's
# loss swings up and down instead of settling near its equilibrium value 2 ln 2 = 1.39. We
# measure D's loss smoothed over 25 iterations (which removes minibatch noise and keeps the
# slow swings) over the same window of iterations, 200 to 800, in both runs and in both modes
# (quick and full mode run the same first 800 iterations, so they measure the same thing).
# Such a run is chaotic: the last bits of the arithmetic (another BLAS, another thread count,
# the GPU) or another seed send it down another path, and the size of the effect varies with
# them: on the 2-core CPU this lesson was written on, the ratio of the two swings was 7.2x,
# 17.6x and 16.4x at seeds 0, 1 and 2; earlier versions of the lesson and of the trainer printed
# anything from 0.8x (at seed 0) to 28x. So the check below is a measurement at the default
# seed on this code, not a law; the law is the Dirac GAN's, further down, which has no noise and
# no chaos.
# How far the samples' centre wanders is printed too; it is checked nowhere, because on the
# narrower ring of earlier versions of this lesson it came out equal at both rates: D's loss is
# the measure of the game's balance that we check.

# %%
fast = make_gan(lr=2e-2)
t0 = time.perf_counter()
fast_dl, fast_snaps = train(fast, FAST_STEPS)
print(f"lr = 2e-2: {FAST_STEPS} iterations in {time.perf_counter() - t0:.1f} s")
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
print(f"  ratio of the swings: {f_swing / h_swing:.1f}x")
check(f_swing > 2 * h_swing, "at the default seed, D's smoothed loss swings more than twice as much at lr 2e-2 "
                             "as at lr 1e-3 over iterations 200-800 (a measurement of a chaotic run)")
if FAST_STEPS > WINDOW[1]:
    last = slice(-250, None)
    print(f"  the last 250 iterations: mean D loss {healthy_dl[last].mean():.2f} at lr 1e-3, "
          f"{fast_dl[last].mean():.2f} at lr 2e-2; "
          f"mode entropy {mode_entropy(healthy_snaps[-1]):.2f} against {mode_entropy(fast_snaps[-1]):.2f}")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.2))
for dl, label in ((healthy_dl, "lr 1e-3 (stable)"), (fast_dl, "lr 2e-2 (too high)")):
    ax1.plot(smoothed(dl), label=label)
ax1.axhline(2 * math.log(2), color="gray", ls="--", lw=0.8, label="2 ln 2: D cannot tell")
ax1.axvspan(*WINDOW, color="gray", alpha=0.1, label="measured window")
ax1.set_ylim(0, 3)              # a saturated discriminator's loss (100, see below) is off the top
ax1.set_xlabel("iteration")
ax1.set_ylabel("D loss (moving average of 25; cut at 3)")
ax1.legend()
for snaps, label in ((healthy_snaps, "lr 1e-3"), (fast_snaps, "lr 2e-2")):
    centres = numpy.array([p.mean(axis=0) for p in snaps])
    ax2.plot(centres[:, 0], centres[:, 1], ".-", ms=2, lw=0.6, label=label)
ax2.scatter(CENTERS[:, 0], CENTERS[:, 1], marker="x", color="k", s=30)
ax2.set_aspect("equal")
ax2.set_title("path of the generated samples' centre")
ax2.set_xlabel("x")
ax2.set_ylabel("y")
ax1.set_title("D's loss")
ax2.legend()
fig.tight_layout()
save(fig, args, "oscillation.png")

# %% [markdown]
# ### A "dead" discriminator at loss 100 is an artefact of where the sigmoid sits
# Runs like this one sometimes end with D's loss frozen at exactly 100 and no gradient at all.
# That is not a property of GANs but of the arithmetic: the course's D ends in a Sigmoid layer,
# and the loss is BCE on the probability, which (like PyTorch's BCELoss) clamps log(p) at -100
# so that p = 0 gives a finite number. Once D's logit a is large enough that sigmoid(a) rounds
# to exactly 0 or 1 in float32 (a >= 17 rounds to 1, a <= -104 to 0), the loss sits at the
# clamp and the sigmoid's derivative is exactly 0: no gradient reaches D or G. Computed from
# the logit, log sigmoid(a) = -log(1 + exp(-a)) needs no clamp and its gradient never
# vanishes: -log D(x) for a real x scored a = -120 is 120, with gradient -1 with respect to a.
# (PyTorch's BCEWithLogitsLoss and minigan's ``binary_cross_entropy_with_logits`` do this; a
# D without the final Sigmoid layer, trained with them, cannot freeze like this.)

# %%
a = on_backend(numpy.array([-120.0, -30.0, 0.0, 30.0], dtype=numpy.float32), requires_grad=True)
target = minigan.ones(4)                                      # "these are real": the loss -log D
F_ = minigan.functional
prob_loss = F_.binary_cross_entropy(a.sigmoid(), target, reduction="none")
prob_loss.sum().backward()
prob_grad = a.grad.numpy().copy()
a.grad = None
logit_loss = F_.binary_cross_entropy_with_logits(a, target, reduction="none")
logit_loss.sum().backward()
logit_grad = a.grad.numpy()
exact = numpy.logaddexp(0.0, -a.numpy().astype(numpy.float64))          # log(1 + exp(-a)), in float64
exact_grad = -1.0 / (1.0 + numpy.exp(a.numpy().astype(numpy.float64)))  # d/da = -sigmoid(-a)
print(f"  logit a:                           {a.numpy()}")
print(f"  BCE(sigmoid(a), 1), clamped:       {prob_loss.numpy()}, d/da {prob_grad}")
print(f"  BCE with logits:                   {logit_loss.numpy()}, d/da {logit_grad}")
print(f"  log(1 + exp(-a)) in float64:       {exact}, d/da {exact_grad}")
check(prob_loss.numpy()[0] == 100.0 and prob_grad[0] == 0.0,
      "with the sigmoid inside the model, a real point scored a = -120 gives the clamp value 100 and a "
      "gradient of exactly 0: the 'dead' discriminator")
check(numpy.allclose(logit_loss.numpy(), exact, rtol=1e-6) and numpy.allclose(logit_grad, exact_grad, atol=1e-6),
      "computed from the logit the loss is log(1 + exp(-a)) = 120 there, with gradient -1: nothing dies")

# %% [markdown]
# ### The same overshoot with no noise: the Dirac GAN
# Strip the game to one number per player (Mescheder et al., 2018). The data is a single point
# at x = 0; the generator outputs a single point theta; the discriminator is D(x) = sigmoid(psi x).
# The equilibrium is theta = 0 (G matches the data) and psi = 0 (D cannot tell). With the
# zero-sum (minimax) losses the two gradients are, with s = sigmoid(psi theta),
#     d loss_D / d psi = theta s        d loss_G / d theta = -psi s
# each player's push is proportional to the *other* player's position: a rotation. Followed
# with infinitely small steps it keeps the distance r from the equilibrium exactly constant
# (d(r^2)/dt = 2 s (theta psi - psi theta) = 0): the players circle for ever. (The course's
# non-saturating generator loss has the same linearisation at the equilibrium, so the local
# picture is the same.) Real training takes finite steps, in one of two orders:
# * **simultaneous**: both players step from the same point. Each step is a straight line along
#   the circle's tangent, so it lands outside: r^2 grows by a factor 1 + lr^2 s^2 per step (near
#   the equilibrium), and the pair spirals outwards, faster for a larger learning rate;
# * **alternating** (what ``GAN.train_step`` does: D steps, then G steps against the new D): the
#   update's matrix has determinant 1, so near the equilibrium it neither shrinks nor grows
#   areas; for a small enough lr (lr s < 2 in the linearisation, s = 1/2 at the equilibrium)
#   its eigenvalues lie *on* the unit circle: the pair circles for ever at a distance that stays
#   near where it started; for a large lr (3 in the sweep below) it diverges.
# Neither converges, for any learning rate: Mescheder et al. (2018) prove that unregularised
# gradient descent on the Dirac GAN does not converge to the equilibrium, simultaneous or
# alternating. What does converge is a regularised game. Their R1 penalty adds
# (gamma / 2) |grad_x a(x)|^2 at the *real* points to D's loss (a = D's logit): it penalises D
# for having a slope where the data is, which here is (gamma / 2) psi^2, a friction on psi.
# We compute it as the engine would in a real GAN, through a gradient of D with respect to its
# input (``minigan.autograd.grad`` with create_graph=True), and differentiate it again.

# %%
bce = minigan.functional.binary_cross_entropy_with_logits


def dirac_gan(lr, steps, scheme="simultaneous", gamma=0.0, theta0=1.0, psi0=0.0):
    """Gradient descent on the Dirac GAN (minimax losses); returns the path of (theta, psi).
    scheme: "simultaneous" (both step from the same point) or "alternating" (D first, then G
    against the new D). gamma > 0 adds the R1 penalty (gamma/2) |d a / d x|^2 at the real point."""
    theta = minigan.tensor([theta0], dtype="float64", requires_grad=True)
    psi = minigan.tensor([psi0], dtype="float64", requires_grad=True)
    ones, zeros = minigan.ones(1, dtype="float64"), minigan.zeros(1, dtype="float64")

    def d_gradient():
        real_x = minigan.zeros(1, dtype="float64", requires_grad=True)
        logit_real = psi * real_x
        loss_d = bce(logit_real, ones) + bce(psi * theta.detach(), zeros)     # D: real 1, fake 0
        if gamma:
            (slope,) = minigan.autograd.grad(logit_real.sum(), real_x, create_graph=True)
            loss_d = loss_d + (gamma / 2) * (slope * slope).sum()             # R1 at the data
        return minigan.autograd.grad(loss_d, psi)[0].array

    def g_gradient():
        loss_g = -bce(psi.detach() * theta, zeros)             # G: minimax, the zero-sum game itself
        return minigan.autograd.grad(loss_g, theta)[0].array

    path = [(theta0, psi0)]
    for _ in range(steps):
        if scheme == "simultaneous":
            gd, gg = d_gradient(), g_gradient()                # both from the same point
            psi.array -= lr * gd
            theta.array -= lr * gg
        else:
            psi.array -= lr * d_gradient()
            theta.array -= lr * g_gradient()                   # against the D just updated
        path.append((theta.item(), psi.item()))
    return numpy.array(path)


def radius(path):
    return numpy.hypot(path[:, 0], path[:, 1])


DIRAC_STEPS = 300
paths = {(scheme, lr): dirac_gan(lr, DIRAC_STEPS, scheme) for scheme in ("simultaneous", "alternating")
         for lr in (0.1, 0.5)}
for (scheme, lr), path in paths.items():
    r = radius(path)
    turns = int((numpy.diff(numpy.sign(path[:, 0])) != 0).sum())
    print(f"  Dirac GAN, {scheme:>12}, lr {lr}: distance from the equilibrium {r[0]:.2f} -> {r[-1]:.2f} "
          f"in {DIRAC_STEPS} steps (between {r.min():.2f} and {r.max():.2f}); theta changed sign {turns} times")
for lr in (0.1, 0.5):
    r, turns = radius(paths["simultaneous", lr]), int((numpy.diff(numpy.sign(paths["simultaneous", lr][:, 0])) != 0).sum())
    check(r[-1] > 1.2 * r[0] and turns >= 2,
          f"simultaneous steps with lr {lr}: the Dirac GAN circles its equilibrium (theta changes sign) and "
          "spirals outwards (ends more than 20% further away)")
    r, turns = radius(paths["alternating", lr]), int((numpy.diff(numpy.sign(paths["alternating", lr][:, 0])) != 0).sum())
    check(0.9 < r.min() and r.max() < 1.15 and turns >= 2,
          f"alternating steps with lr {lr}: it circles for ever at about the same distance (radius stays "
          "between 0.9 and 1.15 of a start at 1), neither converging nor diverging")
check(radius(paths["simultaneous", 0.5])[-1] > radius(paths["simultaneous", 0.1])[-1],
      "simultaneous steps: a larger learning rate spirals out faster (lr 0.5 ends further away than lr 0.1)")

# No learning rate helps: a sweep over four orders of magnitude, both schemes.
sweep = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
final_r = {(scheme, lr): float(radius(dirac_gan(lr, DIRAC_STEPS, scheme))[-1])
           for scheme in ("simultaneous", "alternating") for lr in sweep}
for scheme in ("simultaneous", "alternating"):
    print(f"  final distance after {DIRAC_STEPS} steps, {scheme:>12}: " +
          ", ".join(f"lr {lr} -> {final_r[scheme, lr]:.3g}" for lr in sweep))
check(min(final_r.values()) > 0.9,
      "for every learning rate from 0.003 to 3, simultaneous or alternating, unregularised gradient descent "
      "ends no closer than 0.9 to the equilibrium (it started at 1): it does not converge")

# With the R1 penalty both schemes converge.
r1_paths = {scheme: dirac_gan(0.1, DIRAC_STEPS, scheme, gamma=1.0) for scheme in ("simultaneous", "alternating")}
for scheme, path in r1_paths.items():
    print(f"  with R1 (gamma 1), {scheme:>12}, lr 0.1: distance {radius(path)[0]:.2f} -> {radius(path)[-1]:.1e}")
check(all(radius(path)[-1] < 1e-3 for path in r1_paths.values()),
      "with the R1 penalty (gamma 1, lr 0.1) both simultaneous and alternating steps converge to the "
      "equilibrium (distance below 0.001 after 300 steps)")

fig, axes = plt.subplots(1, 3, figsize=(15, 5.2))
for ax, scheme in zip(axes[:2], ("simultaneous", "alternating")):
    for lr in (0.1, 0.5):
        ax.plot(paths[scheme, lr][:, 0], paths[scheme, lr][:, 1], lw=0.8, label=f"lr {lr}")
    ax.set_title(f"{scheme} steps, no regulariser:\n" +
                 ("spirals out" if scheme == "simultaneous" else "circles for ever"))
axes[2].plot(r1_paths["simultaneous"][:, 0], r1_paths["simultaneous"][:, 1], lw=0.8, label="simultaneous")
axes[2].plot(r1_paths["alternating"][:, 0], r1_paths["alternating"][:, 1], lw=0.8, ls="--", label="alternating")
axes[2].set_title("with the R1 penalty (gamma 1, lr 0.1):\nconverges")
for ax in axes:
    ax.scatter([0], [0], marker="*", s=120, color="k", label="equilibrium", zorder=3)
    ax.scatter([1], [0], marker="o", color="gray", label="start", zorder=3)
    ax.set_xlabel("theta (the generator's point)")
    ax.set_ylabel("psi (the discriminator's slope)")
    ax.set_aspect("equal")
    ax.legend(fontsize=8, loc="upper right")
fig.tight_layout()
save(fig, args, "dirac_gan.png")

# %% [markdown]
# ## Remedies, and where the course uses them
# Each failure has known treatments (full references in lessons/READING.md):
# * **Mode collapse** -- *minibatch discrimination* (Salimans et al. 2016) lets D look at a
#   whole batch, so a batch of near-identical fakes is easy to reject; *unrolled GANs* (Metz et
#   al. 2017) let G anticipate D's next few steps, removing the incentive to hop; *Wasserstein
#   losses* (Arjovsky et al. 2017) give G a useful gradient towards every mode it misses; a
#   *conditional GAN* (Mirza & Osindero 2014) asks for each class by name, so no class can be
#   dropped silently. See the conditional GAN, WGAN and WGAN-GP lessons; the InfoGAN lesson
#   (Chen et al. 2016) adds latent codes that the generator must keep recoverable.
# * **A discriminator that wins too early (vanishing gradients)** -- the *non-saturating* loss
#   (Goodfellow et al. 2014; minigan's default, section 2); the *least-squares* loss (Mao et al.
#   2017, the LSGAN lesson), whose gradient grows with the distance from the decision boundary;
#   the Wasserstein critic, which does not saturate; *one-sided label smoothing* (Salimans et
#   al. 2016: real targets 0.9 instead of 1) and *instance noise* (Sonderby et al. 2017; Arjovsky
#   & Bottou 2017: blur both distributions with noise so they overlap) keep D from becoming
#   infinitely confident.
# * **Oscillation and non-convergence** -- gradient penalties: *R1* (Mescheder et al. 2018, the
#   Dirac GAN above) and the WGAN-GP penalty (Gulrajani et al. 2017, the WGAN-GP lesson);
#   instance noise, which Mescheder et al. show converges on the Dirac GAN too; and learning
#   rates chosen per player: the *two time-scale update rule* (Heusel et al. 2017) gives D a
#   larger learning rate than G and proves convergence to a local Nash equilibrium under its
#   assumptions, so "equal learning rates" is a convention (the course's), not a requirement.
# * **A saturated, "dead" discriminator** -- compute the loss from the logit (section 3).

# %% [markdown]
# ## Summary
# * A healthy run is judged by mode coverage and sample quality together.
# * Mode collapse is the generator's natural answer to a discriminator that reacts too slowly;
#   balance the two (k discriminator steps per generator step, or the two time-scale rule's
#   faster learning rate for D) and watch coverage and quality, not only the losses.
# * The minimax generator loss starves G exactly when G is worst; the non-saturating loss, which
#   minigan's GAN uses by default, does not.
# * A learning rate that is too high makes D's loss swing instead of settle; on the Dirac GAN no
#   learning rate makes plain gradient descent converge (simultaneous steps spiral out,
#   alternating ones circle), and a gradient penalty (R1) does.
# * A discriminator frozen at loss 100 is a numerical artefact of a sigmoid in the model with a
#   clamped probability loss; losses computed from logits do not freeze.

# %%
print(f"\nlesson finished in {time.perf_counter() - t_start:.1f} s")
