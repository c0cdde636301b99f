"""Exercises for lesson 14 (measuring a GAN): the Fréchet distance of two Gaussians, in 1-D and
in general, the k-NN precision and recall of Kynkäänniemi et al. (2019), and why an FID of two
real sample sets is not 0.

Complete each function below, then run this file:
    python lessons/exercises/ex14_measuring_a_gan.py          # checks your functions
    python lessons/exercises/ex14_measuring_a_gan.py --key    # checks the teacher's key
(No MNIST needed: the checks use small synthetic feature sets.)
"""
import sys
from pathlib import Path

if __package__ in (None, ""):                   # run as a file: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy  # noqa: E402

from lessons.exercises._runner import expect, expect_close, main  # noqa: E402
from minigan.metrics import frechet_distance as minigan_frechet_distance  # noqa: E402
from minigan.metrics import precision_recall as minigan_precision_recall  # noqa: E402

EXERCISES = [("14.1", "frechet_distance_1d"), ("14.2", "frechet_distance"), ("14.3", "precision_recall"),
             ("14.4", "frechet_floor_1d")]


# --------------------------------------------------------------------------- exercise 14.1
def frechet_distance_1d(m1, s1, m2, s2):
    """Exercise 14.1: the Fréchet (2-Wasserstein) distance, squared, of N(m1, s1^2) and N(m2, s2^2).

    The general formula (exercise 14.2) is
        d^2 = |mu1 - mu2|^2 + tr(S1 + S2 - 2 (S1^(1/2) S2 S1^(1/2))^(1/2)).
    Simplify it for 1-D Gaussians with standard deviations s1, s2 >= 0 (S = s^2) and return a
    float. The lesson's example: N(0, 1) and N(3, 2^2) are at d^2 = 10.
    """
    raise NotImplementedError("exercise 14.1: the general formula with 1x1 matrices")


def check_frechet_distance_1d(fn):
    rng = numpy.random.default_rng(141)
    for m1, s1, m2, s2 in [(0.0, 1.0, 3.0, 2.0)] + [tuple(rng.uniform(0.1, 3, 4)) for _ in range(6)]:
        want = minigan_frechet_distance(numpy.array([m1]), numpy.array([[s1 ** 2]]), numpy.array([m2]),
                                        numpy.array([[s2 ** 2]]))
        expect_close(float(fn(m1, s1, m2, s2)), want, f"d^2(N({m1:.3f}, {s1:.3f}^2), N({m2:.3f}, {s2:.3f}^2)) "
                                                      "against minigan.metrics.frechet_distance", rtol=1e-9, atol=1e-12)
    expect_close(float(fn(0.0, 1.0, 3.0, 2.0)), 10.0, "the lesson's example", rtol=1e-12)


# --------------------------------------------------------------------------- exercise 14.2
def frechet_distance(mu1, S1, mu2, S2):
    """Exercise 14.2: the Fréchet distance of two D-dimensional Gaussians (the "F" of FID).

        d^2 = |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1^(1/2) S2 S1^(1/2))^(1/2))
    mu1, mu2: (D,); S1, S2: symmetric positive semi-definite (D, D). Compute the square roots
    of symmetric PSD matrices with an eigendecomposition, ``numpy.linalg.eigh``:
    A = V diag(l) V^T gives A^(1/2) = V diag(sqrt(l)) V^T (clip tiny negative l to 0).
    Do not use ``minigan.metrics`` here: it is what your function is checked against.
    (Heusel et al. 2017 fit these Gaussians to Inception features of real and generated images.)
    """
    raise NotImplementedError("exercise 14.2: two symmetric square roots and a trace")


def _random_spd(rng, d):
    a = rng.standard_normal((d, d))
    return a @ a.T + 0.1 * numpy.eye(d)


def check_frechet_distance(fn):
    rng = numpy.random.default_rng(142)
    for d in (1, 2, 3, 6):
        mu1, mu2 = rng.standard_normal(d), rng.standard_normal(d)
        S1, S2 = _random_spd(rng, d), _random_spd(rng, d)
        expect_close(float(fn(mu1, S1, mu2, S2)), minigan_frechet_distance(mu1, S1, mu2, S2),
                     f"d^2 of two random {d}-D Gaussians against minigan.metrics.frechet_distance", rtol=1e-8,
                     atol=1e-10)
        expect_close(float(fn(mu1, S1, mu1, S1)), 0.0, f"d^2 of a {d}-D Gaussian with itself", rtol=0, atol=1e-8)
    # diagonal covariances commute: d^2 = |mu1 - mu2|^2 + sum (sqrt(a_i) - sqrt(b_i))^2
    a, b = rng.uniform(0.1, 4, 4), rng.uniform(0.1, 4, 4)
    mu1, mu2 = rng.standard_normal(4), rng.standard_normal(4)
    want = ((mu1 - mu2) ** 2).sum() + ((numpy.sqrt(a) - numpy.sqrt(b)) ** 2).sum()
    expect_close(float(fn(mu1, numpy.diag(a), mu2, numpy.diag(b))), want,
                 "d^2 with diagonal covariances: |mu1 - mu2|^2 + sum (sqrt(a_i) - sqrt(b_i))^2", rtol=1e-10)


# --------------------------------------------------------------------------- exercise 14.3
def precision_recall(real, fake, k=3):
    """Exercise 14.3: improved precision and recall (Kynkäänniemi et al. 2019).

    ``real`` (N, D) and ``fake`` (M, D) are feature vectors. Around each real vector put a ball
    whose radius is its distance to its k-th nearest *other* real vector; the union of the balls
    estimates the manifold of the real data. Do the same for the fake vectors. Then
        precision = share of fake vectors inside the real manifold  (are the fakes realistic?),
        recall    = share of real vectors inside the fake manifold  (is all of the data covered?),
    where "inside" means within the radius (distance <= radius) of at least one ball.
    Return (precision, recall) as floats. A collapsed generator scores high precision and low
    recall; one that covers everything sloppily the reverse; FID mixes the two.
    Hint: the (N, N) matrix of distances; ``numpy.sort`` each row: index 0 is the point itself.
    """
    raise NotImplementedError("exercise 14.3: k-NN radii, then the share of points inside some ball")


def check_precision_recall(fn):
    rng = numpy.random.default_rng(143)
    real = rng.standard_normal((300, 4))
    cases = [("samples of the same distribution", rng.standard_normal((250, 4))),
             ("a collapsed generator (one small blob)", 0.2 * rng.standard_normal((250, 4)) + 0.3),
             ("a too-wide generator", 2.5 * rng.standard_normal((250, 4))),
             ("a shifted generator", rng.standard_normal((250, 4)) + 1.5)]
    results = {}
    for name, fake in cases:
        for k in (1, 3, 5):
            want = minigan_precision_recall(real, fake, k=k)
            got = fn(real, fake, k)
            # atol: one point on a ball's boundary may fall either way, as distances round differently
            expect_close(numpy.array(got, dtype=float), numpy.array(want), f"(precision, recall) for {name}, k = {k}, "
                         "against minigan.metrics.precision_recall", rtol=0, atol=1.01 / 250)
        results[name] = got
    p, r = results["a collapsed generator (one small blob)"]
    expect(p > 0.9 and r < 0.3, f"the collapsed generator should have high precision and low recall, got {p}, {r}")


# --------------------------------------------------------------------------- exercise 14.4
def frechet_floor_1d(n):
    """Exercise 14.4: the floor of the Fréchet distance, in one dimension.

    Draw two independent samples of size n from the *same* N(0, 1), estimate each one's mean m
    and standard deviation s (with the n - 1 denominator), and compute
    d^2 = (m1 - m2)^2 + (s1 - s2)^2 (exercise 14.1). It is not 0: on average it is about c / n.
    Derive c and return the leading-order value c / n (a float).
    Hints: m1 - m2 has variance 1/n + 1/n. For large n, s is nearly Gaussian with variance about
    1 / (2n) (the delta method applied to s^2, whose variance is 2 / (n - 1)).
    This is lesson 14's floor: FID is biased upwards and the bias shrinks like 1/N, so an FID
    means little without its N and the score of real against real images at that N.
    """
    raise NotImplementedError("exercise 14.4: E(m1 - m2)^2 + E(s1 - s2)^2 to leading order in 1/n")


def check_frechet_floor_1d(fn):
    rng = numpy.random.default_rng(144)
    trials = 20000
    for n in (25, 100, 400):                  # Monte Carlo: 20,000 pairs of samples of size n
        a, b = rng.standard_normal((trials, n)), rng.standard_normal((trials, n))
        d2 = (a.mean(axis=1) - b.mean(axis=1)) ** 2 + (a.std(axis=1, ddof=1) - b.std(axis=1, ddof=1)) ** 2
        want = d2.mean()                      # its own statistical error is below 1%
        got = float(fn(n))
        expect(abs(got / want - 1) < 0.05, f"n = {n}: the mean d^2 of two samples of N(0, 1) is {want:.5f} "
                                           f"(Monte Carlo, {trials} pairs), your floor is {got:.5f}")


if __name__ == "__main__":
    sys.exit(main())
