"""softmax, log_softmax, nll_loss, cross_entropy and their layers: values against direct NumPy
formulas and loops, gradients against finite differences, PyTorch's reductions, and errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigan.functional as F
import minigan.nn as nn
from minigan import gradcheck, tensor

SETTINGS = dict(max_examples=25, deadline=None)
shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)


def np_log_softmax(x, axis):
    # the textbook form, in float64 with small values (no shift needed here)
    return x - np.log(np.exp(x).sum(axis=axis, keepdims=True))


@settings(**SETTINGS)
@given(shapes, st.data())
def test_softmax_and_log_softmax_values_and_gradients(shape, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = np.random.default_rng(len(shape)).standard_normal(shape)
    np.testing.assert_allclose(F.log_softmax(tensor(x), dim=dim).numpy(), np_log_softmax(x, dim), atol=1e-12)
    np.testing.assert_allclose(F.softmax(tensor(x), dim=dim).numpy(), np.exp(np_log_softmax(x, dim)), atol=1e-12)
    assert gradcheck(lambda t: F.log_softmax(t, dim=dim), [tensor(x, requires_grad=True)])
    assert gradcheck(lambda t: F.softmax(t, dim=dim), [tensor(x, requires_grad=True)])


def test_log_softmax_is_stable_for_huge_logits():
    out = F.log_softmax(tensor(np.array([[1000.0, 0.0], [-1000.0, 1000.0]], dtype=np.float32)), dim=1)
    np.testing.assert_allclose(out.numpy(), [[0, -1000], [-2000, 0]])
    assert out.dtype == np.float32


def loop_cross_entropy(x, y, w=None, ignore=-100, reduction="mean", eps=0.0):
    """PyTorch's definition, one sample at a time (x (N, C), y (N,))."""
    n, c = x.shape
    w = np.ones(c) if w is None else w
    losses, denom = [], 0.0
    for i in range(n):
        if y[i] == ignore:
            losses.append(0.0)
            continue
        logp = x[i] - np.log(np.exp(x[i]).sum())
        nll = -w[y[i]] * logp[y[i]]
        smooth = -(w * logp).sum()
        losses.append((1 - eps) * nll + eps / c * smooth)
        denom += w[y[i]]
    losses = np.array(losses)
    return {"none": losses, "sum": losses.sum(), "mean": losses.sum() / denom}[reduction]


@settings(**SETTINGS)
@given(st.integers(1, 5), st.integers(2, 5), st.sampled_from(["mean", "sum", "none"]),
       st.sampled_from([0.0, 0.1]), st.booleans(), st.booleans())
def test_cross_entropy_against_the_loop(n, c, reduction, eps, weighted, ignore_one):
    rng = np.random.default_rng(n * 10 + c)
    x = rng.standard_normal((n, c))
    y = rng.integers(0, c, n)
    if ignore_one and n > 1:
        y[0] = -100
    w = rng.uniform(0.5, 2, c) if weighted else None
    wt = None if w is None else tensor(w)
    out = F.cross_entropy(tensor(x), tensor(y), weight=wt, reduction=reduction, label_smoothing=eps)
    np.testing.assert_allclose(out.numpy(), loop_cross_entropy(x, y, w, -100, reduction, eps), rtol=1e-12)
    assert gradcheck(lambda t: F.cross_entropy(t, tensor(y), weight=wt, reduction=reduction,
                                               label_smoothing=eps), [tensor(x, requires_grad=True)])
    layer = nn.CrossEntropyLoss(weight=wt, reduction=reduction, label_smoothing=eps)
    np.testing.assert_array_equal(layer(tensor(x), tensor(y)).numpy(), out.numpy())


def test_nll_loss_picks_the_target_log_probability():
    logp = np.log(np.array([[0.5, 0.25, 0.25], [0.1, 0.8, 0.1]]))
    out = F.nll_loss(tensor(logp), tensor(np.array([0, 1])), reduction="none")
    np.testing.assert_allclose(out.numpy(), [np.log(2), -np.log(0.8)])
    assert nn.NLLLoss()(tensor(logp), tensor(np.array([0, 1]))).item() == pytest.approx((np.log(2) - np.log(0.8)) / 2)


def test_cross_entropy_with_spatial_targets_and_probability_targets():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 4))                 # (N, C, d)
    y = rng.integers(0, 3, (2, 4))
    flat = x.transpose(0, 2, 1).reshape(-1, 3)
    np.testing.assert_allclose(F.cross_entropy(tensor(x), tensor(y)).item(),
                               loop_cross_entropy(flat, y.reshape(-1)), rtol=1e-12)
    # class probabilities: one-hot targets give the same loss as the indices
    onehot = np.eye(3)[y.reshape(-1)]
    np.testing.assert_allclose(F.cross_entropy(tensor(flat), tensor(onehot)).item(),
                               loop_cross_entropy(flat, y.reshape(-1)), rtol=1e-12)
    t = tensor(rng.dirichlet(np.ones(3), 6))
    assert gradcheck(lambda a: F.cross_entropy(a, t, label_smoothing=0.2), [tensor(flat[:6], requires_grad=True)])


@pytest.mark.parametrize("target, match, error", [
    (np.array([0, 3]), "outside 0..2", ValueError),
    (np.array([0, 1, 2]), "target of shape", ValueError),
    (np.array([0.0, 1.0]), "integer class indices", TypeError),
])
def test_bad_targets_are_explained(target, match, error):
    with pytest.raises(error, match=match):
        F.cross_entropy(tensor(np.zeros((2, 3))), tensor(target))


def test_other_bad_arguments_are_explained():
    x = tensor(np.zeros((2, 3)))
    with pytest.raises(TypeError, match="dimension"):
        F.softmax(x)
    with pytest.raises(IndexError, match=r"out of range \(expected to be in range of \[-2, 1\], but got 2\)"):
        F.log_softmax(x, dim=2)          # PyTorch's IndexError, in its words
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(x, tensor(np.array([0, 1])), reduction="avg")
    with pytest.raises(ValueError, match="label_smoothing"):
        nn.CrossEntropyLoss(label_smoothing=1.5)
