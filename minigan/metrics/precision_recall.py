"""Improved precision and recall (Kynkäänniemi et al., 2019), on classifier features.

Each real feature vector r gets a ball whose radius is the distance to its k-th nearest
other real vector (k = 3); the union of these balls estimates the manifold of real data.
The same is done for the generated vectors. Then

    precision = share of generated samples inside the real manifold   (are the fakes realistic?)
    recall    = share of real samples inside the generated manifold  (is all of the data covered?)

A point on a ball's boundary counts as inside (distance <= radius), as in the reference code.
FID mixes the two failures into one number; a collapsed generator has high precision and low
recall, a blurry one the reverse. Distances are computed in row blocks, in float64, with
|a - b|^2 = |a|^2 + |b|^2 - 2 a.b (clipped at 0), on the inputs' backend.

Recall is exactly 0 for the early MLP generator, honestly: its samples' features are far less
spread out than the data's, so each fake's ball (its distance to the 3rd-nearest fake) is
much smaller than the gap from any real image to the nearest fake, while the fakes can still
lie inside the real balls (high precision). Measured for the course's MLP GAN (seed 0, N =
2,000, benchmarks/NOTES.md): median fake radius 1.1, 5.9 and 9.6 after 469, 4,690 and 14,070
steps against 11.3 for real images; recall 0, 0 and 0.06. Real held-out images against the
test set score precision 0.88 and recall 0.86, so the computation is not the cause.

Comparability: published values use VGG-16 features and usually 50,000 images a side; these
use minigan's classifier at N = 10,000 and compare only with each other (:mod:`minigan.metrics`).
"""
from ..backend import get_array_module

DEFAULT_K = 3


def _squared_distances(a, b, b_sq):
    xp = get_array_module(a)
    d = (a * a).sum(axis=1)[:, None] + b_sq[None, :] - 2 * (a @ b.T)
    return xp.maximum(d, 0)


def _blocks(n, size):
    return [(s, min(s + size, n)) for s in range(0, n, size)]


def manifold_radii(features, k=DEFAULT_K, block=1000):
    """Squared distance from each vector to its k-th nearest *other* vector, (N,)."""
    xp = get_array_module(features)
    n = len(features)
    if n <= k:
        raise ValueError(f"precision/recall: the k-NN radius with k = {k} needs more than {k} samples, got {n}")
    sq = (features * features).sum(axis=1)
    radii = xp.empty(n, dtype=xp.float64)
    for s, e in _blocks(n, block):
        d = _squared_distances(features[s:e], features, sq)
        # index 0 of the sorted row is the point itself (distance 0), so the k-th other is index k
        radii[s:e] = xp.partition(d, k, axis=1)[:, k]
    return radii


def coverage_of(points, manifold, radii, block=1000):
    """Share of ``points`` within the radius of at least one vector of ``manifold``."""
    xp = get_array_module(points)
    sq = (manifold * manifold).sum(axis=1)
    inside = 0
    for s, e in _blocks(len(points), block):
        d = _squared_distances(points[s:e], manifold, sq)
        inside += int((d <= radii[None, :]).any(axis=1).sum())
    return inside / len(points)


def precision_recall(real_features, fake_features, k=DEFAULT_K):
    """(precision, recall) of the generated ``fake_features`` against ``real_features`` (N, D)."""
    xp = get_array_module(real_features, fake_features)
    real = xp.asarray(real_features, dtype=xp.float64)
    fake = xp.asarray(fake_features, dtype=xp.float64)
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(f"precision_recall: expected two feature sets (N, D) with the same D, got "
                         f"{tuple(real.shape)} and {tuple(fake.shape)}")
    precision = coverage_of(fake, real, manifold_radii(real, k))
    recall = coverage_of(real, fake, manifold_radii(fake, k))
    return precision, recall
