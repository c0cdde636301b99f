"""minigan.functional: activations, linear, and the binary cross-entropy losses."""
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigan
import minigan.functional as F
from tests.conftest import float64_arrays, leaf, shapes

FAST = settings(max_examples=20, deadline=None)
REDUCTIONS = ["mean", "sum", "none"]


class no_float_warnings:
    """Turn overflow, division by zero and invalid values into errors, and every warning too."""

    def __enter__(self):
        self._err = np.errstate(over="raise", divide="raise", invalid="raise")
        self._err.__enter__()
        self._warn = warnings.catch_warnings()
        self._warn.__enter__()
        warnings.simplefilter("error")

    def __exit__(self, *exc):
        self._warn.__exit__(*exc)
        self._err.__exit__(*exc)


def np_sigmoid(x):
    return 0.5 * (1 + np.tanh(0.5 * x))      # a formula that never overflows


# ----------------------------------------------------------------------------- activations
ACTIVATIONS = {
    "relu": (F.relu, lambda x: np.maximum(x, 0)),
    "leaky_relu 0.01": (F.leaky_relu, lambda x: np.where(x > 0, x, 0.01 * x)),
    "leaky_relu 0.2": (lambda t: F.leaky_relu(t, 0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    "tanh": (F.tanh, np.tanh),
    "sigmoid": (F.sigmoid, np_sigmoid),
    "Tensor.relu": (lambda t: t.relu(), lambda x: np.maximum(x, 0)),
    "Tensor.tanh": (lambda t: t.tanh(), np.tanh),
    "Tensor.sigmoid": (lambda t: t.sigmoid(), np_sigmoid),
}


@FAST
@given(data=st.data(), name=st.sampled_from(sorted(ACTIVATIONS)), shape=shapes())
def test_activation_values_and_gradcheck(data, name, shape):
    f, ref = ACTIVATIONS[name]
    x = leaf(data.draw(float64_arrays(shape, high=4.0, min_abs=0.05)))   # away from the kink at 0
    np.testing.assert_allclose(f(x).numpy(), ref(x.numpy()), rtol=1e-12, atol=1e-15)
    assert minigan.gradcheck(f, [x])


@FAST
@given(data=st.data(), shape=shapes(min_dims=1))
def test_sigmoid_far_out_is_finite_and_correct(data, shape):
    x = leaf(data.draw(float64_arrays(shape, high=55.0, min_abs=45.0)))
    with no_float_warnings():
        y = F.sigmoid(x)
    v = x.numpy()
    # for x < 0, sigmoid(x) = e^x / (1 + e^x): tiny but exact to relative precision
    np.testing.assert_allclose(y.numpy(), np.where(v > 0, 1 / (1 + np.exp(-np.abs(v))),
                                                   np.exp(-np.abs(v)) / (1 + np.exp(-np.abs(v)))), rtol=1e-14)
    assert np.isfinite(y.numpy()).all()
    assert minigan.gradcheck(F.sigmoid, [x])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_extremes_without_warnings(dtype):
    x = minigan.tensor(np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0], dtype=dtype), requires_grad=True)
    with no_float_warnings():
        y = F.sigmoid(x)
        y.sum().backward()
    assert y.dtype == dtype
    v = y.numpy()
    assert v[0] == 0.0 and v[2] == 0.5 and v[4] == 1.0
    assert v[1] == pytest.approx(math.exp(-50) / (1 + math.exp(-50)), rel=1e-6)
    assert v[3] == pytest.approx(1.0, abs=1e-15)
    g = x.grad.numpy()
    assert np.isfinite(g).all() and g[0] == 0.0 and g[4] == 0.0 and g[2] == 0.25


def test_activation_hand_values():
    x = leaf(np.array([-1.0, 0.0, 2.0]))
    y = F.relu(x)
    y.sum().backward()
    np.testing.assert_array_equal(y.numpy(), [0.0, 0.0, 2.0])
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 1.0])       # 0 at the kink, as PyTorch

    x = leaf(np.array([-2.0, 0.0, 3.0]))
    y = F.leaky_relu(x, 0.2)
    y.sum().backward()
    np.testing.assert_allclose(y.numpy(), [-0.4, 0.0, 3.0])
    np.testing.assert_allclose(x.grad.numpy(), [0.2, 0.2, 1.0])          # the slope at 0 too, as PyTorch

    x = leaf(np.array([0.0, 0.5]))
    y = F.tanh(x)
    y.sum().backward()
    np.testing.assert_allclose(y.numpy(), [0.0, math.tanh(0.5)])
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1 - math.tanh(0.5) ** 2])

    x = leaf(np.array([0.0, 2.0]))
    y = F.sigmoid(x)
    y.sum().backward()
    s = 1 / (1 + math.exp(-2.0))
    np.testing.assert_allclose(y.numpy(), [0.5, s], rtol=1e-15)
    np.testing.assert_allclose(x.grad.numpy(), [0.25, s * (1 - s)], rtol=1e-15)


# ----------------------------------------------------------------------------- linear
@FAST
@given(data=st.data(), lead=st.sampled_from([(), (3,), (2, 3), (1, 2)]),
       n_in=st.integers(1, 3), n_out=st.integers(1, 3), bias=st.booleans())
def test_linear_values_and_gradcheck(data, lead, n_in, n_out, bias):
    x = leaf(data.draw(float64_arrays(lead + (n_in,))))
    w = leaf(data.draw(float64_arrays((n_out, n_in))))
    b = leaf(data.draw(float64_arrays((n_out,)))) if bias else None
    out = F.linear(x, w, b)
    expected = x.numpy() @ w.numpy().T + (b.numpy() if bias else 0)
    assert out.shape == lead + (n_out,)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-12)
    if bias:
        assert minigan.gradcheck(F.linear, [x, w, b])
    else:
        assert minigan.gradcheck(F.linear, [x, w])


def test_linear_hand_values():
    x = leaf(np.array([[1.0, 2.0]]))
    w = leaf(np.array([[3.0, 4.0], [5.0, 6.0], [0.0, 1.0]]))
    b = leaf(np.array([0.5, -0.5, 0.0]))
    y = F.linear(x, w, b)
    np.testing.assert_array_equal(y.numpy(), [[11.5, 16.5, 2.0]])
    (y * leaf(np.array([[1.0, 2.0, 3.0]]), requires_grad=False)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1 * 3 + 2 * 5 + 3 * 0, 1 * 4 + 2 * 6 + 3 * 1]])
    np.testing.assert_array_equal(w.grad.numpy(), [[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 2.0, 3.0])


def test_linear_only_some_inputs_require_grad():
    x = leaf(np.array([[1.0, 2.0]]), requires_grad=False)
    w = leaf(np.array([[3.0, 4.0]]))
    F.linear(x, w).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [[1.0, 2.0]])
    assert x.grad is None


def test_linear_shape_errors_name_the_shapes():
    x, w = minigan.zeros(4, 3), minigan.zeros(2, 5)
    with pytest.raises(ValueError) as e:
        F.linear(x, w)
    assert "(4, 3)" in str(e.value) and "(2, 5)" in str(e.value)
    with pytest.raises(ValueError) as e:
        F.linear(minigan.zeros(4, 5), w, minigan.zeros(3))
    assert "(3,)" in str(e.value) and "(2,)" in str(e.value)
    with pytest.raises(ValueError, match="2-D"):
        F.linear(minigan.zeros(4, 5), minigan.zeros(5))


# ----------------------------------------------------------------------------- losses
def np_bce(p, t):
    return -(t * np.maximum(np.log(p), -100) + (1 - t) * np.maximum(np.log1p(-p), -100))


def np_bce_logits(x, t):
    return np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x)))


def _reduce(a, reduction):
    return a.mean() if reduction == "mean" else a.sum() if reduction == "sum" else a


@FAST
@given(data=st.data(), shape=shapes(min_dims=1), reduction=st.sampled_from(REDUCTIONS),
       target_grad=st.booleans())
def test_bce_values_and_gradcheck(data, shape, reduction, target_grad):
    p = leaf(data.draw(float64_arrays(shape, low=0.05, high=0.95)))
    t = leaf(data.draw(float64_arrays(shape, low=0.0, high=1.0)), requires_grad=target_grad)
    f = lambda a, b: F.binary_cross_entropy(a, b, reduction=reduction)   # noqa: E731
    out = f(p, t)
    assert out.shape == (shape if reduction == "none" else ())
    np.testing.assert_allclose(out.numpy(), _reduce(np_bce(p.numpy(), t.numpy()), reduction), rtol=1e-12)
    assert minigan.gradcheck(f, [p, t])


@FAST
@given(data=st.data(), shape=shapes(min_dims=1), reduction=st.sampled_from(REDUCTIONS),
       target_grad=st.booleans())
def test_bce_with_logits_values_and_gradcheck(data, shape, reduction, target_grad):
    x = leaf(data.draw(float64_arrays(shape, low=-4.0, high=4.0)))
    t = leaf(data.draw(float64_arrays(shape, low=0.0, high=1.0)), requires_grad=target_grad)
    f = lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction=reduction)   # noqa: E731
    out = f(x, t)
    np.testing.assert_allclose(out.numpy(), _reduce(np_bce_logits(x.numpy(), t.numpy()), reduction), rtol=1e-12)
    # the same loss as BCE of the sigmoid
    np.testing.assert_allclose(out.numpy(), F.binary_cross_entropy(F.sigmoid(x), t, reduction=reduction).numpy(),
                               rtol=1e-10)
    assert minigan.gradcheck(f, [x, t])


def test_bce_hand_values():
    p = leaf(np.array([0.5, 0.8]))
    t = leaf(np.array([1.0, 0.0]))
    loss = F.binary_cross_entropy(p, t)              # mean of [log 2, -log 0.2]
    loss.backward()
    assert loss.item() == pytest.approx((math.log(2) - math.log(0.2)) / 2, rel=1e-15)
    # dBCE/dp = (p - t) / (p (1 - p)) / n ;  dBCE/dt = (log(1 - p) - log p) / n
    np.testing.assert_allclose(p.grad.numpy(), [(0.5 - 1) / 0.25 / 2, 0.8 / (0.8 * 0.2) / 2], rtol=1e-14)
    np.testing.assert_allclose(t.grad.numpy(), [0.0, (math.log(0.2) - math.log(0.8)) / 2], rtol=1e-14, atol=1e-16)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_at_zero_and_one_is_clamped_to_100_without_warnings(dtype):
    p = minigan.tensor(np.array([0.0, 1.0, 0.0, 1.0], dtype=dtype), requires_grad=True)
    t = minigan.tensor(np.array([1.0, 0.0, 0.0, 1.0], dtype=dtype))
    with no_float_warnings():
        loss = F.binary_cross_entropy(p, t, reduction="none")
        loss.sum().backward()
    np.testing.assert_array_equal(loss.numpy(), [100.0, 100.0, 0.0, 0.0])
    g = p.grad.numpy()
    assert np.isfinite(g).all()
    # PyTorch's guard: (p - t) / max(p (1 - p), 1e-12)
    np.testing.assert_allclose(g, [-1e12, 1e12, 0.0, 0.0], rtol=1e-6)
    with no_float_warnings():
        assert F.binary_cross_entropy(p, t).item() == pytest.approx(50.0)


def test_bce_with_logits_hand_values_and_extremes():
    x = leaf(np.array([0.0, 1000.0, -1000.0, 2.0]))
    t = leaf(np.array([1.0, 0.0, 1.0, 0.25]))
    with no_float_warnings():
        loss = F.binary_cross_entropy_with_logits(x, t, reduction="none")
        loss.sum().backward()
    s2 = 1 / (1 + math.exp(-2.0))
    expected = [math.log(2), 1000.0, 1000.0, -(0.25 * math.log(s2) + 0.75 * math.log(1 - s2))]
    np.testing.assert_allclose(loss.numpy(), expected, rtol=1e-14)
    np.testing.assert_allclose(x.grad.numpy(), [0.5 - 1, 1.0, -1.0, s2 - 0.25], rtol=1e-14)   # sigmoid(x) - t
    np.testing.assert_array_equal(t.grad.numpy(), [-0.0, -1000.0, 1000.0, -2.0])               # -x


@pytest.mark.parametrize("fn", [F.binary_cross_entropy, F.binary_cross_entropy_with_logits])
def test_loss_errors(fn):
    p = minigan.full((4, 1), 0.5)
    with pytest.raises(ValueError) as e:
        fn(p, minigan.zeros(4))
    assert "(4, 1)" in str(e.value) and "(4,)" in str(e.value)
    with pytest.raises(ValueError, match="reduction"):
        fn(p, minigan.zeros(4, 1), reduction="avg")
