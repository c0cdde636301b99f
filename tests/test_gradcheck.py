"""The gradient checker itself: it must catch wrong derivatives, say where, and refuse float32."""
import re

import numpy as np
import pytest

import minigan
from minigan.function import Function
from tests.conftest import leaf


class SumOfSquaresWrong(Function):
    """sum(x^2) with the derivative x instead of 2x."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return (a * a).sum()

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * a                     # wrong: should be 2 g a


class DoubleIgnoresUpstream(Function):
    """y = 2x elementwise, with a backward that is right only when the upstream gradient is all ones."""

    @staticmethod
    def forward(ctx, a):
        return 2 * a

    @staticmethod
    def backward(ctx, g):
        return 2 * np.ones_like(g)       # wrong: should be 2 g


class MulWrongSecond(Function):
    """a * b with a correct derivative for a and a wrong one (sign flipped) for b."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g * b, -g * a


def _numbers(message):
    m = re.search(r"backward gives (\S+), finite differences give (\S+) ", message)
    assert m, message
    return float(m.group(1)), float(m.group(2))


def test_catches_wrong_derivative_and_names_input_index_and_values():
    x = leaf(np.array([0.1, -3.0, 0.5]))
    with pytest.raises(minigan.GradcheckError) as e:
        minigan.gradcheck(SumOfSquaresWrong.apply, [x])
    message = str(e.value)
    assert "input 0" in message
    assert "index (1,)" in message           # the largest |x| has the largest error
    # the scalar output is weighted by w = the checker's first random number (seed 0)
    w = np.random.default_rng(0).standard_normal(())
    analytic, numeric = _numbers(message)
    assert analytic == pytest.approx(w * -3.0, rel=1e-7)
    assert numeric == pytest.approx(2 * w * -3.0, rel=1e-6)
    assert isinstance(e.value, AssertionError)   # so a plain pytest failure reads naturally


def test_names_the_second_input_when_its_gradient_is_wrong():
    a = leaf(np.array([[1.0, 2.0], [3.0, 4.0]]))
    b = leaf(np.array([[0.5, -0.5], [2.0, 1.0]]))
    with pytest.raises(minigan.GradcheckError) as e:
        minigan.gradcheck(MulWrongSecond.apply, [a, b])
    message = str(e.value)
    assert "input 1" in message and "input 0" not in message
    assert re.search(r"index \(\d, \d\)", message)


def test_catches_backward_right_only_for_all_ones_upstream():
    x = leaf(np.array([1.0, -2.0, 3.0]))
    # the bug hides from a check that only backpropagates ones (sum of the outputs) ...
    DoubleIgnoresUpstream.apply(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, 2.0])
    # ... but not from gradcheck, which weights every output element with a random number
    with pytest.raises(minigan.GradcheckError, match="input 0"):
        minigan.gradcheck(DoubleIgnoresUpstream.apply, [x])


def test_rejects_float32_inputs():
    x = minigan.tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    with pytest.raises(TypeError, match="float64"):
        minigan.gradcheck(lambda t: t * t, [x])


def test_returns_true_on_success_and_accepts_a_single_tensor():
    x = leaf(np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert minigan.gradcheck(lambda t: (t * t).sum(axis=0), [x]) is True
    assert minigan.gradcheck(lambda t: t.exp(), x) is True
    # inputs that do not require grad are passed through, not checked
    c = leaf(np.array([5.0, 6.0]), requires_grad=False)
    assert minigan.gradcheck(lambda t, k: t * k, [x, c]) is True


def test_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="requires grad"):
        minigan.gradcheck(lambda t: t * 2, [leaf(np.ones(2), requires_grad=False)])


def test_tuple_outputs_are_all_checked():
    x = leaf(np.array([0.3, 0.7]))

    def fn(t):
        return t * 2, SumOfSquaresWrong.apply(t)
    with pytest.raises(minigan.GradcheckError):
        minigan.gradcheck(fn, [x])
    assert minigan.gradcheck(lambda t: (t * 2, (t * t).sum()), [x])


def test_non_tensor_output_is_a_type_error():
    with pytest.raises(TypeError, match="Tensor"):
        minigan.gradcheck(lambda t: 3.0, [leaf(np.ones(2))])


def test_leaves_inputs_unchanged():
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    x = leaf(a)
    minigan.gradcheck(lambda t: (t * t).sum(), [x])
    np.testing.assert_array_equal(x.numpy(), a)


def test_leaves_every_grad_as_it_was():
    # a student's accumulated .grad (an input's, or a parameter's that fn uses without passing
    # it in) must survive a gradient check
    layer = minigan.nn.Linear(3, 2).double()
    x = leaf(np.arange(6.0).reshape(2, 3))
    x.grad = minigan.tensor(np.full((2, 3), 7.0))
    assert layer.weight.grad is None
    assert minigan.gradcheck(lambda t: layer(t), [x])
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 7.0))
    assert layer.weight.grad is None and layer.bias.grad is None


def test_works_on_non_contiguous_input_data():
    # a transposed view: perturbing a reshaped copy instead of the data would see no change
    a = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]).T
    x = minigan.as_tensor(a).requires_grad_()
    assert not x.array.flags.c_contiguous
    assert minigan.gradcheck(lambda t: (t * t * t).sum(axis=1), [x])
    np.testing.assert_array_equal(x.numpy(), a)
    with pytest.raises(minigan.GradcheckError):
        minigan.gradcheck(SumOfSquaresWrong.apply, [minigan.as_tensor(a).requires_grad_()])


def test_an_input_the_output_ignores_is_checked_as_zero_even_with_a_stale_grad():
    # y does not reach the output, so its true gradient is 0; a .grad left by an earlier
    # backward() must neither be read as the analytic gradient nor be lost
    x = leaf(np.arange(4.0))
    y = leaf(np.ones(4))
    y.grad = minigan.tensor(np.full(4, 5.0))
    assert minigan.gradcheck(lambda a, b: (a * a).sum() + 0 * a.sum(), [x, y], _constant_ok=True)
    np.testing.assert_array_equal(y.grad.numpy(), np.full(4, 5.0))
