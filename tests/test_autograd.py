"""The backward pass: accumulation, graph shapes, freeing, grad mode, detach, retain_grad."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigan
from minigan.function import Function
from tests.conftest import leaf


def test_tensor_used_twice_accumulates():
    x = leaf(np.array([1.0, -2.0, 3.0]))
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, -4.0, 6.0])
    y = leaf(np.array([1.0, 2.0]))
    (y + y).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [2.0, 2.0])


def test_two_backward_calls_accumulate_into_grad():
    x = leaf(np.array([1.0, 2.0]))
    (3 * x).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0 + 2.0, 3.0 + 4.0])


def test_diamond_graph():
    # x -> a = 2x, b = x^2 -> out = a * b = 2 x^3, d/dx = 6 x^2
    x = leaf(np.array([1.5, -1.0]))
    a = x * 2
    b = x * x
    (a * b).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * x.numpy() ** 2, rtol=1e-15)


def test_input_reached_directly_and_through_another_op():
    # y feeds the output directly and through exp(y): the topological order must put y's
    # backward after exp's, or exp's contribution to y's gradient is lost.
    # out = 2x + exp(2x), d/dx = 2 + 2 exp(2x)
    x = leaf(np.array([0.5, -0.25]))
    y = x * 2
    (y + y.exp()).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 + 2 * np.exp(2 * x.numpy()), rtol=1e-15)
    # the same with the operands of the last op swapped, and one level deeper
    x.grad = None
    y = x * 2
    z = y.exp()
    ((z * y.tanh()) + y).sum().backward()
    yv = 2 * x.numpy()
    dy = np.exp(yv) * np.tanh(yv) + np.exp(yv) * (1 - np.tanh(yv) ** 2) + 1
    np.testing.assert_allclose(x.grad.numpy(), 2 * dy, rtol=1e-14)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_random_dag_matches_gradcheck(seed):
    # random graphs where every new tensor uses two earlier ones: many shared sub-paths
    rng = np.random.default_rng(seed)
    choices = [(int(rng.integers(0, k + 1)), int(rng.integers(0, k + 1)), int(rng.integers(0, 3)))
               for k in range(6)]

    def fn(x):
        nodes = [x]
        for i, j, op in choices:
            a, b = nodes[i], nodes[j]
            nodes.append((a * b).tanh() if op == 0 else (a + b) * 0.5 if op == 1 else a - b.sigmoid())
        return nodes[-1] + nodes[len(nodes) // 2]
    assert minigan.gradcheck(fn, [leaf(rng.uniform(-1, 1, (3,)))])


def test_backward_on_non_scalar_without_gradient_names_the_shape():
    x = leaf(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        (x * 2).backward()


def test_backward_with_explicit_gradient():
    x = leaf(np.array([1.0, 2.0, 3.0]))
    (x * x).backward(np.array([1.0, 0.0, -1.0]))
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 0.0, -6.0])
    with pytest.raises(ValueError, match=r"\(3,\)"):
        (x * x).backward(np.ones(2))


def test_backward_on_tensor_without_grad_is_runtime_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        minigan.tensor([1.0, 2.0]).sum().backward()


def test_second_backward_through_freed_graph_raises_and_retain_graph_allows_it():
    x = leaf(np.array([1.0, 2.0]))
    loss = (x * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="second time"):
        loss.backward()
    y = leaf(np.array([1.0, 2.0]))
    loss = (y * y).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    np.testing.assert_array_equal(y.grad.numpy(), [4.0, 8.0])


def test_deep_chain_does_not_hit_the_recursion_limit():
    x = leaf(np.array([1.0, 2.0]))
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0001 ** 10_000] * 2, rtol=1e-10)
    del y        # freeing a 10,000-deep chain must not crash either


def test_no_grad_records_nothing_and_restores_the_mode():
    x = leaf(np.array([1.0, 2.0]))
    with minigan.no_grad():
        assert not minigan.is_grad_enabled()
        y = x * 2 + 1
        z = x[0]
    assert minigan.is_grad_enabled()
    for t in (y, z):
        assert t.requires_grad is False and t.grad_fn is None
    np.testing.assert_array_equal(y.numpy(), [3.0, 5.0])


def test_no_grad_restores_the_mode_after_an_exception():
    with pytest.raises(KeyError):
        with minigan.no_grad():
            raise KeyError
    assert minigan.is_grad_enabled()


def test_no_grad_as_decorator_and_enable_grad_inside():
    x = leaf(np.array([1.0, 2.0]))

    @minigan.no_grad()
    def double(t):
        return t * 2

    for _ in range(2):       # a decorator must work on every call, not only the first
        y = double(x)
        assert y.requires_grad is False and y.grad_fn is None
        assert minigan.is_grad_enabled()
    with minigan.no_grad():
        with minigan.enable_grad():
            z = x * 2
        assert z.requires_grad and z.grad_fn is not None
    with minigan.set_grad_enabled(False):
        assert (x * 2).grad_fn is None


def test_detach_cuts_the_graph_and_shares_data():
    x = leaf(np.array([1.0, 2.0]))
    y = x * 3
    d = y.detach()
    assert d.requires_grad is False and d.grad_fn is None
    assert np.shares_memory(d.array, y.array)
    (d * x).sum().backward()             # d is a constant: d/dx (d * x) = d
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 6.0])


def test_retain_grad_on_intermediate():
    x = leaf(np.array([1.0, 2.0]))
    y = x * 3
    y.retain_grad()
    z = y * y
    w = y + 1                           # a second path: y.grad must hold the total
    (z.sum() + w.sum()).backward()
    np.testing.assert_array_equal(y.grad.numpy(), 2 * y.numpy() + 1)
    np.testing.assert_array_equal(x.grad.numpy(), 3 * (2 * y.numpy() + 1))
    assert z.grad is None               # not retained


def test_leaf_grads_are_not_aliased():
    a, b = leaf(np.array([1.0, 2.0])), leaf(np.array([3.0, 4.0]))
    (a + b).sum().backward()
    assert not np.shares_memory(a.grad.array, b.grad.array)
    a.grad.array += 10.0
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])
    c = leaf(np.array([1.0, 2.0]))
    g = np.array([5.0, 6.0])
    (c * 1.0).backward(g)
    c.grad.array[0] = 0.0                # .grad is not the caller's gradient array either
    np.testing.assert_array_equal(g, [5.0, 6.0])


def test_only_leaves_that_require_grad_get_grad():
    x = leaf(np.array([1.0, 2.0]))
    c = leaf(np.array([3.0, 4.0]), requires_grad=False)
    y = x * c
    y.sum().backward()
    assert c.grad is None and y.grad is None
    assert x.is_leaf and not y.is_leaf
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 4.0])


def test_grad_of_exp_chain_hand_value():
    x = leaf(np.array(0.5))
    y = (x.exp() * 2).log()              # y = log 2 + x, dy/dx = 1
    y.backward()
    assert y.item() == pytest.approx(math.log(2) + 0.5)
    assert x.grad.item() == pytest.approx(1.0)


def test_a_backward_that_changes_the_dtype_is_refused():
    # float32 end to end: an op whose backward upcasts (here to float64) is a bug, named at once
    class Upcasts(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return g.astype(np.float64) * 2

    x = minigan.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Upcasts.backward returned a float64 gradient .* float32 input"):
        Upcasts.apply(x).sum().backward()
