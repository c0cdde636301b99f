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
  * why the generator is trained with -log D(G(z)) (non-saturating) instead of the game's
    log(1 - D(G(z))): when D rejects the fakes confidently, the latter's gradient vanishes.

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
    return minigan.tensor(numpy.asarray(values, dtype=dtype)).to(args.backend)


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
check(abs(v_star - (-math.log(4) + 2 * jsd)) < 1e-6, "V(D*, G) = -log 4 + 2 JSD(p_data, p_g)")
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
                      nn.Linear(32, 1), nn.Sigmoid()).to(args.backend)
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
ax1.set_title("the two densities")
ax1.legend()
ax2.plot(grid_np, d_star.numpy(), "k", lw=2, label="D* = p_data / (p_data + p_g)")
ax2.plot(grid_np, d_trained.numpy(), "C3--", label=f"MLP trained on samples ({steps} steps)")
ax2.plot(grid_np, d_eq, "C2:", label="MLP trained with p_g = p_data")
ax2.axhline(0.5, color="gray", lw=0.6)
ax2.axvspan(lo, hi, color="gray", alpha=0.08, label="bulk of the data (where checked)")
ax2.set_xlim(-4, 5)
ax2.set_ylim(-0.02, 1.02)
ax2.set_title("optimal and trained discriminators")
ax2.legend(fontsize=8)
fig.tight_layout()
save(fig, args, "optimal_discriminator.png")

# %% [markdown]
# ## 5. Saturating against non-saturating generator loss
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

order = numpy.argsort(d_fake)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
ax1.semilogx(d_fake[order], numpy.log(1 - d_fake[order]), label="saturating: log(1 - D(G(z)))  (minimised)")
ax1.semilogx(d_fake[order], -numpy.log(d_fake[order]), label="non-saturating: -log D(G(z))  (minimised)")
ax1.set_xlabel("D(G(z))")
ax1.set_title("generator losses")
ax1.legend(fontsize=8)
ax2.loglog(d_fake[order], numpy.abs(grad_sat[order]), label="|d/ds log(1 - D)| = D")
ax2.loglog(d_fake[order], numpy.abs(grad_ns[order]), label="|d/ds -log D| = 1 - D")
ax2.set_xlabel("D(G(z))   (s: D's logit for the fake; gradients from minigan's backward)")
ax2.set_title("gradient w.r.t. the discriminator's logit")
ax2.legend(fontsize=8)
fig.tight_layout()
save(fig, args, "generator_losses.png")

print("\nNext: lesson 06 plays the game for real on 2-D points.")
