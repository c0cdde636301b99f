"""The teacher's key to lessons/exercises/ex05_the_minimax_game.py (run this file to check it)."""
import math
import sys
from pathlib import Path

if __package__ in (None, ""):                   # run as a file: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy  # noqa: E402


def _sigmoid(s):
    # e^-|s| never overflows; the two branches are the same function
    e = numpy.exp(-numpy.abs(s))
    return numpy.where(s >= 0, 1 / (1 + e), e / (1 + e))


def generator_logit_gradients(s):
    """Exercise 5.1: d/ds log(1 - D) = -D (vanishes as D -> 0), d/ds -log D = D - 1 (about -1 there)."""
    d = _sigmoid(s)
    return -d, d - 1


def optimal_discriminator(p_data, p_g):
    """Exercise 5.2: a/y - b/(1 - y) = 0 gives y = a / (a + b)."""
    return p_data / (p_data + p_g)


def _kl(p, m):
    nz = p > 0                       # 0 log 0 = 0; m > 0 wherever p > 0
    return float((p[nz] * numpy.log(p[nz] / m[nz])).sum())


def jsd(p, q):
    """Exercise 5.3: KL(p || m) / 2 + KL(q || m) / 2 with m = (p + q) / 2."""
    p, q = numpy.asarray(p, dtype=float), numpy.asarray(q, dtype=float)
    m = (p + q) / 2
    return _kl(p, m) / 2 + _kl(q, m) / 2


def jsd_of_shifted_uniforms(shift):
    """Exercise 5.4: on the overlap (length 1 - shift) p = q = m: no contribution. Where only p
    is 1 (length min(shift, 1)), p log(p/m) = log 2, and the same for q: JSD = min(shift, 1) log 2."""
    return min(shift, 1.0) * math.log(2)


if __name__ == "__main__":
    from lessons.exercises._runner import run_key_file
    sys.exit(run_key_file(__file__))
