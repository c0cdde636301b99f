"""The teacher's key to lessons/exercises/ex12_dcgan_mnist.py (run this file to check it)."""
import sys
from pathlib import Path

if __package__ in (None, ""):                   # run as a file: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy  # noqa: E402


def generator_sizes(layers, size=1):
    """Exercise 12.1: H_out = (H - 1)s - 2p + k, layer after layer."""
    sizes = []
    for k, s, p in layers:
        size = (size - 1) * s - 2 * p + k
        sizes.append(size)
    return sizes


def adam_step(p, g, m, v, t, lr=2e-4, betas=(0.5, 0.999), eps=1e-8):
    """Exercise 12.2: Kingma & Ba's Algorithm 1, one step."""
    beta1, beta2 = betas
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return p - lr * m_hat / (numpy.sqrt(v_hat) + eps), m, v


def slerp(z0, z1, t):
    """Exercise 12.3: the great circle through z0 and z1."""
    cos = z0 @ z1 / (numpy.linalg.norm(z0) * numpy.linalg.norm(z1))
    omega = numpy.arccos(numpy.clip(cos, -1.0, 1.0))
    return (numpy.sin((1 - t) * omega) * z0 + numpy.sin(t * omega) * z1) / numpy.sin(omega)


if __name__ == "__main__":
    from lessons.exercises._runner import run_key_file
    sys.exit(run_key_file(__file__))
