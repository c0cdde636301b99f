"""The best one-to-one matching between two labelings (InfoGAN's code against the classifier).

An unsupervised code (InfoGAN's categorical c) names the digits in its own order. Its accuracy
is the share of samples on the diagonal of the contingency table T (T[i, j] = samples with
code i and label j) after the best relabeling of the codes: max over permutations pi of
sum_i T[i, pi(i)] / N. Trying all 10! = 3,628,800 permutations is too slow; the Hungarian
algorithm (Kuhn 1955, Munkres 1957) finds the optimum in O(n^3), here in the
shortest-augmenting-path form with row and column potentials u, v (reduced costs
c[i, j] - u[i] - v[j] >= 0; each row is added along a shortest path of zero-reduced-cost
edges). It works on a small host table, so plain Python loops over its rows are fine.
"""
import numpy

from ..backend import to_numpy


def assignment(cost):
    """The minimum-cost assignment of a square cost matrix: ``perm`` with row i matched to column
    ``perm[i]``, minimising sum_i cost[i, perm[i]] (as ``scipy.optimize.linear_sum_assignment``
    on a square matrix)."""
    c = numpy.asarray(cost, dtype=float)
    if c.ndim != 2 or c.shape[0] != c.shape[1] or c.shape[0] == 0:
        raise ValueError(f"assignment: expected a non-empty square cost matrix, got shape {c.shape}")
    if not numpy.isfinite(c).all():
        raise ValueError("assignment: the cost matrix must be finite")
    n = c.shape[0]
    u, v = numpy.zeros(n + 1), numpy.zeros(n + 1)     # potentials (index 0: a virtual start)
    match = numpy.zeros(n + 1, dtype=int)              # match[j] = row matched to column j (1-based)
    way = numpy.zeros(n + 1, dtype=int)
    for i in range(1, n + 1):
        match[0], j0 = i, 0
        minv = numpy.full(n + 1, numpy.inf)
        used = numpy.zeros(n + 1, dtype=bool)
        while True:                                    # grow a shortest path until a free column
            used[j0] = True
            i0 = match[j0]
            free = ~used[1:]
            reduced = c[i0 - 1] - u[i0] - v[1:]
            better = free & (reduced < minv[1:])
            minv[1:][better] = reduced[better]
            way[1:][better] = j0
            cand = numpy.where(free, minv[1:], numpy.inf)
            j1 = int(cand.argmin()) + 1
            delta = cand[j1 - 1]
            u[match[used]] += delta
            v[used] -= delta
            minv[1:][free] -= delta
            j0 = j1
            if match[j0] == 0:
                break
        while j0:                                      # flip the path
            j1 = way[j0]
            match[j0] = match[j1]
            j0 = j1
    perm = numpy.empty(n, dtype=int)
    perm[match[1:] - 1] = numpy.arange(n)
    return perm


def contingency_table(a, b, n_a, n_b):
    """T[i, j] = number of positions where ``a`` is i and ``b`` is j."""
    a, b = numpy.asarray(to_numpy(a)).astype(int).ravel(), numpy.asarray(to_numpy(b)).astype(int).ravel()
    if a.shape != b.shape:
        raise ValueError(f"contingency_table: the two labelings differ in length ({a.size} and {b.size})")
    for name, x, n in (("first", a, n_a), ("second", b, n_b)):
        if x.size and (x.min() < 0 or x.max() >= n):
            raise ValueError(f"contingency_table: the {name} labeling must be in 0..{n - 1}, got {x.min()}..{x.max()}")
    return numpy.bincount(a * n_b + b, minlength=n_a * n_b).reshape(n_a, n_b)


def matching_accuracy(codes, labels, n_classes=10):
    """(best one-to-one matching accuracy of ``codes`` against ``labels``, the matching as an
    array: code i -> label perm[i])."""
    table = contingency_table(codes, labels, n_classes, n_classes)
    if table.sum() == 0:
        raise ValueError("matching_accuracy: no samples")
    perm = assignment(-table)                          # the most samples on the diagonal
    return float(table[numpy.arange(n_classes), perm].sum() / table.sum()), perm
