"""Lesson 05: the minimax game behind every GAN.

What you learn here:
  * binary cross-entropy (BCE), the loss both networks use, and how the discriminator's loss
    is exactly minus the value function V(D, G) of the game;
  * for a *fixed* generator the best discriminator is D*(x) = p_data(x) / (p_data(x) + p_g(x)).
    We compute it for two 1-D Gaussians and check that a small MLP trained with minigan on
    samples finds it;
  * at D*, V = -log 4 + 2 JSD(p_data, p_g), so the generator's best move is p_g = p_data, where
    D* = 1/2 everywhere and V = -log 4. (The course report states it as if D* only existed at
    that equilibrium; in fact D* exists for every generator, and equals 1/2 only there.)
  * the Jensen-Shannon divergence: its definition, its bounds 0 <= JSD <= log 2, why it is 0
    only at p_g = p_data; measured for moving distributions three independent ways (on a grid,
    by Monte Carlo, and by a trained discriminator);
  * why JSD is a poor guide when the supports hardly overlap: it flattens at log 2 whatever the
    distance (a 1-D sweep), so the generator gets no signal to move closer;
  * Goodfellow's Proposition 2 and its assumptions (optimal D at every step, updates in the
    space of densities): it converges when they hold, and a two-parameter generator shows what
    the capacity assumption means;
  * why the generator is trained with -log D(G(z)) (non-saturating) instead of the game's
    log(1 - D(G(z))): when D rejects the fakes confidently, the latter's gradient vanishes. The
    non-saturating game is no longer zero-sum, and at the optimal D its generator follows
    KL(p_g || p_data) - 2 JSD (Arjovsky & Bottou 2017): the reverse KL, which punishes fakes
    off the data far more than a missed mode, is the standard account of mode dropping.

Notation: x a sample (``real``, ``fake``, the points of ``grid``); z the noise; G the generator
(here a distribution we choose directly, N(MU_G, SD_G^2)); D the discriminator (``D``, an MLP
with a Sigmoid output; its logit is ``D[:-1](x)``); p_data and p_g the two densities
(``p_data``, ``p_g``, their logs ``log_p_data``, ``log_p_g``); D* the optimal discriminator
(``d_star``); V(D, G) the value function (``value``); JSD and KL the divergences (``jsd_grid``,
``kl_grid``); theta a generator parameter (``theta``).

Source: minigan/functional/loss.py, minigan/training/gan.py

Run:  python lessons/05_the_minimax_game.py [--quick] [--backend cupy]
"""
# %% [markdown]
# # The minimax game
#     min_G max_D  V(D, G) = E_{x ~ p_data}[log D(x)] + E_{z ~ p_z}[log(1 - D(G(z)))]
# The second expectation is over the generator's samples x = G(z), i.e. over p_g.

# %%
import math

import numpy

from _common import check, save, setup

import minigan
import minigan.functional as F
import minigan.nn as nn
from minigan.optim import Adam

args = setup("05_the_minimax_game", "Binary cross-entropy, the value function V(D, G), the optimal discriminator "
                       "checked against a trained one, and saturating against non-saturating "
                       "generator losses.")


def T(values, dtype=minigan.float64):
    """A tensor on the lesson's backend."""
    return minigan.tensor(numpy.asarray(values, dtype=dtype))


# %% [markdown]
# ## 1. Binary cross-entropy
# BCE(p, t) = -[t log p + (1 - t) log(1 - p)] for a predicted probability p and a label t.
# With label 1 it is -log p, with label 0 it is -log(1 - p). So the discriminator's loss
#     BCE(D(x), 1) + BCE(D(G(z)), 0) = -[log D(x) + log(1 - D(G(z)))]
# is minus the term inside V: minimising it is the "max over D" of the game.

# %%
p = T([0.9, 0.6, 0.2])
ones, zeros = T([1.0, 1.0, 1.0]), T([0.0, 0.0, 0.0])
bce1 = F.binary_cross_entropy(p, ones, reduction="none").numpy()
bce0 = F.binary_cross_entropy(p, zeros, reduction="none").numpy()
print("p           ", p.numpy())
print("BCE(p, 1)   ", bce1.round(4), "= -log p")
print("BCE(p, 0)   ", bce0.round(4), "= -log(1 - p)")
check(numpy.allclose(bce1, -numpy.log(p.numpy())) and numpy.allclose(bce0, -numpy.log(1 - p.numpy())),
      "BCE(p, 1) = -log p and BCE(p, 0) = -log(1 - p)")

d_real, d_fake = T([0.8]), T([0.3])
loss_D = F.binary_cross_entropy(d_real, T([1.0])) + F.binary_cross_entropy(d_fake, T([0.0]))
v_term = math.log(0.8) + math.log(1 - 0.3)
check(abs(loss_D.item() + v_term) < 1e-12, "D's BCE loss is minus log D(x) + log(1 - D(G(z))): minimising it maximises V")

# from logits (the pre-sigmoid score s, with D = sigmoid(s)) the same loss is computed stably
s = T([-200.0, -3.0, 0.0, 3.0], dtype=minigan.float32)
from_logits = F.binary_cross_entropy_with_logits(s, T([1.0] * 4, minigan.float32), reduction="none").numpy()
from_probs = F.binary_cross_entropy(s.sigmoid(), T([1.0] * 4, minigan.float32), reduction="none").numpy()
print("logit s          ", s.numpy())
print("BCE from logits  ", from_logits)
print("BCE from sigmoid ", from_probs, "(sigmoid(-200) underflows to 0 in float32; the log is clamped at -100)")
check(numpy.allclose(from_logits[1:], from_probs[1:], rtol=1e-5), "BCE from logits equals BCE of the sigmoid where both are finite")
check(from_logits[0] == 200.0 and from_probs[0] == 100.0,
      "at logit -200 only the logit form gives the true loss 200; the probability form is clamped at 100")

# %% [markdown]
# ## 2. The optimal discriminator for two 1-D densities
# For fixed G, V(D, G) = ∫ [p_data(x) log D(x) + p_g(x) log(1 - D(x))] dx. For each x, the function
# a log y + b log(1 - y) of y in (0, 1) peaks at y = a / (a + b). Hence D*(x) = p_data / (p_data + p_g).
# Here p_data = N(0, 1) and p_g = N(1.5, 0.75²): a generator that is off-target.

# %%
MU_D, SD_D, MU_G, SD_G = 0.0, 1.0, 1.5, 0.75
grid_np = numpy.linspace(-7.0, 8.0, 3001)
dx = float(grid_np[1] - grid_np[0])
grid = T(grid_np)


def log_gaussian(x, mu, sd):
    return (x - mu) ** 2 * (-0.5 / sd ** 2) - math.log(sd * math.sqrt(2 * math.pi))


def value(p_data, p_g, logit):
    """V(D, G) = ∫ p_data log D + p_g log(1 - D) dx for D = sigmoid(logit), by a Riemann sum.

    log D = -BCE(logit, 1) and log(1 - D) = -BCE(logit, 0), computed from the logit so that
    neither log ever sees a D rounded to exactly 0 or 1 far out in the tails."""
    n = logit.shape[0]
    log_d = -F.binary_cross_entropy_with_logits(logit, T(numpy.ones(n), logit.dtype), reduction="none")
    log_1md = -F.binary_cross_entropy_with_logits(logit, T(numpy.zeros(n), logit.dtype), reduction="none")
    return float(((p_data * log_d + p_g * log_1md).sum() * dx).item())


log_p_data, log_p_g = log_gaussian(grid, MU_D, SD_D), log_gaussian(grid, MU_G, SD_G)
p_data, p_g = log_p_data.exp(), log_p_g.exp()
d_star = p_data / (p_data + p_g)
logit_star = log_p_data - log_p_g              # D* = sigmoid(log p_data - log p_g), the same function
check(numpy.allclose(logit_star.sigmoid().numpy(), d_star.numpy(), atol=1e-12),
      "D* = p_data / (p_data + p_g) = sigmoid(log p_data - log p_g)")
check(abs(float(p_data.sum().item()) * dx - 1) < 1e-9, "the grid integrates the densities to 1 (to 1e-9)")
v_star = value(p_data, p_g, logit_star)
m = (p_data + p_g) * 0.5
jsd = float(((p_data * (p_data / m).log() + p_g * (p_g / m).log()).sum() * dx * 0.5).item())
print(f"\nV(D*, G) = {v_star:.6f};  -log 4 = {-math.log(4):.6f};  JSD(p_data, p_g) = {jsd:.6f}")
check(abs(v_star - (-math.log(4) + 2 * jsd)) < 1e-6, "on the grid, V(D*, G) = -log 4 + 2 JSD(p_data, p_g) (the identity, evaluated)")
check(v_star > -math.log(4), "when p_g differs from p_data, V(D*, G) is above its minimum -log 4")

# %% [markdown]
# ## 3. A discriminator trained on samples finds D*
# A small MLP with a Sigmoid output, trained with BCE on fresh samples of both densities each
# step (real labelled 1, generated labelled 0): exactly the discriminator step of a GAN whose
# generator happens to be N(1.5, 0.75²).

# %%
steps = 800 if args.quick else 3000
batch = 512
rng = numpy.random.default_rng(args.seed)


def train_discriminator(mu_g, sd_g, steps):
    D = nn.Sequential(nn.Linear(1, 32), nn.LeakyReLU(0.2), nn.Linear(32, 32), nn.LeakyReLU(0.2),
                      nn.Linear(32, 1), nn.Sigmoid())
    opt = Adam(D.parameters(), lr=2e-3, betas=(0.5, 0.999))
    bce = nn.BCELoss()
    real_label, fake_label = minigan.ones(batch, 1), minigan.zeros(batch, 1)
    for _ in range(steps):
        real = T(rng.normal(MU_D, SD_D, (batch, 1)), minigan.float32)
        fake = T(rng.normal(mu_g, sd_g, (batch, 1)), minigan.float32)
        opt.zero_grad()
        loss = bce(D(real), real_label) + bce(D(fake), fake_label)
        loss.backward()
        opt.step()
    return D


D = train_discriminator(MU_G, SD_G, steps)
with minigan.no_grad():
    logit_trained = D[:-1](grid.float().reshape(-1, 1)).reshape(-1).double()    # D without its Sigmoid
    d_trained = logit_trained.sigmoid()
mix = (p_data + p_g).numpy()
bulk = mix >= 0.05 * mix.max()            # where the two densities put their mass
gap = numpy.abs(d_trained.numpy() - d_star.numpy())[bulk].max()
lo, hi = grid_np[bulk].min(), grid_np[bulk].max()
print(f"trained for {steps} steps of {batch}+{batch} samples; on x in [{lo:.2f}, {hi:.2f}] "
      f"(where p_data + p_g is at least 5% of its peak) max |D - D*| = {gap:.4f}")
check(gap < 0.08, "the trained discriminator matches D* = p_data/(p_data + p_g) within 0.08 on the bulk of the data")
v_trained = value(p_data, p_g, logit_trained)
print(f"V(D_trained, G) = {v_trained:.6f}  <=  V(D*, G) = {v_star:.6f}")
check(v_trained <= v_star + 1e-9, "no discriminator beats D*: V(D_trained, G) <= V(D*, G)")
check(v_star - v_trained < 0.01, "the trained discriminator reaches V(D*, G) within 0.01")

# %% [markdown]
# ## 4. At the equilibrium p_g = p_data
# Then D* = p / (p + p) = 1/2 everywhere and V(D*, G) = ∫ p (log 1/2 + log 1/2) = -log 4: the
# discriminator cannot do better than a coin flip.

# %%
d_half = p_data / (p_data + p_data)
v_eq = value(p_data, p_data, log_p_data - log_p_data)        # logit 0, i.e. D = 1/2
check(numpy.abs(d_half.numpy() - 0.5).max() < 1e-12, "when p_g = p_data, D*(x) = 1/2 for every x")
check(abs(v_eq + math.log(4)) < 1e-6, f"when p_g = p_data, V(D*, G) = -log 4 = {-math.log(4):.4f}")
D_eq = train_discriminator(MU_D, SD_D, steps // 4)
with minigan.no_grad():
    d_eq = D_eq(grid.float().reshape(-1, 1)).reshape(-1).numpy()
eq_gap = numpy.abs(d_eq - 0.5)[bulk].max()
print(f"a discriminator trained on two samples of the same density stays near 1/2: max |D - 1/2| = {eq_gap:.3f}")
check(eq_gap < 0.1, "trained on indistinguishable data, the discriminator stays within 0.1 of 1/2")

# %%
import matplotlib.pyplot as plt  # noqa: E402

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
ax1.plot(grid_np, p_data.numpy(), label="p_data = N(0, 1)")
ax1.plot(grid_np, p_g.numpy(), label="p_g = N(1.5, 0.75²)")
ax1.set_xlim(-4, 5)
ax1.set_xlabel("x")
ax1.set_ylabel("density")
ax1.set_title("the two densities")
ax1.legend()
ax2.plot(grid_np, d_star.numpy(), "k", lw=2, label="D* = p_data / (p_data + p_g)")
ax2.plot(grid_np, d_trained.numpy(), "C3--", label=f"MLP trained on samples ({steps} steps)")
ax2.plot(grid_np, d_eq, "C2:", label="MLP trained with p_g = p_data")
ax2.axhline(0.5, color="gray", ls="--", lw=1, label="D = 1/2 (D* when p_g = p_data)")
ax2.axvspan(lo, hi, color="gray", alpha=0.08, label="bulk of the data (where checked)")
ax2.set_xlim(-4, 5)
ax2.set_ylim(-0.02, 1.02)
ax2.set_xlabel("x")
ax2.set_ylabel("D(x): probability that x is real")
ax2.set_title("optimal and trained discriminators")
ax2.legend(fontsize=8)
fig.tight_layout()
save(fig, args, "optimal_discriminator.png")

# %% [markdown]
# ## 5. The Jensen-Shannon divergence
# With M = (P + Q) / 2, the mixture of the two,
#     KL(P || Q) = ∫ p log(p / q) dx,      JSD(P, Q) = ½ KL(P || M) + ½ KL(Q || M).
# Bounds. KL is never negative (Gibbs' inequality, from Jensen's inequality on the concave log)
# and is 0 only when its two densities are equal; so JSD >= 0, with JSD = 0 only when
# P = M = Q. And p / m = 2p / (p + q) <= 2, so KL(P || M) <= log 2 and JSD <= log 2, with
# equality exactly when P and Q never put mass at the same x (disjoint supports). Unlike KL,
# JSD is symmetric and always finite.
# Consequence (Goodfellow et al. 2014, Theorem 1): C(G) = max_D V(D, G) = -log 4 + 2 JSD(p_data, p_g)
# is at least -log 4 and reaches it only at p_g = p_data: that is the generator's goal.
#
# Below, p_g = N(mu, 1) moves away from p_data = N(0, 1). JSD is computed three ways that share
# no code: a Riemann sum on a grid (NumPy), a Monte Carlo average over samples (NumPy), and
# (V(D_trained) + log 4) / 2 for a discriminator trained with minigan on samples of the two,
# V estimated on fresh samples. A trained D can only do worse than D*, so the third is a lower
# bound up to sampling noise.

# %%
LOG2 = math.log(2)


def log_normal(x, mu, sd):
    """log of the N(mu, sd^2) density, in NumPy: the reference the minigan code is checked against."""
    return -0.5 * ((x - mu) / sd) ** 2 - math.log(sd * math.sqrt(2 * math.pi))


def jsd_grid(log_p, log_q, dx):
    """JSD(P, Q) by a Riemann sum, from log densities on a grid (log m by logaddexp: no 0/0)."""
    log_m = numpy.logaddexp(log_p, log_q) - LOG2
    return float(0.5 * (numpy.exp(log_p) * (log_p - log_m)).sum() * dx
                 + 0.5 * (numpy.exp(log_q) * (log_q - log_m)).sum() * dx)


def kl_grid(log_p, log_q, dx):
    """KL(P || Q) by a Riemann sum."""
    return float((numpy.exp(log_p) * (log_p - log_q)).sum() * dx)


def jsd_monte_carlo(mu_q, n, rng):
    """JSD(N(0,1), N(mu_q,1)) = ½ E_P[log p/m] + ½ E_Q[log q/m], each expectation a sample mean."""
    xp, xq = rng.normal(0, 1, n), rng.normal(mu_q, 1, n)
    terms = []
    for x, own in ((xp, 0.0), (xq, mu_q)):
        lp, lq = log_normal(x, 0, 1), log_normal(x, mu_q, 1)
        terms.append(log_normal(x, own, 1) - (numpy.logaddexp(lp, lq) - LOG2))
    value = 0.5 * terms[0].mean() + 0.5 * terms[1].mean()
    error = 0.5 * math.sqrt(terms[0].var() / n + terms[1].var() / n)
    return float(value), error


def jsd_from_discriminator(D, mu_q, n, rng):
    """(V(D, G) + log 4) / 2 with V estimated on fresh samples, from D's logit (no log of 0)."""
    with minigan.no_grad():
        s_real = D[:-1](T(rng.normal(0, 1, (n, 1)), minigan.float32)).double()
        s_fake = D[:-1](T(rng.normal(mu_q, 1, (n, 1)), minigan.float32)).double()
    log_d = -F.binary_cross_entropy_with_logits(s_real, T(numpy.ones((n, 1))), reduction="mean")
    log_1md = -F.binary_cross_entropy_with_logits(s_fake, T(numpy.zeros((n, 1))), reduction="mean")
    return (float(log_d.item()) + float(log_1md.item()) + math.log(4)) / 2


x_wide = numpy.linspace(-14.0, 20.0, 34001)
dx_wide = float(x_wide[1] - x_wide[0])
mus = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 8.0]
jsd_mu = [jsd_grid(log_normal(x_wide, 0, 1), log_normal(x_wide, mu, 1), dx_wide) for mu in mus]
mc_rng = numpy.random.default_rng(args.seed + 5)
mc = [jsd_monte_carlo(mu, 20000, mc_rng) for mu in mus]
print("\n   mu    JSD (grid)   JSD (Monte Carlo, ± 3 s.e.)")
for mu, j, (m_val, m_err) in zip(mus, jsd_mu, mc):
    print(f"  {mu:4.1f}   {j:.5f}      {m_val:.5f} ± {3 * m_err:.5f}")
check(all(abs(j - m_val) <= 3 * m_err + 1e-3 for j, (m_val, m_err) in zip(jsd_mu, mc)),
      "the grid and Monte Carlo estimates of JSD agree within 3 standard errors for every shift")
check(jsd_mu[0] < 1e-12 and all(a < b for a, b in zip(jsd_mu, jsd_mu[1:])),
      "JSD is 0 when p_g = p_data and grows as p_g moves away")
check(all(j < LOG2 for j in jsd_mu) and LOG2 - jsd_mu[-1] < 1e-3,
      "JSD stays below log 2 and approaches it once the two densities barely overlap")

trained_mus = [0.5, 1.5, 3.0]
d_steps = 300 if args.quick else 1500
jsd_d = []
for mu in trained_mus:
    D_mu = train_discriminator(mu, 1.0, d_steps)
    jsd_d.append(jsd_from_discriminator(D_mu, mu, 20000, mc_rng))
exact_d = [jsd_grid(log_normal(x_wide, 0, 1), log_normal(x_wide, mu, 1), dx_wide) for mu in trained_mus]
for mu, j_hat, j in zip(trained_mus, jsd_d, exact_d):
    print(f"  mu {mu}: (V(D_trained) + log 4) / 2 = {j_hat:.4f} after {d_steps} steps; JSD = {j:.4f}")
check(all(j_hat <= j + 0.01 for j_hat, j in zip(jsd_d, exact_d)),
      "a trained discriminator's (V + log 4)/2 does not exceed the JSD (beyond sampling noise 0.01)")
check(all(j - j_hat < 0.03 for j_hat, j in zip(jsd_d, exact_d)) and jsd_d[0] < jsd_d[1] < jsd_d[2],
      "trained discriminators measure the JSD of the moving p_g within 0.03, in the right order")

# %% [markdown]
# ## 6. When the supports hardly overlap, JSD says nothing about the distance
# Let p_data = N(0, σ²) and p_g = N(θ, σ²): the generator is off by θ. As σ shrinks, the two
# densities overlap only when |θ| is a few σ or less; beyond that JSD = log 2 whatever θ is,
# so dJSD/dθ = 0 and the generator gets no signal to move closer. In the limit σ → 0 (point
# masses, the picture for distributions on a low-dimensional manifold such as natural images
# in pixel space; Arjovsky & Bottou 2017), JSD = log 2 for every θ ≠ 0. A distance such as the
# Wasserstein-1 distance (here simply |θ|; the measure of the Wasserstein GAN, Arjovsky,
# Chintala & Bottou 2017) keeps growing with θ.
# First, the grid computation is checked against a closed form: for p = U(0, 1) and
# q = U(θ, θ + 1), each density is 1 or 2 times m on its support, so JSD = min(|θ|, 1) log 2.

# %%
u_grid = numpy.linspace(-0.5, 3.5, 40001)
du = float(u_grid[1] - u_grid[0])
with numpy.errstate(divide="ignore", invalid="ignore"):      # log 0 = -inf off each support
    log_u = lambda lo: numpy.where((u_grid >= lo) & (u_grid < lo + 1), 0.0, -numpy.inf)  # noqa: E731
    uniform_jsd = []
    for th in (0.25, 0.5, 0.75, 1.5, 2.5):
        lp, lq = log_u(0.0), log_u(th)
        log_m = numpy.logaddexp(lp, lq) - LOG2
        term_p = numpy.where(numpy.isfinite(lp), numpy.exp(lp) * (lp - log_m), 0.0)
        term_q = numpy.where(numpy.isfinite(lq), numpy.exp(lq) * (lq - log_m), 0.0)
        uniform_jsd.append((th, 0.5 * (term_p.sum() + term_q.sum()) * du))
print("\nuniforms U(0,1) and U(θ,θ+1):  " + ",  ".join(f"θ {th}: {j:.4f} (closed form {min(th, 1) * LOG2:.4f})"
                                                       for th, j in uniform_jsd))
check(all(abs(j - min(th, 1) * LOG2) < 1e-3 for th, j in uniform_jsd),
      "for two shifted uniforms the grid JSD matches the closed form min(|θ|, 1) log 2")

thetas = numpy.linspace(0.0, 2.0, 81)
sweep = {}
for sd in (1.0, 0.1, 0.01):
    xs_s = numpy.linspace(-12 * sd, 2.0 + 12 * sd, 40001)
    d_s = float(xs_s[1] - xs_s[0])
    sweep[sd] = numpy.array([jsd_grid(log_normal(xs_s, 0, sd), log_normal(xs_s, th, sd), d_s) for th in thetas])
at = {th: int(numpy.argmin(numpy.abs(thetas - th))) for th in (0.5, 1.0, 2.0)}
for sd, curve in sweep.items():
    print(f"  σ = {sd}: JSD at θ = 0.5, 1, 2: {curve[at[0.5]]:.6f}, {curve[at[1.0]]:.6f}, {curve[at[2.0]]:.6f}"
          f"  (log 2 = {LOG2:.6f})")
flat = sweep[0.01]
check(numpy.abs(flat[at[0.5]:] - LOG2).max() < 1e-6,
      "with σ = 0.01, JSD = log 2 to 1e-6 for every θ from 0.5 to 2: it no longer depends on the distance")
slope_flat = (flat[at[1.0] + 1] - flat[at[1.0] - 1]) / (thetas[2] - thetas[0])
slope_wide = (sweep[1.0][at[1.0] + 1] - sweep[1.0][at[1.0] - 1]) / (thetas[2] - thetas[0])
print(f"  dJSD/dθ at θ = 1: {slope_wide:.3f} for σ = 1, {slope_flat:.1e} for σ = 0.01; d|θ|/dθ = 1 for both")
check(slope_wide > 0.1 and abs(slope_flat) < 1e-5,
      "at θ = 1 JSD still pulls the generator when σ = 1 and gives it no gradient at all when σ = 0.01")

fig, ax = plt.subplots(figsize=(6.5, 4))
for sd, curve in sweep.items():
    ax.plot(thetas, curve, label=f"JSD, σ = {sd}")
ax.plot(thetas, thetas * LOG2 / 2, "k:", label="Wasserstein-1 = |θ| (scaled by log 2 / 2)")
ax.axhline(LOG2, color="gray", ls="--", lw=1, label="log 2: the maximum of JSD")
ax.set_xlabel("θ: shift of p_g = N(θ, σ²) from p_data = N(0, σ²)")
ax.set_ylabel("divergence (nats)")
ax.set_title("JSD flattens at log 2 once the supports separate")
ax.legend(fontsize=8)
fig.tight_layout()
save(fig, args, "jsd_flattens.png")

# %% [markdown]
# ## 7. Goodfellow's Proposition 2, and its assumptions
# Proposition 2 of Goodfellow et al. (2014): if G and D have enough capacity, and at each step
# of Algorithm 1 the discriminator is allowed to reach its optimum D*_G given G, and p_g is
# updated so as to improve  C(p_g) = E_{p_data}[log D*_G(x)] + E_{p_g}[log(1 - D*_G(x))],
# then p_g converges to p_data. The proof needs every assumption:
#   * the update is made on the density p_g itself (infinite capacity), where C is convex
#     (a supremum over D of functions linear in p_g), so a descent step moves towards the
#     unique minimum p_g = p_data;
#   * D is optimal at every step (D*_G is recomputed after each update of p_g);
#   * the steps are small enough.
# A real GAN has none of these: G is a network whose parameters enter C non-convexly, D takes
# one or a few gradient steps, and the step sizes are fixed. The proposition says where the
# game's solution is, not that training reaches it (lessons 06 and 13 show runs that do not).
#
# Here both sides, on a grid of 201 points with p_data = ½ N(-2, 0.5²) + ½ N(2, 0.5²):
#   * under the assumptions: p_g is the density itself, p_g = softmax(theta) over the grid,
#     with D*_G recomputed each step and theta descending E_{p_g}[log(1 - D*_G)];
#   * with too little capacity: p_g = N(mu, sd²), two parameters, otherwise the same loop.

# %%
cells = numpy.linspace(-5.0, 5.0, 201)
q_data = numpy.exp(numpy.logaddexp(log_normal(cells, -2, 0.5), log_normal(cells, 2, 0.5)))
q_data /= q_data.sum()


def jsd_discrete(p_vec, q_vec):
    m_vec = (p_vec + q_vec) / 2
    return float(0.5 * (p_vec * numpy.log(p_vec / m_vec)).sum() + 0.5 * (q_vec * numpy.log(q_vec / m_vec)).sum())


def descend(density, params, lr, iterations):
    """Improve C(p_g) with D*_G recomputed at every step; returns JSD(p_g, p_data) per step."""
    history = []
    for _ in range(iterations):
        p_vec = density(*params)
        p_now = p_vec.numpy()
        history.append(jsd_discrete(p_now, q_data))
        log_1m_dstar = numpy.log(p_now / (p_now + q_data))        # log(1 - D*_G), D* held fixed
        loss = (p_vec * T(log_1m_dstar)).sum()
        for t in params:
            t.grad = None
        loss.backward()
        with minigan.no_grad():
            for t in params:
                t.array -= lr * t.grad.array
    return numpy.array(history)


def free_density(theta):
    return F.softmax(theta, dim=0)


def gaussian_density(mu, log_sd):
    weights = ((T(cells) - mu) ** 2 * (-0.5) / (log_sd * 2).exp()).exp()
    return weights / weights.sum()


theta = minigan.tensor(log_normal(cells, 1.0, 1.5), dtype=minigan.float64, requires_grad=True)
free_curve = descend(free_density, [theta], lr=20.0, iterations=300)
mu_p = minigan.tensor(1.0, dtype=minigan.float64, requires_grad=True)
log_sd_p = minigan.tensor(math.log(1.5), dtype=minigan.float64, requires_grad=True)
gauss_curve = descend(gaussian_density, [mu_p, log_sd_p], lr=0.5, iterations=300)
print(f"\nJSD(p_g, p_data) after 0 / 300 steps with D optimal at each step: free density "
      f"{free_curve[0]:.4f} -> {free_curve[-1]:.4f}; Gaussian N(mu, sd²) {gauss_curve[0]:.4f} -> "
      f"{gauss_curve[-1]:.4f} (mu = {mu_p.item():.2f}, sd = {math.exp(log_sd_p.item()):.2f})")
check(free_curve[-1] < 0.01 and free_curve[-1] < free_curve[0] / 20,
      "under Proposition 2's assumptions (p_g free, D optimal each step) p_g converges to p_data")
check(gauss_curve[-1] > 0.1,
      "a Gaussian generator cannot fit two modes: without the capacity assumption JSD stays above 0.1")

# %% [markdown]
# ## 8. Saturating against non-saturating generator loss
# Write D(G(z)) = sigmoid(s) with s the discriminator's logit for a fake. The game asks G to
# minimise log(1 - D(G(z))) ("saturating"); in practice G minimises -log D(G(z))
# ("non-saturating"), which has the same fixed point. Their gradients with respect to s:
#     d/ds log(1 - sigmoid(s)) = -sigmoid(s) = -D(G(z))
#     d/ds -log sigmoid(s)     = -(1 - sigmoid(s)) = D(G(z)) - 1
# Early in training D rejects the fakes, D(G(z)) ≈ 0: the first gradient vanishes, the second is
# about -1, a full-strength signal. We let minigan's backward compute both.

# %%
logits = T(numpy.linspace(-12, 12, 481))
logits.requires_grad_()
saturating = -F.binary_cross_entropy_with_logits(logits, T(numpy.zeros(481)), reduction="sum")  # sum log(1 - D)
saturating.backward()
grad_sat = logits.grad.numpy().copy()
logits.grad = None
non_saturating = F.binary_cross_entropy_with_logits(logits, T(numpy.ones(481)), reduction="sum")  # sum -log D
non_saturating.backward()
grad_ns = logits.grad.numpy()
d_fake = 1 / (1 + numpy.exp(-logits.numpy()))
check(numpy.allclose(grad_sat, -d_fake, atol=1e-12) and numpy.allclose(grad_ns, d_fake - 1, atol=1e-12),
      "backward gives d/ds log(1 - D) = -D and d/ds (-log D) = D - 1")
rejected = d_fake < 1e-4                       # D is sure these fakes are fake
print(f"where D(G(z)) < 1e-4: |saturating gradient| <= {numpy.abs(grad_sat[rejected]).max():.1e}, "
      f"|non-saturating gradient| >= {numpy.abs(grad_ns[rejected]).min():.4f}")
check(numpy.abs(grad_sat[rejected]).max() < 1e-4, "the saturating loss gives G almost no gradient when D(G(z)) -> 0")
check(numpy.abs(grad_ns[rejected]).min() > 0.999, "the non-saturating loss keeps a gradient of size ~1 there")

# %% [markdown]
# The same effect on a generator that learns. Take p_g = N(theta, 0.5²) far off at theta = 5 and a
# discriminator trained (as in section 3) to reject it, then held fixed. Forty plain gradient
# steps on theta through that D, with each loss, from the same start:

# %%
D_far = train_discriminator(5.0, 0.5, 800 if args.quick else 1500)
z_far = T(0.5 * numpy.random.default_rng(args.seed + 9).standard_normal((512, 1)), minigan.float32)
moved_by = {}
for name in ("saturating", "non-saturating"):
    theta_g = minigan.tensor(5.0, requires_grad=True)     # float32, like a network
    for _ in range(40):
        s_g = D_far[:-1](z_far + theta_g)                                  # D's logit at G(z) = theta + 0.5 z
        if name == "saturating":                                           # minimise log(1 - D(G(z)))
            loss_g = -F.binary_cross_entropy_with_logits(s_g, minigan.zeros(512, 1))
        else:                                                              # minimise -log D(G(z))
            loss_g = F.binary_cross_entropy_with_logits(s_g, minigan.ones(512, 1))
        theta_g.grad = None
        loss_g.backward()
        with minigan.no_grad():
            theta_g.array -= 0.05 * theta_g.grad.array
    moved_by[name] = 5.0 - theta_g.item()
with minigan.no_grad():
    d_at_start = float(D_far(z_far + 5.0).mean().item())
print(f"mean D(G(z)) at theta = 5: {d_at_start:.4f}; after 40 steps of lr 0.05, theta moved towards the data by "
      f"{moved_by['saturating']:.3f} (saturating) and {moved_by['non-saturating']:.3f} (non-saturating)")
check(moved_by["non-saturating"] > 1.0 and moved_by["saturating"] < 0.2 * moved_by["non-saturating"],
      "against a confident D, the non-saturating generator moves towards the data at least 5x farther than the saturating one")

order = numpy.argsort(d_fake)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
ax1.semilogx(d_fake[order], numpy.log(1 - d_fake[order]), label="saturating: log(1 - D(G(z)))  (minimised)")
ax1.semilogx(d_fake[order], -numpy.log(d_fake[order]), label="non-saturating: -log D(G(z))  (minimised)")
ax1.set_xlabel("D(G(z))")
ax1.set_ylabel("generator loss")
ax1.set_title("generator losses")
ax1.legend(fontsize=8)
ax2.loglog(d_fake[order], numpy.abs(grad_sat[order]), label="|d/ds log(1 - D)| = D")
ax2.loglog(d_fake[order], numpy.abs(grad_ns[order]), label="|d/ds -log D| = 1 - D")
ax2.set_xlabel("D(G(z))   (s: D's logit for the fake; gradients from minigan's backward)")
ax2.set_ylabel("|d loss / ds|")
ax2.set_title("gradient w.r.t. the discriminator's logit")
ax2.legend(fontsize=8)
fig.tight_layout()
save(fig, args, "generator_losses.png")

# %% [markdown]
# The course overview calls the GAN game "zero-sum". The minimax game is: G's loss V(D, G) is
# exactly minus D's loss -V(D, G), so the two always add up to 0. The non-saturating game that
# everyone trains is not: G minimises -log D(G(z)) while D still minimises -V, and the sum
# -log D(x) - log(1 - D(G(z))) - log D(G(z)) changes with D's outputs. It is a general-sum game
# with the same fixed point; the minimax theory above describes it only at that point.

# %%
outs = numpy.linspace(0.05, 0.95, 19)
d_x_grid, d_gz_grid = [v.reshape(-1) for v in numpy.meshgrid(outs, outs)]
loss_d_all = (F.binary_cross_entropy(T(d_x_grid), T(numpy.ones(d_x_grid.size)), reduction="none")
              + F.binary_cross_entropy(T(d_gz_grid), T(numpy.zeros(d_gz_grid.size)), reduction="none")).numpy()
loss_g_minimax = -F.binary_cross_entropy(T(d_gz_grid), T(numpy.zeros(d_gz_grid.size)), reduction="none").numpy() \
    + numpy.log(d_x_grid)                # V = log D(x) + log(1 - D(G(z))): G's loss is all of V
loss_g_ns = F.binary_cross_entropy(T(d_gz_grid), T(numpy.ones(d_gz_grid.size)), reduction="none").numpy()
sum_minimax, sum_ns = loss_d_all + loss_g_minimax, loss_d_all + loss_g_ns
print(f"\nD's loss + G's loss over D(x), D(G(z)) in [0.05, 0.95]: minimax spread {numpy.ptp(sum_minimax):.1e}, "
      f"non-saturating spread {numpy.ptp(sum_ns):.2f}")
check(numpy.abs(sum_minimax).max() < 1e-12, "in the minimax game the two losses always sum to 0 (zero-sum)")
check(numpy.ptp(sum_ns) > 1, "with the non-saturating generator loss the sum varies with D's outputs: not zero-sum")

# %% [markdown]
# ## 9. What the non-saturating generator really minimises
# Write the generator as x = G_theta(z) and D = sigmoid(s). Its loss L_G = -E_z log D(G_theta(z))
# has the gradient
#     dL_G/dtheta = -E_z[ (1 - D(x)) ds/dx (x) · dG_theta(z)/dtheta ],   x = G_theta(z):
# all that reaches the generator is the discriminator's *input*-gradient ds/dx at its samples.
# We check that on the trained D of section 3 with G_theta(z) = theta + SD_G z (so dG/dtheta = 1),
# ds/dx taken by central differences of D's forward pass, independent of backward().
#
# At the optimal discriminator, Arjovsky & Bottou (2017, Theorem 2.5) show that this gradient is
# that of  KL(p_g || p_data) - 2 JSD(p_g, p_data)  (D* computed for the current theta and held
# fixed while differentiating), and that the minimax loss log(1 - D*) follows 2 JSD. We check
# both with theta0 = MU_G: the left sides by minigan's backward over a quadrature of z, the right
# sides by finite differences of the closed-form KL of two Gaussians and of the grid JSD.

# %%
theta0 = MU_G
z_nodes = numpy.linspace(-8.0, 8.0, 4001)
z_weights = numpy.exp(log_normal(z_nodes, 0, 1)) * float(z_nodes[1] - z_nodes[0])   # E_z f = Σ w f(z)

theta_t = minigan.tensor(theta0, dtype=minigan.float64, requires_grad=True)
x_samples = theta_t + T(z_nodes) * SD_G
s_fake = D[:-1](x_samples.float().reshape(-1, 1)).reshape(-1).double()       # D's logit at G(z)
loss_ns = (T(z_weights) * F.binary_cross_entropy_with_logits(                 # -log sigmoid(s) = BCE(s, 1)
    s_fake, T(numpy.ones(z_nodes.size)), reduction="none")).sum()
loss_ns.backward()
grad_backward = theta_t.grad.item()
x_np = theta0 + SD_G * z_nodes
h = 1e-3
with minigan.no_grad():
    s_at = lambda v: D[:-1](T(v, minigan.float32).reshape(-1, 1)).reshape(-1).double().numpy()  # noqa: E731
    ds_dx = (s_at(x_np + h) - s_at(x_np - h)) / (2 * h)
    d_at = 1 / (1 + numpy.exp(-s_at(x_np)))
grad_chain = float(-(z_weights * (1 - d_at) * ds_dx).sum())
print(f"\ndL_G/dtheta through the trained D: backward {grad_backward:.5f}, -E[(1 - D) ds/dx] {grad_chain:.5f}")
check(abs(grad_backward - grad_chain) < 2e-3 * max(1.0, abs(grad_chain)),
      "the generator's gradient is -E[(1 - D(x)) ds/dx]: it only sees D's input-gradient at its samples")


theta_t = minigan.tensor(theta0, dtype=minigan.float64, requires_grad=True)
xs_t = theta_t + T(z_nodes) * SD_G
log_pd = (xs_t - MU_D) ** 2 * (-0.5 / SD_D ** 2) - math.log(SD_D * math.sqrt(2 * math.pi))
log_pg0 = (xs_t - theta0) ** 2 * (-0.5 / SD_G ** 2) - math.log(SD_G * math.sqrt(2 * math.pi))  # theta0: a constant
logit_d_star = log_pd - log_pg0                          # D*_theta0 = sigmoid(log p_data - log p_g(theta0))
w_t = T(z_weights)
ns_objective = (w_t * F.binary_cross_entropy_with_logits(logit_d_star, T(numpy.ones(z_nodes.size)), reduction="none")).sum()
mm_objective = -(w_t * F.binary_cross_entropy_with_logits(logit_d_star, T(numpy.zeros(z_nodes.size)), reduction="none")).sum()
(g_ns,) = minigan.autograd.grad(ns_objective, theta_t, retain_graph=True)   # the two share the graph of x
(g_mm,) = minigan.autograd.grad(mm_objective, theta_t)


def kl_gauss(mu1, sd1, mu2, sd2):
    """KL(N(mu1, sd1^2) || N(mu2, sd2^2)), closed form."""
    return math.log(sd2 / sd1) + (sd1 ** 2 + (mu1 - mu2) ** 2) / (2 * sd2 ** 2) - 0.5


def jsd_theta(th):
    return jsd_grid(log_normal(x_wide, th, SD_G), log_normal(x_wide, MU_D, SD_D), dx_wide)


hd = 1e-4
d_kl = (kl_gauss(theta0 + hd, SD_G, MU_D, SD_D) - kl_gauss(theta0 - hd, SD_G, MU_D, SD_D)) / (2 * hd)
d_jsd = (jsd_theta(theta0 + hd) - jsd_theta(theta0 - hd)) / (2 * hd)
print(f"at D*: d/dtheta E[-log D*(G(z))] = {g_ns.item():.5f};  d/dtheta [KL(p_g||p_data) - 2 JSD] = {d_kl - 2 * d_jsd:.5f}")
print(f"       d/dtheta E[log(1 - D*(G(z)))] = {g_mm.item():.5f};  d/dtheta 2 JSD = {2 * d_jsd:.5f}")
check(abs(g_ns.item() - (d_kl - 2 * d_jsd)) < 1e-4,
      "at the optimal D the non-saturating generator follows the gradient of KL(p_g || p_data) - 2 JSD")
check(abs(g_mm.item() - 2 * d_jsd) < 1e-4, "at the optimal D the minimax generator follows the gradient of 2 JSD")

# %% [markdown]
# Why this explains mode dropping. The first term is the *reverse* KL, ∫ p_g log(p_g / p_data):
# where the generator puts mass and the data has none (a sample that looks fake) it is huge;
# where the data has a mode and the generator puts nothing (a missed mode) it adds about 0.
# The -2 JSD term even pays the generator for moving away. Compare, against the two-mode
# p_data = ½ N(-2, 0.5²) + ½ N(2, 0.5²), a generator that drops one mode with one that covers
# both with a single broad Gaussian (same mean and variance as the data). Maximum likelihood
# minimises the *forward* KL(p_data || p_g), which has the opposite preference. (This is the
# standard account at the optimal D; lessons 06 and 13 show collapse as a dynamic of the
# game, where D is far from optimal.)

# %%
x_modes = numpy.linspace(-12.0, 12.0, 24001)
dx_modes = float(x_modes[1] - x_modes[0])
log_two_modes = numpy.logaddexp(log_normal(x_modes, -2, 0.5), log_normal(x_modes, 2, 0.5)) - LOG2
candidates = {"drops a mode: N(-2, 0.5²)": log_normal(x_modes, -2, 0.5),
              "covers both: N(0, 2.06²)": log_normal(x_modes, 0, math.sqrt(4.25))}
rows = {}
for name, log_g in candidates.items():
    rev, fwd = kl_grid(log_g, log_two_modes, dx_modes), kl_grid(log_two_modes, log_g, dx_modes)
    j = jsd_grid(log_g, log_two_modes, dx_modes)
    rows[name] = (rev, fwd, rev - 2 * j)
    print(f"  {name:26s} KL(p_g||p_data) {rev:7.3f}   KL(p_data||p_g) {fwd:7.3f}   KL - 2 JSD {rev - 2 * j:6.3f}")
drop, cover = rows["drops a mode: N(-2, 0.5²)"], rows["covers both: N(0, 2.06²)"]
check(abs(drop[0] - LOG2) < 1e-3 and drop[1] > 10,
      "dropping one of two equal modes costs only log 2 in reverse KL, but more than 10 nats in forward KL")
check(drop[2] < cover[2] and drop[1] > cover[1],
      "KL(p_g||p_data) - 2 JSD prefers the generator that drops a mode; maximum likelihood prefers the one that covers both")

print("\nNext: lesson 06 plays the game for real on 2-D points.")
