"""The ring of Gaussians (and the 5x5 grid): the classic 2-D toy problems for seeing mode collapse.

Eight small Gaussians (``std`` 0.02) sit evenly on a circle of radius 2 (Metz et al.,
*Unrolled GANs*, 2017). A GAN that collapses puts all its samples on one or two of them;
:func:`count_modes` measures that with the usual metric (VEEGAN, Srivastava et al., 2017):
how many modes are covered, and which share of the samples is "high quality", i.e. close
to some center.

Everything here works on host (NumPy) arrays; Tensors are accepted and copied to the host.
"""
import math
from collections import namedtuple

import numpy

from .. import backend as _backend

ModeCoverage = namedtuple("ModeCoverage", ["modes", "high_quality", "counts"])
ModeCoverage.__doc__ = """Result of :func:`count_modes`.

modes: number of modes covered (0..n_modes).
high_quality: share of samples (0..1) within the threshold of their nearest center.
counts: int64 array (n_modes,), high-quality samples nearest to each center."""


def mode_centers(n_modes=8, radius=2.0):
    """The centers, float32 ``(n_modes, 2)``: center k at angle ``2*pi*k/n_modes``."""
    if not isinstance(n_modes, (int, numpy.integer)) or isinstance(n_modes, bool) or n_modes < 1:
        raise ValueError(f"n_modes must be a positive integer, got {n_modes!r}")
    angles = 2 * numpy.pi * numpy.arange(n_modes) / n_modes
    return (radius * numpy.stack([numpy.cos(angles), numpy.sin(angles)], axis=1)).astype(numpy.float32)


def ring_of_gaussians(n, n_modes=8, radius=2.0, std=0.02, seed=None, return_modes=False):
    """``n`` points drawn from the ring: a mode chosen uniformly, plus Gaussian noise.

    Returns float32 ``(n, 2)``, and with ``return_modes=True`` also the int64 ``(n,)`` index
    of the mode each point came from. ``seed=None`` draws from minigan's NumPy generator,
    so ``minigan.manual_seed`` makes it reproducible.
    """
    _check_draw(n, std)
    return _draw(mode_centers(n_modes, radius), n, std, seed, return_modes)


def _check_draw(n, std):
    if not isinstance(n, (int, numpy.integer)) or isinstance(n, bool) or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    if std < 0:
        raise ValueError(f"std must be >= 0, got {std!r}")


def _draw(centers, n, std, seed, return_modes):
    """``n`` points of the equal mixture of Gaussians (std ``std``) at ``centers`` (M, 2)."""
    centers = centers.astype(numpy.float64)
    rng = _backend.generator("numpy") if seed is None else numpy.random.default_rng(seed)
    modes = rng.integers(0, len(centers), size=n)
    points = (centers[modes] + std * rng.standard_normal((n, 2))).astype(numpy.float32)
    return (points, modes.astype(numpy.int64)) if return_modes else points


def default_min_count(n):
    """High-quality samples a mode needs to count as covered, out of ``n``: 1% (at least 1)."""
    return max(1, math.ceil(0.01 * n))


def count_modes(points, n_modes=8, radius=2.0, std=0.02, threshold=3.0, min_count=None, centers=None):
    """How well ``points`` (``(n, 2)``, e.g. generator samples) cover the ring's modes
    (or any other ``centers`` (M, 2), e.g. :func:`grid_centers` with ``std=GRID_STD``).

    The rule:
      - each sample belongs to its nearest center;
      - it is *high quality* when its distance to that center is at most
        ``threshold * std`` (default: 3 standard deviations, as in VEEGAN);
      - a mode is *covered* when at least ``min_count`` high-quality samples belong to it.
        VEEGAN counts a mode as soon as one sample is there (``min_count=1``), which lets a
        few stray samples count as coverage; the default here is 1% of the samples
        (``max(1, ceil(0.01 * n))``, i.e. 25 of the usual 2,500), while a mode's fair share
        is ``n / n_modes`` (12.5%).

    Returns ``ModeCoverage(modes, high_quality, counts)``: the number of covered modes, the
    share of high-quality samples (0..1), and the per-mode counts of high-quality samples.
    Real samples give 8 modes and about 99% high quality (a 2-D Gaussian puts
    ``1 - exp(-4.5)`` = 98.9% of its mass within 3 std).
    """
    pts = points.numpy() if hasattr(points, "numpy") and callable(points.numpy) else points
    pts = numpy.asarray(_backend.to_numpy(pts) if _backend.backend_of(pts) == "cupy" else pts,
                        dtype=numpy.float64)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"count_modes: expected points of shape (n, 2), got {pts.shape}")
    n = len(pts)
    if min_count is None:
        min_count = default_min_count(n)
    centers = (mode_centers(n_modes, radius) if centers is None else numpy.asarray(centers)).astype(numpy.float64)
    if centers.ndim != 2 or centers.shape[1] != 2:
        raise ValueError(f"count_modes: expected centers of shape (M, 2), got {centers.shape}")
    n_modes = len(centers)
    if n == 0:
        return ModeCoverage(0, 0.0, numpy.zeros(n_modes, dtype=numpy.int64))
    dist = numpy.linalg.norm(pts[:, None, :] - centers[None, :, :], axis=2)   # (n, n_modes)
    nearest = dist.argmin(axis=1)
    good = dist[numpy.arange(n), nearest] <= threshold * std
    counts = numpy.bincount(nearest[good], minlength=n_modes).astype(numpy.int64)
    return ModeCoverage(int((counts >= min_count).sum()), float(good.mean()), counts)


# --------------------------------------------------------------------------- the grid of 25
GRID_STD = 0.05


def grid_centers(side=5, spacing=2.0):
    """The ``side x side`` centers, float32 ``(side**2, 2)``, on a square grid centred at 0
    (for 5 x 5 and spacing 2: every pair from {-4, -2, 0, 2, 4}, as in VEEGAN and PacGAN)."""
    if not isinstance(side, (int, numpy.integer)) or isinstance(side, bool) or side < 1:
        raise ValueError(f"side must be a positive integer, got {side!r}")
    axis = spacing * (numpy.arange(side) - (side - 1) / 2)
    gx, gy = numpy.meshgrid(axis, axis, indexing="ij")
    return numpy.stack([gx.ravel(), gy.ravel()], axis=1).astype(numpy.float32)


def grid_of_gaussians(n, side=5, spacing=2.0, std=GRID_STD, seed=None, return_modes=False):
    """``n`` points from the grid of ``side**2`` Gaussians (std 0.05): a center chosen
    uniformly, plus Gaussian noise. Same conventions as :func:`ring_of_gaussians`."""
    _check_draw(n, std)
    return _draw(grid_centers(side, spacing), n, std, seed, return_modes)
