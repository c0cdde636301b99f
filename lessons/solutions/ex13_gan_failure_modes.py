"""The teacher's key to lessons/exercises/ex13_gan_failure_modes.py (run this file to check it)."""
import math
import sys
from pathlib import Path

if __package__ in (None, ""):                   # run as a file: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy  # noqa: E402

import minigan  # noqa: E402


def _sigmoid(t):
    return 1 / (1 + math.exp(-t)) if t >= 0 else math.exp(t) / (1 + math.exp(t))


def dirac_gan_step(theta, psi, lr, alternating=False, gamma=0.0):
    """Exercise 13.1: psi descends theta s + gamma psi; theta descends -psi' s', with psi' the
    new psi when alternating and the old one when simultaneous."""
    new_psi = psi - lr * (theta * _sigmoid(psi * theta) + gamma * psi)
    p = new_psi if alternating else psi
    new_theta = theta - lr * (-p * _sigmoid(p * theta))
    return new_theta, new_psi


def gradient_penalty(critic, real, fake, alpha):
    """Exercise 13.2: mean (|grad critic(x_hat)| - 1)^2, differentiable (create_graph=True)."""
    with minigan.no_grad():
        x_hat = alpha * real + (1 - alpha) * fake
    x_hat.requires_grad_()
    (grad,) = minigan.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return ((grad.norm(dim=1) - 1) ** 2).mean()


def nearest_mode_entropy(points, centers):
    """Exercise 13.3: entropy (nats) of the shares of points nearest to each centre."""
    nearest = numpy.linalg.norm(points[:, None, :] - centers[None, :, :], axis=2).argmin(axis=1)
    q = numpy.bincount(nearest, minlength=len(centers)) / len(points)
    q = q[q > 0]
    return float(-(q * numpy.log(q)).sum())


def _kl(p, q):
    return float((p * numpy.log(p / q)).sum())


def effective_generator_objective(p_g, p_data):
    """Exercise 13.4: KL(p_g || p_data) - 2 JSD(p_data, p_g), with JSD = (KL(p||m) + KL(q||m)) / 2."""
    m = (p_g + p_data) / 2
    return _kl(p_g, p_data) - (_kl(p_data, m) + _kl(p_g, m))


if __name__ == "__main__":
    from lessons.exercises._runner import run_key_file
    sys.exit(run_key_file(__file__))
