"""Exercises for lesson 12 (the DCGAN on MNIST): the generator's sizes layer by layer, one Adam
step with the DCGAN's betas, and the latent interpolation of Radford et al.

Complete each function below, then run this file:
    python lessons/exercises/ex12_dcgan_mnist.py          # checks your functions
    python lessons/exercises/ex12_dcgan_mnist.py --key    # checks the teacher's key
(No MNIST and no training needed.)
"""
import sys
from pathlib import Path

if __package__ in (None, ""):                   # run as a file: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy  # noqa: E402

import minigan  # noqa: E402
import minigan.nn as nn  # noqa: E402
from lessons.exercises._runner import expect, expect_close, main  # noqa: E402
from minigan.models import DCGAN_Generator  # noqa: E402
from minigan.optim import Adam  # noqa: E402

EXERCISES = [("12.1", "generator_sizes"), ("12.2", "adam_step"), ("12.3", "slerp")]


# --------------------------------------------------------------------------- exercise 12.1
def generator_sizes(layers, size=1):
    """Exercise 12.1: trace a stack of transposed convolutions by hand.

    ``layers`` is a list of (kernel, stride, padding) of square ``nn.ConvTranspose2d`` layers
    (output_padding 0, dilation 1), applied in turn to a ``size`` x ``size`` input. Return the
    list of the output sizes after each layer. The course's DCGAN generator is
    [(7, 1, 0), (4, 2, 1), (4, 2, 1)] from 1x1 noise: [7, 14, 28]. (Exercise 8.2's formula.)
    """
    raise NotImplementedError("exercise 12.1: apply the transposed-convolution size formula layer by layer")


def check_generator_sizes(fn):
    g = DCGAN_Generator()
    convs = [m for m in g.modules() if isinstance(m, nn.ConvTranspose2d)]
    layers = [(m.kernel_size[0], m.stride[0], m.padding[0]) for m in convs]
    z = minigan.zeros(2, 100, 1, 1)
    want = []
    with minigan.no_grad():
        g.eval()
        h = z
        for m in g.G:                                    # run the real layers, record the sizes
            h = m(h)
            if isinstance(m, nn.ConvTranspose2d):
                want.append(h.shape[2])
    got = list(fn(layers, 1))
    expect(got == want, f"the course's DCGAN generator {layers}: its layers really give {want}, got {got}")
    rng = numpy.random.default_rng(121)
    for _ in range(5):
        spec = [(int(rng.integers(1, 6)), int(rng.integers(1, 4)), 0) for _ in range(int(rng.integers(1, 4)))]
        spec = [(k, s, int(rng.integers(0, max(1, k // 2)))) for k, s, _ in spec]
        start = int(rng.integers(2, 6))
        h = minigan.zeros(1, 1, start, start)
        want = []
        with minigan.no_grad():
            for k, s, p in spec:
                h = nn.ConvTranspose2d(1, 1, k, s, p)(h)
                want.append(h.shape[2])
        got = list(fn(spec, start))
        expect(got == want, f"layers {spec} from {start}x{start}: minigan's layers give {want}, got {got}")


# --------------------------------------------------------------------------- exercise 12.2
def adam_step(p, g, m, v, t, lr=2e-4, betas=(0.5, 0.999), eps=1e-8):
    """Exercise 12.2: one Adam update (Kingma & Ba 2015, Algorithm 1), with the DCGAN's betas.

    p: the parameter, g: its gradient, m and v: the first and second moment estimates (zeros
    before the first step), t: the number of this step (1 for the first). Return the new
    (p, m, v):
        m = beta1 m + (1 - beta1) g,        v = beta2 v + (1 - beta2) g^2,
        m_hat = m / (1 - beta1^t),          v_hat = v / (1 - beta2^t),
        p = p - lr m_hat / (sqrt(v_hat) + eps).
    The DCGAN paper lowered beta1 from the usual 0.9 to 0.5: the momentum then averages over about
    1 / (1 - beta1) = 2 steps instead of 10, which it found steadier for the adversarial game.
    """
    raise NotImplementedError("exercise 12.2: update m and v, correct their bias, step p")


def check_adam_step(fn):
    rng = numpy.random.default_rng(122)
    for betas, lr in [((0.5, 0.999), 2e-4), ((0.9, 0.999), 1e-2), ((0.0, 0.9), 0.1)]:
        w = minigan.tensor(rng.standard_normal(5), requires_grad=True)
        opt = Adam([w], lr=lr, betas=betas)
        p, m, v = w.numpy().copy(), numpy.zeros(5), numpy.zeros(5)
        for t in range(1, 7):
            g = rng.standard_normal(5) * (10.0 if t == 3 else 1.0)
            w.grad = minigan.tensor(g)
            opt.step()
            p, m, v = fn(p, g, m, v, t, lr, betas, 1e-8)
            expect_close(p, w, f"the parameter after Adam step {t} (lr {lr}, betas {betas}) against "
                               "minigan.optim.Adam", rtol=1e-10, atol=1e-13)


# --------------------------------------------------------------------------- exercise 12.3
def slerp(z0, z1, t):
    """Exercise 12.3: spherical interpolation between two noise vectors.

    The DCGAN paper walks through the latent space between two z's and shows the images change
    smoothly. For Gaussian noise in 100 dimensions, |z| is nearly always about 10: a straight
    line between two such z's passes through vectors of smaller norm, which the generator
    rarely saw. Spherical interpolation follows the great circle instead: with
    omega = the angle between z0 and z1 (cos omega = z0.z1 / (|z0| |z1|)),
        slerp(z0, z1, t) = sin((1 - t) omega) / sin(omega) z0 + sin(t omega) / sin(omega) z1.
    z0, z1: 1-D arrays (not parallel); t: a float in [0, 1]. Return the 1-D array.
    """
    raise NotImplementedError("exercise 12.3: the great-circle formula with omega = angle(z0, z1)")


def _angle(a, b):
    return numpy.arccos(numpy.clip(a @ b / (numpy.linalg.norm(a) * numpy.linalg.norm(b)), -1, 1))


def check_slerp(fn):
    rng = numpy.random.default_rng(123)
    for dim in (2, 5, 100):
        z0, z1 = rng.standard_normal(dim), rng.standard_normal(dim)
        expect_close(fn(z0, z1, 0.0), z0, f"slerp at t = 0 (dim {dim})", rtol=1e-10, atol=1e-12)
        expect_close(fn(z0, z1, 1.0), z1, f"slerp at t = 1 (dim {dim})", rtol=1e-10, atol=1e-12)
        omega = _angle(z0, z1)
        u0, u1 = z0 / numpy.linalg.norm(z0), z1 / numpy.linalg.norm(z1)
        for t in (0.25, 0.5, 0.8):
            z = numpy.asarray(fn(u0, u1, t))
            expect_close(numpy.linalg.norm(z), 1.0, f"|slerp| between unit vectors at t = {t} (dim {dim})",
                         rtol=1e-10)
            expect_close(_angle(u0, z), t * omega, f"the angle from z0 at t = {t} (dim {dim}): t omega",
                         rtol=1e-7, atol=1e-9)
            expect_close(_angle(z, u1), (1 - t) * omega, f"the angle to z1 at t = {t} (dim {dim})",
                         rtol=1e-7, atol=1e-9)


if __name__ == "__main__":
    sys.exit(main())
