"""Exercises for lesson 11 (batch normalisation): the training-mode forward pass, its backward
pass derived by hand (Ioffe & Szegedy 2015, section 3), and the running statistics.

Complete each function below, then run this file:
    python lessons/exercises/ex11_batch_normalization.py          # checks your functions
    python lessons/exercises/ex11_batch_normalization.py --key    # checks the teacher's key
"""
import sys
from pathlib import Path

if __package__ in (None, ""):                   # run as a file: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy  # noqa: E402

import minigan  # noqa: E402
import minigan.functional as F  # noqa: E402
import minigan.nn as nn  # noqa: E402
from lessons.exercises._runner import expect_close, main  # noqa: E402

EXERCISES = [("11.1", "batchnorm_forward"), ("11.2", "batchnorm_backward"), ("11.3", "running_statistics")]
EPS = 1e-5
SHAPES = [(4, 3, 5, 5), (2, 1, 3, 4), (8, 2, 1, 1), (3, 4, 2, 2)]


# --------------------------------------------------------------------------- exercise 11.1
def batchnorm_forward(x, gamma, beta, eps=EPS):
    """Exercise 11.1: batch normalisation in training mode, for NCHW arrays.

    x (N, C, H, W); gamma and beta (C,). For each channel c, over its n = N H W values:
        mean_c = (1/n) sum x,   var_c = (1/n) sum (x - mean_c)^2     (the *biased* variance)
        xhat = (x - mean_c) / sqrt(var_c + eps),   out = gamma_c xhat + beta_c.
    Return out (same shape as x). Hint: reduce over axes (0, 2, 3) with keepdims=True, and
    reshape gamma and beta to (1, C, 1, 1) so that they broadcast over a channel.
    """
    raise NotImplementedError("exercise 11.1: per-channel mean and biased variance over axes (0, 2, 3)")


def check_batchnorm_forward(fn):
    rng = numpy.random.default_rng(111)
    for shape in SHAPES:
        x = rng.standard_normal(shape) * 3 + 1
        gamma, beta = rng.standard_normal(shape[1]), rng.standard_normal(shape[1])
        want = F.batch_norm(minigan.tensor(x), None, None, minigan.tensor(gamma), minigan.tensor(beta),
                            training=True, eps=EPS)
        expect_close(fn(x, gamma, beta, EPS), want, f"batch norm of x {shape} against F.batch_norm", rtol=1e-9,
                     atol=1e-11)


# --------------------------------------------------------------------------- exercise 11.2
def batchnorm_backward(x, gamma, g, eps=EPS):
    """Exercise 11.2: the backward pass of exercise 11.1, by hand.

    A loss L sends back g = dL/d(out) (same shape as x). Return (dL/dx, dL/dgamma, dL/dbeta).
    Per channel, with sums over that channel's n values and sigma = sqrt(var + eps):
        dL/dbeta_c  = sum g,          dL/dgamma_c = sum g xhat,
        dL/dx       = gamma_c / sigma * (g - mean(g) - xhat mean(g xhat)).
    Derive the last line (Ioffe & Szegedy 2015, section 3): x reaches xhat directly and through
    mean_c and var_c; add the three paths. Two facts follow, for every channel:
    sum dL/dx = 0 (shifting a channel changes nothing) and sum dL/dx * xhat = 0 (nor does scaling
    it; exactly so when eps = 0, since eps makes xhat's variance var / (var + eps), not 1).
    """
    raise NotImplementedError("exercise 11.2: dbeta, dgamma, then dx through xhat, mean and var")


def check_batchnorm_backward(fn):
    rng = numpy.random.default_rng(112)
    for shape in SHAPES:
        x = rng.standard_normal(shape) * 2 - 0.5
        gamma, g = rng.standard_normal(shape[1]), rng.standard_normal(shape)
        tx = minigan.tensor(x, requires_grad=True)
        tgamma = minigan.tensor(gamma, requires_grad=True)
        tbeta = minigan.tensor(numpy.zeros(shape[1]), requires_grad=True)
        F.batch_norm(tx, None, None, tgamma, tbeta, training=True, eps=EPS).backward(minigan.tensor(g))
        dx, dgamma, dbeta = fn(x, gamma, g, EPS)
        what = f"x {shape}"
        expect_close(dbeta, tbeta.grad, f"dL/dbeta, {what}, against minigan's backward", rtol=1e-9, atol=1e-11)
        expect_close(dgamma, tgamma.grad, f"dL/dgamma, {what}, against minigan's backward", rtol=1e-9, atol=1e-11)
        expect_close(dx, tx.grad, f"dL/dx, {what}, against minigan's backward", rtol=1e-7, atol=1e-10)
        # the two invariances, exact at eps = 0 (a test that the formula, not only its value, is right)
        dx = numpy.asarray(fn(x, gamma, g, 0.0)[0])
        xhat = (x - x.mean(axis=(0, 2, 3), keepdims=True)) / numpy.sqrt(x.var(axis=(0, 2, 3), keepdims=True))
        expect_close(numpy.asarray(dx).sum(axis=(0, 2, 3)), numpy.zeros(shape[1]),
                     f"sum of dL/dx per channel (eps = 0), {what}",
                     rtol=0, atol=1e-9)
        expect_close((numpy.asarray(dx) * xhat).sum(axis=(0, 2, 3)), numpy.zeros(shape[1]),
                     f"sum of dL/dx * xhat per channel (eps = 0), {what}", rtol=0, atol=1e-9)


# --------------------------------------------------------------------------- exercise 11.3
def running_statistics(running_mean, running_var, x, momentum=0.1):
    """Exercise 11.3: the running averages that evaluation mode uses.

    After one training-mode forward pass on x (N, C, H, W), ``nn.BatchNorm2d`` updates, per channel,
        running_mean <- (1 - momentum) running_mean + momentum mean_c
        running_var  <- (1 - momentum) running_var  + momentum var_c * n / (n - 1)
    with n = N H W: the running variance uses the *unbiased* estimate, while the normalisation
    itself (exercise 11.1) uses the biased one. Return the new (running_mean, running_var).
    """
    raise NotImplementedError("exercise 11.3: exponential moving averages, the variance unbiased")


def check_running_statistics(fn):
    rng = numpy.random.default_rng(113)
    for shape in SHAPES:
        bn = nn.BatchNorm2d(shape[1], momentum=0.3).double()
        bn.train()
        mean, var = bn.running_mean.numpy().copy(), bn.running_var.numpy().copy()
        for _ in range(3):                                     # three batches in a row
            x = rng.standard_normal(shape) * 2 + 5
            with minigan.no_grad():
                bn(minigan.tensor(x))
            mean, var = fn(mean, var, x, 0.3)
            expect_close(mean, bn.running_mean, f"running_mean after a batch {shape}, against nn.BatchNorm2d",
                         rtol=1e-10)
            expect_close(var, bn.running_var, f"running_var after a batch {shape}, against nn.BatchNorm2d",
                         rtol=1e-10)


if __name__ == "__main__":
    sys.exit(main())
