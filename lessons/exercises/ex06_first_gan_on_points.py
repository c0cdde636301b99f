"""Exercises for lesson 06 (a first GAN on points): the ring of Gaussians, counting covered
modes, the discriminator's loss of Algorithm 1 with its gradient, and what label smoothing does
to the best discriminator.

Complete each function below, then run this file:
    python lessons/exercises/ex06_first_gan_on_points.py          # checks your functions
    python lessons/exercises/ex06_first_gan_on_points.py --key    # checks the teacher's key
"""
import sys
from pathlib import Path

if __package__ in (None, ""):                   # run as a file: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy  # noqa: E402

import minigan  # noqa: E402
from lessons.exercises._runner import expect, expect_close, main  # noqa: E402
from minigan.data import count_modes, mode_centers, ring_of_gaussians  # noqa: E402

EXERCISES = [("6.1", "ring_centers"), ("6.2", "covered_modes"), ("6.3", "discriminator_loss"),
             ("6.4", "smoothed_optimal_discriminator")]


# --------------------------------------------------------------------------- exercise 6.1
def ring_centers(n_modes, radius):
    """Exercise 6.1: the centres of the lesson's ring of Gaussians.

    Return a float64 array of shape (n_modes, 2): centre k at angle 2 pi k / n_modes on the
    circle of the given radius around the origin (centre 0 on the positive x axis).
    """
    raise NotImplementedError("exercise 6.1: radius * (cos, sin) of 2 pi k / n_modes")


def check_ring_centers(fn):
    for n, r in [(8, 2.0), (3, 1.0), (25, 0.5)]:
        got = numpy.asarray(fn(n, r))
        expect_close(got, mode_centers(n, r), f"ring_centers({n}, {r}) against minigan.data.mode_centers",
                     rtol=0, atol=1e-6)
        expect_close(numpy.linalg.norm(got, axis=1), numpy.full(n, r), f"distances of the {n} centres from 0",
                     rtol=1e-12)


# --------------------------------------------------------------------------- exercise 6.2
def covered_modes(points, centers, std, threshold=3.0, min_count=1):
    """Exercise 6.2: how many modes does a generator cover?

    ``points`` (n, 2) are generated samples, ``centers`` (M, 2) the modes. The lesson's rule:
      * each point belongs to its nearest centre;
      * it is *high quality* when its distance to that centre is at most threshold * std;
      * a mode is *covered* when at least ``min_count`` high-quality points belong to it.
    Return the number of covered modes (an int). A healthy run on the 8-mode ring covers most
    of them; a collapsed one piles its points onto one or two.

    Hint: the (n, M) matrix of distances, ``numpy.linalg.norm(points[:, None] - centers[None], axis=2)``.
    """
    raise NotImplementedError("exercise 6.2: nearest centre, distance test, then count per mode")


def check_covered_modes(fn):
    centers = mode_centers(8, 2.0).astype(numpy.float64)
    rng = numpy.random.default_rng(62)
    real = ring_of_gaussians(2000, std=0.02, seed=62)
    collapsed = centers[[1, 1, 1, 5]][rng.integers(0, 4, 2000)] + 0.02 * rng.standard_normal((2000, 2))
    blurry = real + 0.06 * rng.standard_normal(real.shape)                   # many points too far out
    scattered = rng.uniform(-3, 3, (2000, 2))
    for name, pts in [("real samples", real), ("a collapsed generator", collapsed), ("blurry samples", blurry),
                      ("uniform noise", scattered)]:
        for min_count in (1, 20, 200):
            want = count_modes(pts, std=0.02, min_count=min_count).modes
            got = fn(numpy.asarray(pts, dtype=numpy.float64), centers, 0.02, 3.0, min_count)
            expect(int(got) == want, f"{name}, min_count {min_count}: expected {want} covered modes "
                                     f"(minigan.data.count_modes), got {got}")


# --------------------------------------------------------------------------- exercise 6.3
def discriminator_loss(d_real, d_fake):
    """Exercise 6.3: the discriminator's loss in Algorithm 1, as a differentiable minigan Tensor.

    ``d_real`` (m,) holds D(x) on a real minibatch and ``d_fake`` (m',) holds D(G(z)) on a fake
    one, both minigan Tensors of probabilities in (0, 1). D *ascends*
        mean log D(x) + mean log(1 - D(G(z))),
    so the loss it minimises is minus that. Return it as a 0-d minigan Tensor built from tensor
    operations only (``.log()``, ``.mean()``, ``+``, ``-``): then ``loss.backward()`` gives D's
    gradient. (It equals BCE(D(x), 1) + BCE(D(G(z)), 0) of the course's code.)
    """
    raise NotImplementedError("exercise 6.3: -(mean log D(x) + mean log(1 - D(G(z)))) in tensor operations")


def check_discriminator_loss(fn):
    rng = numpy.random.default_rng(63)
    r, f = rng.uniform(0.05, 0.95, 6), rng.uniform(0.05, 0.95, 4)     # m and m' need not be equal
    tr, tf = minigan.tensor(r, requires_grad=True), minigan.tensor(f, requires_grad=True)
    loss = fn(tr, tf)
    expect(isinstance(loss, minigan.Tensor) and loss.shape == (), f"expected a 0-d minigan Tensor, got {loss!r}")
    want = -(numpy.log(r).mean() + numpy.log(1 - f).mean())
    expect_close(loss.item(), want, "the discriminator's loss against the NumPy formula", rtol=1e-12)
    loss.backward()
    expect(tr.grad is not None and tf.grad is not None, "loss.backward() gave no gradient: build the loss "
                                                         "from tensor operations on d_real and d_fake")
    expect_close(tr.grad, -1 / (len(r) * r), "d loss / d D(x) = -1 / (m D(x))", rtol=1e-12)
    expect_close(tf.grad, 1 / (len(f) * (1 - f)), "d loss / d D(G(z)) = 1 / (m' (1 - D(G(z))))", rtol=1e-12)


# --------------------------------------------------------------------------- exercise 6.4
def smoothed_optimal_discriminator(p_data, p_g, real_target, fake_target=0.0):
    """Exercise 6.4: the best discriminator when the labels are smoothed.

    A common trick trains D with the target ``real_target`` (e.g. 0.9) instead of 1 for real
    examples, and sometimes ``fake_target`` (e.g. 0.1) instead of 0 for fakes. Its BCE loss at one
    point x is then, with a = p_data(x), b = p_g(x) and y = D(x):
        -[a (alpha log y + (1 - alpha) log(1 - y)) + b (beta log y + (1 - beta) log(1 - y))],
    alpha = real_target, beta = fake_target. Minimise it over y in (0, 1) (as in exercise 5.2) and
    return D*(x) for arrays of density values. You should find that with beta = 0 ("one-sided"
    smoothing) D* is alpha times the usual D*, while beta > 0 makes D* = beta where p_data = 0, so
    D then rewards fakes in places with no data at all: why Salimans et al. (2016) smooth only
    the real labels.
    """
    raise NotImplementedError("exercise 6.4: set the derivative of the smoothed loss to 0")


def check_smoothed_optimal_discriminator(fn):
    rng = numpy.random.default_rng(64)
    a, b = rng.uniform(0.0, 3.0, 40), rng.uniform(0.01, 3.0, 40)
    a[:3] = 0.0                                            # places with no data
    # the grid reaches close to 0 and 1: with beta = 0 the best D where p_data = 0 is 0 itself
    y = numpy.concatenate([[1e-12], numpy.linspace(1e-4, 1 - 1e-4, 99999), [1 - 1e-12]])[:, None]
    for alpha, beta in [(0.9, 0.0), (1.0, 0.0), (0.9, 0.1), (0.8, 0.3)]:
        loss = -(a * (alpha * numpy.log(y) + (1 - alpha) * numpy.log(1 - y))
                 + b * (beta * numpy.log(y) + (1 - beta) * numpy.log(1 - y)))
        best = y[loss.argmin(axis=0), 0]
        got = numpy.asarray(fn(a, b, alpha, beta))
        expect_close(got, best, f"D* with real target {alpha} and fake target {beta}, against a grid search",
                     rtol=0, atol=2e-5)


if __name__ == "__main__":
    sys.exit(main())
