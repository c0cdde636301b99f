"""Exercises for lesson 05 (the minimax game): the generator's two gradients, the optimal
discriminator D*, the Jensen-Shannon divergence, and why JSD goes flat for disjoint supports.

Complete each function below, then run this file:
    python lessons/exercises/ex05_the_minimax_game.py          # checks your functions
    python lessons/exercises/ex05_the_minimax_game.py --key    # checks the teacher's key
"""
import math
import sys
from pathlib import Path

if __package__ in (None, ""):                   # run as a file: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy  # noqa: E402

import minigan  # noqa: E402
from lessons.exercises._runner import expect, expect_close, main  # noqa: E402

EXERCISES = [("5.1", "generator_logit_gradients"), ("5.2", "optimal_discriminator"), ("5.3", "jsd"),
             ("5.4", "jsd_of_shifted_uniforms")]


# --------------------------------------------------------------------------- exercise 5.1
def generator_logit_gradients(s):
    """Exercise 5.1: the two generator losses, differentiated by hand.

    Write D(G(z)) = sigmoid(s), with s the discriminator's logit for a fake (a NumPy array).
    Return the pair of arrays
        (d/ds log(1 - sigmoid(s)),   d/ds [-log sigmoid(s)])
    i.e. the gradients of the saturating (minimax) loss and of the non-saturating loss with
    respect to s, elementwise. Derive them with sigmoid' = sigmoid (1 - sigmoid), then
    simplify each to a function of D = sigmoid(s). Compute sigmoid stably for s down to -700.
    Then look: which one vanishes when D rejects the fakes (s very negative)?
    """
    raise NotImplementedError("exercise 5.1: differentiate log(1 - sigmoid(s)) and -log sigmoid(s)")


def check_generator_logit_gradients(fn):
    s = numpy.concatenate([numpy.linspace(-12, 12, 97), [-700.0, -40.0, 40.0]])
    t = minigan.tensor(s, requires_grad=True)
    F = minigan.functional
    sat = -F.binary_cross_entropy_with_logits(t, minigan.zeros_like(t), reduction="sum")  # sum log(1 - D)
    (g_sat,) = minigan.autograd.grad(sat, t)
    non_sat = F.binary_cross_entropy_with_logits(t, minigan.ones_like(t), reduction="sum")  # sum -log D
    (g_ns,) = minigan.autograd.grad(non_sat, t)
    got_sat, got_ns = fn(s)
    expect_close(got_sat, g_sat, "d/ds log(1 - D) against minigan's backward", rtol=1e-10, atol=1e-300)
    expect_close(got_ns, g_ns, "d/ds -log D against minigan's backward", rtol=1e-10, atol=1e-15)


# --------------------------------------------------------------------------- exercise 5.2
def optimal_discriminator(p_data, p_g):
    """Exercise 5.2: the best discriminator for a fixed generator.

    For a fixed G, V(D, G) = integral of p_data(x) log D(x) + p_g(x) log(1 - D(x)) dx, which is
    maximised pointwise: at each x, maximise a log y + b log(1 - y) over y in (0, 1), with
    a = p_data(x) > 0 and b = p_g(x) > 0. Set the derivative to 0 and return D*(x) for arrays of
    density values ``p_data`` and ``p_g`` (same shape).
    """
    raise NotImplementedError("exercise 5.2: maximise a log y + b log(1 - y) over y")


def check_optimal_discriminator(fn):
    rng = numpy.random.default_rng(52)
    a, b = rng.uniform(0.01, 3.0, 50), rng.uniform(0.01, 3.0, 50)
    got = numpy.asarray(fn(a, b))
    expect(got.shape == a.shape, f"expected one D* per point, shape {a.shape}, got {got.shape}")
    y = numpy.linspace(1e-4, 1 - 1e-4, 99999)[:, None]           # brute force over D's values
    objective = a * numpy.log(y) + b * numpy.log(1 - y)
    best = y[objective.argmax(axis=0), 0]
    expect_close(got, best, "D* against a grid search of a log D + b log(1 - D)", rtol=0, atol=2e-5)
    expect_close(fn(numpy.array([0.7]), numpy.array([0.7])), [0.5], "D* where p_data = p_g", rtol=1e-12)


# --------------------------------------------------------------------------- exercise 5.3
def jsd(p, q):
    """Exercise 5.3: the Jensen-Shannon divergence of two discrete distributions.

    p and q are 1-D arrays of probabilities (each sums to 1; entries may be 0). With the mixture
    m = (p + q) / 2,
        JSD(p, q) = KL(p || m) / 2 + KL(q || m) / 2,   KL(p || m) = sum_i p_i log(p_i / m_i),
    in nats (natural log), with the convention 0 log 0 = 0. Return a float.
    Properties to expect: 0 <= JSD <= log 2, symmetric, 0 only when p = q, log 2 when p and q
    have disjoint supports. (Lesson 05: V(D*, G) = -log 4 + 2 JSD(p_data, p_g).)
    """
    raise NotImplementedError("exercise 5.3: JSD = KL(p||m)/2 + KL(q||m)/2, skipping terms with p_i = 0")


def _entropy(p):
    p = p[p > 0]
    return float(-(p * numpy.log(p)).sum())


def check_jsd(fn):
    rng = numpy.random.default_rng(53)
    for _ in range(10):
        p, q = rng.dirichlet(numpy.ones(6)), rng.dirichlet(numpy.ones(6))
        p[rng.integers(6)] = 0.0
        p /= p.sum()
        # an independent route: JSD = H(m) - (H(p) + H(q)) / 2 (entropies in nats)
        want = _entropy((p + q) / 2) - (_entropy(p) + _entropy(q)) / 2
        expect_close(float(fn(p, q)), want, f"JSD(p, q) for p = {p.round(3)}, q = {q.round(3)}", rtol=1e-10)
        expect_close(float(fn(q, p)), want, "JSD(q, p) (JSD is symmetric)", rtol=1e-10)
        # V(D*, G) = -log 4 + 2 JSD, computed directly from D* on the 6 points
        d_star = p / (p + q)
        with numpy.errstate(divide="ignore", invalid="ignore"):
            v = (numpy.where(p > 0, p * numpy.log(d_star), 0).sum()
                 + numpy.where(q > 0, q * numpy.log(1 - d_star), 0).sum())
        expect_close(v, -math.log(4) + 2 * float(fn(p, q)), "V(D*, G) against -log 4 + 2 JSD", rtol=1e-10)
    p = rng.dirichlet(numpy.ones(5))
    expect_close(float(fn(p, p)), 0.0, "JSD(p, p)", rtol=0, atol=1e-14)
    disjoint_p, disjoint_q = numpy.array([0.5, 0.5, 0, 0]), numpy.array([0, 0, 0.3, 0.7])
    expect_close(float(fn(disjoint_p, disjoint_q)), math.log(2), "JSD of distributions with disjoint supports",
                 rtol=1e-12)


# --------------------------------------------------------------------------- exercise 5.4
def jsd_of_shifted_uniforms(shift):
    """Exercise 5.4: JSD goes flat once the supports stop overlapping.

    p_data = Uniform[0, 1] and p_g = Uniform[shift, shift + 1], shift >= 0. Compute
    JSD(p_data, p_g) in closed form (a float, in nats): split the line into the part where both
    densities are 1 (there m = 1), and the parts where only one of them is 1 (there m = 1/2).
    You should find that JSD grows with the shift until shift = 1, and is log 2 for every larger
    shift: a generator whose samples are far from the data gets no signal from JSD about which
    direction to move (Arjovsky & Bottou 2017), the reason behind Wasserstein GANs.
    """
    raise NotImplementedError("exercise 5.4: integrate p log(p/m) over the overlap and the rest")


def check_jsd_of_shifted_uniforms(fn):
    x = numpy.linspace(-0.5, 4.5, 500001)            # a Riemann sum on a fine grid, independent
    dx = x[1] - x[0]
    for shift in (0.0, 0.1, 0.5, 0.9, 1.0, 1.5, 3.0):
        p = ((x >= 0) & (x < 1)).astype(float)
        q = ((x >= shift) & (x < shift + 1)).astype(float)
        m = (p + q) / 2
        with numpy.errstate(divide="ignore", invalid="ignore"):
            kl_p = numpy.where(p > 0, p * numpy.log(p / m), 0).sum() * dx
            kl_q = numpy.where(q > 0, q * numpy.log(q / m), 0).sum() * dx
        want = (kl_p + kl_q) / 2
        expect_close(float(fn(shift)), want, f"JSD(U[0, 1], U[{shift}, {shift} + 1]) against a Riemann sum",
                     rtol=0, atol=1e-4)


if __name__ == "__main__":
    sys.exit(main())
