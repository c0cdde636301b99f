"""Scores from the classifier's predicted class probabilities p(y|x) of generated images.

Inception score (Salimans et al., 2016), with minigan's classifier in Inception's place:

    IS = exp( E_x KL( p(y|x) || p(y) ) ),    p(y) = E_x p(y|x)

It is 1 when every sample gets the same prediction, and at most the number of classes C
when each sample is confidently one class and all classes are equally frequent. As in the
reference code the samples are cut into ``splits`` (10) parts; the score is the mean over
the parts, with their standard deviation.

Class coverage: how many classes receive at least 5% of the predicted labels (argmax), and
KL(h || uniform) = sum_c h_c log(C h_c) of the predicted-label histogram h (0 when every
class is equally frequent, log C when all samples get one label). Mean confidence: the
average of max_y p(y|x).

Comparability: published Inception scores use Inception-v3's 1,000 ImageNet classes (so they
range up to 1,000); minigan's classifier has 10 classes, so its IS lies between 1 and 10 and
compares only with other minigan scores (see :mod:`minigan.metrics`).
"""
import math

from ..backend import get_array_module

COVERAGE_SHARE = 0.05


def _probabilities(probs):
    xp = get_array_module(probs)
    p = xp.asarray(probs, dtype=xp.float64)
    if p.ndim != 2 or p.shape[1] < 2:
        raise ValueError(f"expected class probabilities of shape (N, C), got {tuple(p.shape)}")
    if len(p) == 0:
        raise ValueError("expected at least one sample's class probabilities, got none")
    return p


def _kl_rows(p, q):
    """sum_c p_c log(p_c / q_c) per row, with 0 log 0 = 0."""
    xp = get_array_module(p)
    safe = xp.where(p > 0, p, 1)
    return (p * (xp.log(safe) - xp.log(xp.where(p > 0, q, 1)))).sum(axis=1)


def inception_score(probs, splits=10):
    """(mean, std) of exp(E KL(p(y|x) || p(y))) over ``splits`` equal parts of the samples."""
    xp = get_array_module(probs)
    p = _probabilities(probs)
    if not isinstance(splits, int) or splits < 1 or splits > len(p):
        raise ValueError(f"inception_score: splits must be between 1 and the number of samples "
                         f"({len(p)}), got {splits!r}")
    scores = []
    for part in range(splits):
        chunk = p[part * len(p) // splits:(part + 1) * len(p) // splits]
        marginal = chunk.mean(axis=0, keepdims=True)
        scores.append(math.exp(float(_kl_rows(chunk, marginal).mean())))
    mean = sum(scores) / splits
    return mean, math.sqrt(sum((s - mean) ** 2 for s in scores) / splits)


def class_coverage(probs, share=COVERAGE_SHARE):
    """(classes with >= ``share`` of the predicted labels, KL of the label histogram from uniform,
    the histogram as a list of shares)."""
    xp = get_array_module(probs)
    p = _probabilities(probs)
    c = p.shape[1]
    counts = xp.bincount(p.argmax(axis=1), minlength=c)
    hist = counts / counts.sum()
    kl = float((xp.where(hist > 0, hist * xp.log(xp.where(hist > 0, hist * c, 1)), 0)).sum())
    return int((hist >= share).sum()), kl, [float(h) for h in hist]


def mean_confidence(probs):
    """The average over samples of the highest class probability."""
    return float(_probabilities(probs).max(axis=1).mean())
