"""The teacher's key to lessons/exercises/ex14_measuring_a_gan.py (run this file to check it)."""
import sys
from pathlib import Path

if __package__ in (None, ""):                   # run as a file: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy  # noqa: E402


def frechet_distance_1d(m1, s1, m2, s2):
    """Exercise 14.1: (m1 - m2)^2 + s1^2 + s2^2 - 2 s1 s2 = (m1 - m2)^2 + (s1 - s2)^2."""
    return (m1 - m2) ** 2 + (s1 - s2) ** 2


def _sqrtm_psd(a):
    lam, v = numpy.linalg.eigh((a + a.T) / 2)
    return (v * numpy.sqrt(numpy.clip(lam, 0, None))) @ v.T


def frechet_distance(mu1, S1, mu2, S2):
    """Exercise 14.2: tr((S1^(1/2) S2 S1^(1/2))^(1/2)) = sum of the square roots of its eigenvalues."""
    r1 = _sqrtm_psd(S1)
    lam = numpy.linalg.eigvalsh((r1 @ S2 @ r1 + (r1 @ S2 @ r1).T) / 2)
    diff = mu1 - mu2
    return float(diff @ diff + numpy.trace(S1) + numpy.trace(S2) - 2 * numpy.sqrt(numpy.clip(lam, 0, None)).sum())


def _distances(a, b):
    return numpy.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2))


def _share_inside(points, manifold, k):
    radii = numpy.sort(_distances(manifold, manifold), axis=1)[:, k]   # index 0: the point itself
    return float((_distances(points, manifold) <= radii[None, :]).any(axis=1).mean())


def precision_recall(real, fake, k=3):
    """Exercise 14.3: fakes inside the real manifold, reals inside the fake manifold."""
    return _share_inside(fake, real, k), _share_inside(real, fake, k)


def frechet_floor_1d(n):
    """Exercise 14.4: E(m1 - m2)^2 = 2/n; s1, s2 independent with variance ~ 1/(2n) each, so
    E(s1 - s2)^2 ~ 1/n (their means are equal): d^2 ~ 3/n."""
    return 3 / n


if __name__ == "__main__":
    from lessons.exercises._runner import run_key_file
    sys.exit(run_key_file(__file__))
