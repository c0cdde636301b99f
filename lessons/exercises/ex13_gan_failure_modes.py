"""Exercises for lesson 13 (GAN failure modes): the Dirac GAN under simultaneous and alternating
updates and with the R1 penalty, the WGAN-GP gradient penalty, measuring collapse, and what the
non-saturating generator really minimises.

Complete each function below, then run this file:
    python lessons/exercises/ex13_gan_failure_modes.py          # checks your functions
    python lessons/exercises/ex13_gan_failure_modes.py --key    # checks the teacher's key
"""
import math
import sys
from pathlib import Path

if __package__ in (None, ""):                   # run as a file: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy  # noqa: E402

import minigan  # noqa: E402
import minigan.functional as F  # noqa: E402
import minigan.nn as nn  # noqa: E402
from lessons.exercises._runner import expect, expect_close, main  # noqa: E402
from minigan.data import mode_centers, ring_of_gaussians  # noqa: E402

EXERCISES = [("13.1", "dirac_gan_step"), ("13.2", "gradient_penalty"), ("13.3", "nearest_mode_entropy"),
             ("13.4", "effective_generator_objective")]


# --------------------------------------------------------------------------- exercise 13.1
def dirac_gan_step(theta, psi, lr, alternating=False, gamma=0.0):
    """Exercise 13.1: one step of gradient descent on the Dirac GAN (Mescheder et al. 2018).

    The data is the single point x = 0; the generator outputs the point theta; the discriminator
    is D(x) = sigmoid(psi x). With the minimax losses and s = sigmoid(psi theta):
        loss_D = BCE(D(0), 1) + BCE(D(theta), 0) = log 2 + log(1 + e^(psi theta)),
        d loss_D / d psi = theta s;   loss_G = -BCE(D(theta), 0) (minimax), d loss_G / d theta = -psi s.
    The R1 penalty adds (gamma / 2) |d(psi x)/dx|^2 at the real point = (gamma / 2) psi^2 to
    loss_D: its gradient gamma psi pulls psi back to 0.
    One step, learning rate ``lr``:
      * simultaneous (alternating=False): both gradients at the current (theta, psi), then
        psi <- psi - lr d loss_D/d psi  and  theta <- theta - lr d loss_G/d theta;
      * alternating (alternating=True): update psi first, then compute theta's gradient with
        the *new* psi (as the course's training loop does: D's step, then G's).
    Return the new (theta, psi) as floats. The checks then show the three behaviours: from
    (1, 0), simultaneous steps spiral away from the equilibrium (0, 0), alternating steps
    circle it for ever, and with gamma = 1 both converge to it.
    """
    raise NotImplementedError("exercise 13.1: the two gradients, then the update in the right order")


def _reference_step(theta, psi, lr, alternating, gamma):
    """The same step computed with minigan's autograd on the losses themselves."""
    th = minigan.tensor([theta], dtype=minigan.float64, requires_grad=True)
    ps = minigan.tensor([psi], dtype=minigan.float64, requires_grad=True)
    zero, one = minigan.zeros(1, dtype=minigan.float64), minigan.ones(1, dtype=minigan.float64)
    loss_d = (F.binary_cross_entropy_with_logits(ps * zero, one)
              + F.binary_cross_entropy_with_logits(ps * th.detach(), zero) + gamma / 2 * (ps * ps).sum())
    (g_psi,) = minigan.autograd.grad(loss_d, ps)
    new_psi = psi - lr * g_psi.item()
    psi_for_g = minigan.tensor([new_psi if alternating else psi], dtype=minigan.float64)
    loss_g = -F.binary_cross_entropy_with_logits(psi_for_g * th, zero)
    (g_theta,) = minigan.autograd.grad(loss_g, th)
    return theta - lr * g_theta.item(), new_psi


def check_dirac_gan_step(fn):
    for alternating in (False, True):
        for gamma in (0.0, 1.0):
            for theta, psi, lr in [(1.0, 0.0, 0.1), (0.7, -0.4, 0.5), (-1.2, 0.9, 0.2)]:
                got = fn(theta, psi, lr, alternating, gamma)
                want = _reference_step(theta, psi, lr, alternating, gamma)
                expect_close(numpy.array(got, dtype=float), numpy.array(want),
                             f"(theta, psi) after one step from ({theta}, {psi}), lr {lr}, alternating={alternating}, "
                             f"gamma {gamma}, against minigan's autograd", rtol=1e-10, atol=1e-12)

    def radius_after(alternating, gamma, steps=300, lr=0.1):
        theta, psi = 1.0, 0.0
        radii = []
        for _ in range(steps):
            theta, psi = fn(theta, psi, lr, alternating, gamma)
            radii.append(math.hypot(theta, psi))
        return radii

    sim, alt, r1 = radius_after(False, 0.0), radius_after(True, 0.0), radius_after(False, 1.0)
    expect(sim[-1] > 1.2, f"simultaneous steps should spiral out: radius 1 -> {sim[-1]:.3f} after 300 steps")
    expect(0.9 < min(alt) and max(alt) < 1.15, f"alternating steps should circle: radius stayed in "
                                                f"[{min(alt):.3f}, {max(alt):.3f}]")
    expect(r1[-1] < 1e-3, f"with the R1 penalty (gamma 1) the radius should shrink to 0, got {r1[-1]:.3g}")


# --------------------------------------------------------------------------- exercise 13.2
def gradient_penalty(critic, real, fake, alpha):
    """Exercise 13.2: the gradient penalty of WGAN-GP (Gulrajani et al. 2017).

    ``real`` and ``fake`` are minigan Tensors (N, D), ``alpha`` a Tensor (N, 1) of numbers in
    [0, 1], ``critic`` a module mapping (N, D) to (N, 1). On the points between them,
    x_hat = alpha real + (1 - alpha) fake, the penalty is
        mean over the batch of  (|grad_x critic(x_hat)|_2 - 1)^2.
    Return it as a 0-d Tensor that can itself be differentiated with respect to the critic's
    parameters (the critic is trained on it):
      * make x_hat a leaf that requires grad: build it from real and fake under
        ``minigan.no_grad()``, then ``.requires_grad_()``;
      * ``(grad,) = minigan.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)``: the
        sum is fine because each critic output depends on its own row of x_hat only;
      * ``grad.norm(dim=1)`` gives the N norms.
    """
    raise NotImplementedError("exercise 13.2: x_hat, its input gradient with create_graph=True, then the mean")


def check_gradient_penalty(fn):
    rng = numpy.random.default_rng(132)
    real, fake = minigan.tensor(rng.standard_normal((6, 3))), minigan.tensor(rng.standard_normal((6, 3)))
    alpha = minigan.tensor(rng.uniform(0, 1, (6, 1)))
    # a linear critic has the same input gradient w everywhere: penalty (|w| - 1)^2
    lin = nn.Linear(3, 1).double()
    pen = fn(lin, real, fake, alpha)
    expect(isinstance(pen, minigan.Tensor) and pen.shape == (), f"expected a 0-d minigan Tensor, got {pen!r}")
    w = lin.weight.numpy().ravel()
    norm = numpy.linalg.norm(w)
    expect_close(pen.item(), (norm - 1) ** 2, "the penalty of a linear critic, (|w| - 1)^2", rtol=1e-10)
    pen.backward()
    expect(lin.weight.grad is not None, "the penalty must be differentiable w.r.t. the critic's weights "
                                        "(use create_graph=True)")
    expect_close(lin.weight.grad.numpy().ravel(), 2 * (norm - 1) * w / norm,
                 "d penalty / d w for a linear critic, 2 (|w| - 1) w / |w|", rtol=1e-9)

    # a quadratic critic a |x|^2 / 2 has input gradient a x: penalty mean((a |x_hat| - 1)^2)
    class Quadratic(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Parameter(minigan.tensor([0.7], dtype=minigan.float64))

        def forward(self, x):
            return (x * x).sum(dim=1, keepdim=True) * self.a * 0.5

    quad = Quadratic()
    x_hat = alpha.numpy() * real.numpy() + (1 - alpha.numpy()) * fake.numpy()
    r = numpy.linalg.norm(x_hat, axis=1)
    pen = fn(quad, real, fake, alpha)
    expect_close(pen.item(), numpy.mean((0.7 * r - 1) ** 2), "the penalty of the critic a |x|^2 / 2 at the "
                                                             "interpolated points", rtol=1e-10)
    pen.backward()
    expect_close(quad.a.grad.numpy(), [numpy.mean(2 * (0.7 * r - 1) * r)], "d penalty / d a for a |x|^2 / 2",
                 rtol=1e-9)


# --------------------------------------------------------------------------- exercise 13.3
def nearest_mode_entropy(points, centers):
    """Exercise 13.3: how spread over the modes are the samples?

    Assign each point (n, 2) to its nearest centre (M, 2); let q_k be the share of points
    assigned to centre k. Return the entropy  H = -sum_k q_k log q_k  in nats (0 log 0 = 0).
    H = 0 when every sample sits at one mode (total collapse), log M when the samples split
    evenly (log 8 = 2.08 on the ring); lesson 13 calls a run collapsed below 1.2.
    Unlike a count of covered modes, it also sees a generator that covers every mode but puts
    nearly all its samples on one.
    """
    raise NotImplementedError("exercise 13.3: nearest centre, shares, then -sum q log q")


def check_nearest_mode_entropy(fn):
    centers = mode_centers(8, 2.0).astype(numpy.float64)
    rng = numpy.random.default_rng(133)
    real = numpy.asarray(ring_of_gaussians(4000, std=0.05, seed=133), dtype=numpy.float64)
    one_mode = centers[3] + 0.05 * rng.standard_normal((500, 2))
    skewed = numpy.concatenate([one_mode, real[:80]])
    cases = [("samples of the ring", real), ("all at one mode", one_mode), ("one mode plus a few of each", skewed),
             ("uniform noise", rng.uniform(-3, 3, (1000, 2)))]
    for name, pts in cases:
        counts = numpy.zeros(8)
        for x in pts:                                    # a plain loop, point by point
            counts[int(numpy.argmin(((centers - x) ** 2).sum(axis=1)))] += 1
        q = counts[counts > 0] / len(pts)
        want = float(-(q * numpy.log(q)).sum())
        expect_close(float(fn(pts, centers)), want, f"the nearest-mode entropy of {name}", rtol=1e-10, atol=1e-12)
    expect_close(float(fn(one_mode, centers)), 0.0, "the entropy of a totally collapsed generator", rtol=0, atol=1e-12)
    expect(abs(float(fn(real, centers)) - math.log(8)) < 0.01, "samples of the ring should score about log 8")


# --------------------------------------------------------------------------- exercise 13.4
def effective_generator_objective(p_g, p_data):
    """Exercise 13.4: what the non-saturating generator minimises when D is optimal.

    Arjovsky & Bottou (2017, Theorem 2.5): if D = D* for the current generator and is held fixed,
    the gradient of the non-saturating loss E_{x ~ p_g}[-log D*(x)] is the gradient of
        KL(p_g || p_data) - 2 JSD(p_data, p_g).
    For discrete distributions p_g and p_data (1-D arrays of probabilities, all entries > 0)
    return this objective as a float, in nats.
    Read it: KL(p_g || p_data) = sum p_g log(p_g / p_data) is huge when p_g puts mass where p_data
    has almost none (bad samples are punished hard), but small when p_g leaves out a mode of p_data
    (a dropped mode costs little); and -2 JSD pushes p_g *away* from p_data. This is the standard
    account of why GANs drop modes rather than produce bad samples.
    The check differentiates your function by finite differences and compares with the gradient
    of E_{p_g}[-log D*] that minigan's autograd computes with D* held fixed.
    """
    raise NotImplementedError("exercise 13.4: KL(p_g || p_data) - 2 JSD(p_data, p_g)")


def check_effective_generator_objective(fn):
    rng = numpy.random.default_rng(134)
    for k in (2, 5, 8):
        p_data = rng.dirichlet(numpy.ones(k))
        theta0 = rng.standard_normal(k)

        def p_g_of(theta):
            e = numpy.exp(theta - theta.max())
            return e / e.sum()

        # minigan: the gradient of E_{p_g(theta)}[-log D0] at theta0, with D0 = D* at theta0 held fixed
        theta = minigan.tensor(theta0, requires_grad=True)
        p_g = F.softmax(theta, dim=0)
        d0 = p_data / (p_data + p_g_of(theta0))
        loss = (p_g * minigan.tensor(-numpy.log(d0))).sum()
        (want,) = minigan.autograd.grad(loss, theta)
        # yours, differentiated with central differences in theta (float64, eps 1e-6)
        eps = 1e-6
        got = numpy.array([(fn(p_g_of(theta0 + eps * e), p_data) - fn(p_g_of(theta0 - eps * e), p_data)) / (2 * eps)
                           for e in numpy.eye(k)])
        expect_close(got, want, f"the gradient of your objective (k = {k}) against that of E_pg[-log D*] with D* "
                                "fixed (Arjovsky & Bottou 2017, Theorem 2.5)", rtol=0, atol=1e-6)
    p = rng.dirichlet(numpy.ones(4))
    expect_close(float(fn(p, p)), 0.0, "the objective at p_g = p_data", rtol=0, atol=1e-12)


if __name__ == "__main__":
    sys.exit(main())
