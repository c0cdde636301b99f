"""The teacher's key to lessons/exercises/ex06_first_gan_on_points.py (run this file to check it)."""
import sys
from pathlib import Path

if __package__ in (None, ""):                   # run as a file: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy  # noqa: E402


def ring_centers(n_modes, radius):
    """Exercise 6.1: radius (cos a_k, sin a_k), a_k = 2 pi k / n_modes."""
    a = 2 * numpy.pi * numpy.arange(n_modes) / n_modes
    return radius * numpy.stack([numpy.cos(a), numpy.sin(a)], axis=1)


def covered_modes(points, centers, std, threshold=3.0, min_count=1):
    """Exercise 6.2: nearest centre, high quality within threshold * std, count per mode."""
    dist = numpy.linalg.norm(points[:, None, :] - centers[None, :, :], axis=2)
    nearest = dist.argmin(axis=1)
    good = dist[numpy.arange(len(points)), nearest] <= threshold * std
    counts = numpy.bincount(nearest[good], minlength=len(centers))
    return int((counts >= min_count).sum())


def discriminator_loss(d_real, d_fake):
    """Exercise 6.3: -(mean log D(x) + mean log(1 - D(G(z)))), in tensor operations."""
    return -(d_real.log().mean() + (1 - d_fake).log().mean())


def smoothed_optimal_discriminator(p_data, p_g, real_target, fake_target=0.0):
    """Exercise 6.4: (a alpha + b beta) / y = (a (1 - alpha) + b (1 - beta)) / (1 - y) gives
    y = (alpha a + beta b) / (a + b): alpha D* when beta = 0, and beta where a = 0."""
    return (real_target * p_data + fake_target * p_g) / (p_data + p_g)


if __name__ == "__main__":
    from lessons.exercises._runner import run_key_file
    sys.exit(run_key_file(__file__))
