"""Dropout, composed from tensor ops: its gradient (first and second) is that of multiplying
by a constant mask.

    dropout(x) = x * m / (1 - p),  m ~ Bernoulli(1 - p) per element (per channel for dropout2d)
"""
import numbers

from .. import backend


def _check_p(name, p):
    if not isinstance(p, numbers.Real) or not 0.0 <= p <= 1.0:
        raise ValueError(f"{name}: p must be a probability between 0 and 1, got {p!r}")


def _keep_mask(input, shape, p):
    """A constant float mask of 0 and 1/(1-p), drawn from minigan's generator of input's backend."""
    rng = backend.generator(input.backend)
    keep = rng.random(shape, dtype=input.dtype) >= input.dtype.type(p)
    return keep.astype(input.dtype) / input.dtype.type(1.0 - p)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1/(1-p) (identity when not training)."""
    _check_p("dropout", p)
    if not training or p == 0:
        return input
    if p == 1:
        return input * 0.0
    return input * _keep_mask(input, input.shape, p)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of a (N, C, H, W) or (C, H, W) input with probability p."""
    _check_p("dropout2d", p)
    if input.ndim not in (3, 4):
        raise ValueError(f"dropout2d: expected a (N, C, H, W) or (C, H, W) input, got shape {tuple(input.shape)}")
    if not training or p == 0:
        return input
    if p == 1:
        return input * 0.0
    return input * _keep_mask(input, tuple(input.shape[:-2]) + (1, 1), p)
