"""The teacher's key to lessons/exercises/ex11_batch_normalization.py (run this file to check it)."""
import sys
from pathlib import Path

if __package__ in (None, ""):                   # run as a file: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

AXES = (0, 2, 3)                 # every axis but the channel's


def _channel(v):
    return v.reshape(1, -1, 1, 1)


def _normalise(x, eps):
    mean = x.mean(axis=AXES, keepdims=True)
    sigma = (((x - mean) ** 2).mean(axis=AXES, keepdims=True) + eps) ** 0.5   # biased variance
    return (x - mean) / sigma, sigma


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    """Exercise 11.1: xhat from the batch's mean and biased variance, then gamma xhat + beta."""
    xhat, _ = _normalise(x, eps)
    return _channel(gamma) * xhat + _channel(beta)


def batchnorm_backward(x, gamma, g, eps=1e-5):
    """Exercise 11.2: with dxhat = gamma g, the three paths of x (direct, via mean, via var) give
    dx = (dxhat - mean(dxhat) - xhat mean(dxhat xhat)) / sigma."""
    xhat, sigma = _normalise(x, eps)
    dbeta = g.sum(axis=AXES)
    dgamma = (g * xhat).sum(axis=AXES)
    dx = _channel(gamma) / sigma * (g - g.mean(axis=AXES, keepdims=True)
                                    - xhat * (g * xhat).mean(axis=AXES, keepdims=True))
    return dx, dgamma, dbeta


def running_statistics(running_mean, running_var, x, momentum=0.1):
    """Exercise 11.3: moving averages of the batch mean and the unbiased batch variance."""
    n = x.size // x.shape[1]
    mean = x.mean(axis=AXES)
    var = x.var(axis=AXES) * n / (n - 1)
    return ((1 - momentum) * running_mean + momentum * mean,
            (1 - momentum) * running_var + momentum * var)


if __name__ == "__main__":
    from lessons.exercises._runner import run_key_file
    sys.exit(run_key_file(__file__))
