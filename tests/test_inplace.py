"""In-place changes, PyTorch's way: augmented assignment, the ``*_`` methods, item assignment,
``.data``, the leaf rule and the version counter that turns a stale saved value into an error."""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import minigan
from tests.conftest import float64_arrays, leaf, shapes

FAST = settings(max_examples=15, deadline=None)


# ----------------------------------------------------------------------------- the silent differences
def test_sgd_step_by_augmented_assignment_changes_the_parameter():
    # p -= lr * p.grad used to rebind the name to a new tensor: the model never learned
    p = minigan.tensor([1.0, 2.0], requires_grad=True)
    params = [p]
    (p * p).sum().backward()
    with minigan.no_grad():
        for q in params:
            q -= 0.1 * q.grad
    assert params[0] is p
    np.testing.assert_allclose(p.numpy(), [0.8, 1.6], rtol=1e-6)
    assert p.is_leaf and p.requires_grad and p.grad_fn is None


@pytest.mark.parametrize("op, expected", [("+=", [3.0, 5.0]), ("-=", [-1.0, -1.0]),
                                          ("*=", [2.0, 6.0]), ("/=", [0.5, 2.0 / 3.0])])
def test_augmented_assignment_is_in_place_and_every_alias_sees_it(op, expected):
    x = minigan.tensor([1.0, 2.0])
    alias, view, raw = x, x.data, x.array
    y = minigan.tensor([2.0, 3.0])
    exec(f"x {op} y", {}, {"x": x, "y": y})
    for t in (alias.numpy(), view.numpy(), raw):
        np.testing.assert_allclose(t, expected, rtol=1e-6)
    assert x._version == 1 and view._version == 1     # .data shares the version counter


def test_in_place_on_a_leaf_that_requires_grad_is_refused_outside_no_grad():
    p = minigan.tensor([1.0, 2.0], requires_grad=True)
    for f in (lambda: p.add_(1.0), lambda: p.mul_(2.0), lambda: p.zero_(), lambda: p.fill_(3.0),
              lambda: p.clamp_(-1, 1), lambda: p.normal_(), lambda: p.uniform_(), lambda: p.sub_(p),
              lambda: p.div_(2.0), lambda: p.copy_(minigan.zeros(2))):
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
            f()
    with pytest.raises(RuntimeError, match="leaf Variable"):
        p += 1.0
    with pytest.raises(RuntimeError, match="leaf Variable"):
        p[0] = 5.0
    np.testing.assert_array_equal(p.numpy(), [1.0, 2.0])     # refused means unchanged
    assert p._version == 0


def test_in_place_on_a_leaf_inside_no_grad_and_through_data_is_allowed():
    p = minigan.tensor([1.0, -3.0], requires_grad=True)
    with minigan.no_grad():
        p.add_(1.0)
    np.testing.assert_array_equal(p.numpy(), [2.0, -2.0])
    p.data.clamp_(-1.0, 1.0)                   # the WGAN weight clipping line
    np.testing.assert_array_equal(p.numpy(), [1.0, -1.0])
    p.data.fill_(0)                            # m.bias.data.fill_(0)
    np.testing.assert_array_equal(p.numpy(), [0.0, 0.0])
    assert p.requires_grad and p.is_leaf


# ----------------------------------------------------------------------------- the methods, by value
def test_in_place_methods_values_against_numpy():
    a = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.5]], dtype=np.float32)
    b = np.array([2.0, -1.0, 0.25], dtype=np.float32)
    cases = {
        "add_": (lambda t: t.add_(minigan.tensor(b)), a + b),
        "add_ alpha": (lambda t: t.add_(minigan.tensor(b), alpha=-3.0), a - 3.0 * b),
        "sub_ alpha": (lambda t: t.sub_(minigan.tensor(b), alpha=2.0), a - 2.0 * b),
        "mul_": (lambda t: t.mul_(minigan.tensor(b)), a * b),
        "div_": (lambda t: t.div_(2.0), a / 2.0),
        "clamp_": (lambda t: t.clamp_(-1.0, 2.0), np.clip(a, -1.0, 2.0)),
        "clamp_ min only": (lambda t: t.clamp_(min=0.0), np.maximum(a, 0.0)),
        "zero_": (lambda t: t.zero_(), np.zeros_like(a)),
        "fill_": (lambda t: t.fill_(7.5), np.full_like(a, 7.5)),
        "copy_ broadcast": (lambda t: t.copy_(minigan.tensor(b)), np.broadcast_to(b, a.shape)),
        "copy_ converts": (lambda t: t.copy_(minigan.tensor(b.astype(np.float64))), np.broadcast_to(b, a.shape)),
        "pow_": (lambda t: t.pow_(2), a ** 2),
    }
    for name, (f, expected) in cases.items():
        t = minigan.tensor(a)
        storage = t.array
        out = f(t)
        assert out is t, name
        assert t.array is storage, name                  # written into the storage, not rebound
        assert t.dtype == np.float32, name
        np.testing.assert_allclose(t.numpy(), expected, rtol=1e-6, err_msg=name)
        assert t._version == 1, name


def test_item_assignment_values():
    t = minigan.zeros(3, 4)
    t[0] = 1.0
    t[1, 2:] = minigan.tensor([5.0, 6.0])
    t[:, 0] = minigan.tensor([7, 8, 9])                   # ints take the tensor's dtype, as in PyTorch
    t[minigan.tensor([2, 2])] += 0.0                      # indexing with an int tensor
    mask = t > 5.5
    t[mask] = -1.0
    expected = np.zeros((3, 4), dtype=np.float32)
    expected[0] = 1.0
    expected[1, 2:] = [5.0, 6.0]
    expected[:, 0] = [7, 8, 9]
    expected[expected > 5.5] = -1.0
    np.testing.assert_array_equal(t.numpy(), expected)
    assert t.dtype == np.float32


def test_normal_and_uniform_fill_with_the_seeded_generator():
    minigan.manual_seed(3)
    a = minigan.empty(2000).normal_(1.0, 0.02)
    minigan.manual_seed(3)
    b = minigan.empty(2000).normal_(1.0, 0.02)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert a.dtype == np.float32
    assert abs(a.numpy().mean() - 1.0) < 0.003 and abs(a.numpy().std() - 0.02) < 0.003
    u = minigan.empty(2000, dtype=minigan.float64).uniform_(-0.5, 0.25)
    assert u.dtype == np.float64 and u.numpy().min() >= -0.5 and u.numpy().max() < 0.25
    assert u.numpy().min() < -0.45 and u.numpy().max() > 0.2
    v = minigan.zeros(10).uniform_(**{"from": 2.0, "to": 3.0})
    assert v.numpy().min() >= 2.0 and v.numpy().max() < 3.0
    with pytest.raises(TypeError, match="floating-point"):
        minigan.zeros(3, dtype=minigan.int64).normal_()


def test_in_place_that_would_change_shape_or_dtype_is_an_error():
    t = minigan.zeros(3)
    with pytest.raises(RuntimeError, match=r"output with shape \[3\] doesn't match the broadcast shape \[2, 3\]"):
        t += minigan.ones(2, 3)
    labels = minigan.tensor([1, 2])
    with pytest.raises(RuntimeError, match="result type float32 can't be cast to the desired output type int64"):
        labels *= 0.5
    labels += 1                                          # integer in place: fine
    np.testing.assert_array_equal(labels.numpy(), [2, 3])


# ----------------------------------------------------------------------------- inside a graph
def test_in_place_inside_a_graph_is_recorded():
    x = minigan.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y += 1                      # Add saves nothing, so nothing is stale
    y *= x                      # y = (2x + 1) x
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 4 * np.array([1.0, 2.0, 3.0]) + 1)
    assert y.grad_fn is not None and not y.is_leaf


def test_a_leaf_without_grad_becomes_part_of_the_graph_when_given_a_grad_tensor():
    w = minigan.tensor([0.5, -1.0], requires_grad=True)
    buf = minigan.zeros(2)
    buf += w * 3
    buf[0] = w[1] * 2
    buf.sum().backward()
    # buf = [2 w1, 3 w1]
    np.testing.assert_allclose(w.grad.numpy(), [0.0, 5.0])


@FAST
@given(data=st.data(), shape=shapes(min_dims=1))
def test_in_place_methods_inside_a_graph_gradcheck(data, shape):
    a = data.draw(float64_arrays(shape))
    b = data.draw(float64_arrays(shape, min_abs=0.5))
    before_clamp = (a * 1.5 + 2 * b - a) * b / (b * b)
    # clamp_ has a kink at +-1, where finite differences see half the slope (a=2, b=-1 gives
    # exactly 1): keep every value away from it
    assume(np.all(np.abs(np.abs(before_clamp) - 1.0) > 1e-3))
    x, y = leaf(a), leaf(b)

    def f(x, y):
        z = x * 1.5
        z.add_(y, alpha=2.0)
        z.sub_(x)
        z.mul_(y)
        z.div_(y * y)
        z.clamp_(-1.0, 1.0)
        w = x * 0.0
        w.copy_(z)
        w[(0,) * len(shape)] = y[(0,) * len(shape)] * 3.0
        return w

    assert minigan.gradcheck(f, [x, y])
    # value check against the same steps in NumPy
    z = np.clip(before_clamp, -1, 1)
    z[(0,) * len(shape)] = 3 * b[(0,) * len(shape)]
    np.testing.assert_allclose(f(x, y).numpy(), z, rtol=1e-12)


@FAST
@given(data=st.data(), shape=shapes(min_dims=1))
def test_fill_and_zero_inside_a_graph_stop_the_gradient(data, shape):
    x = leaf(data.draw(float64_arrays(shape)))

    def f(x):
        z = x * 2.0
        z.zero_()
        z.add_(x * x)
        q = x * 3.0
        q.fill_(4.0)
        return z + q
    assert minigan.gradcheck(f, [x])
    f(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.numpy())


# ----------------------------------------------------------------------------- version counter
def test_changing_a_saved_input_in_place_makes_backward_an_error_naming_the_op():
    w = minigan.tensor([1.0, 2.0], requires_grad=True)
    x = minigan.tensor([3.0, 4.0])
    y = (w * x).sum()                  # Mul saved x for w's gradient
    x.mul_(10.0)                       # now the saved x is stale
    with pytest.raises(RuntimeError) as e:
        y.backward()
    msg = str(e.value)
    assert "one of the variables needed for gradient computation has been modified by an inplace operation" in msg
    assert "MulBackward" in msg and "is at version 1; expected version 0 instead" in msg
    assert "float32 tensor of shape [2]" in msg
    assert w.grad is None               # an error, never a wrong gradient


def test_changing_a_saved_output_in_place_is_an_error():
    x = minigan.tensor([0.5, 1.0], requires_grad=True)
    y = x.exp()                        # Exp saves its output
    y += 1
    with pytest.raises(RuntimeError, match=r"output 0 of ExpBackward, is at version 1; expected version 0"):
        y.sum().backward()


def test_changing_a_parameter_through_data_after_forward_is_caught():
    # PyTorch lets this through (.data has its own counter there) and gives a wrong gradient
    w = minigan.tensor([1.0, 2.0], requires_grad=True)
    x = minigan.tensor([3.0, 4.0], requires_grad=True)
    loss = (w * x).sum()
    w.data.mul_(2.0)
    with pytest.raises(RuntimeError, match="input 0 of MulBackward"):
        loss.backward()


def test_detach_shares_the_version_counter_and_the_storage():
    w = minigan.tensor([1.0, 2.0], requires_grad=True)
    d = w.detach()
    d[0] = 5.0
    assert w._version == 1 and w.numpy()[0] == 5.0


def test_changes_before_the_op_or_to_unsaved_values_are_fine():
    w = minigan.tensor([1.0, 2.0], requires_grad=True)
    x = minigan.tensor([3.0, 4.0])
    x.add_(1.0)                        # before the op: the op saves version 1
    y = (w + x).sum()                  # Add saves nothing
    x.mul_(2.0)
    y.backward()
    np.testing.assert_array_equal(w.grad.numpy(), [1.0, 1.0])
    z = (w * x).sum()
    z.backward()
    np.testing.assert_array_equal(w.grad.numpy(), [1.0 + 8.0, 1.0 + 10.0])


def test_an_optimizer_step_between_two_backward_passes_of_one_graph_is_caught():
    w = minigan.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    with minigan.no_grad():
        w -= 0.1 * w.grad
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


# ----------------------------------------------------------------------------- .data
def test_data_is_a_detached_tensor_sharing_storage():
    p = minigan.tensor([1.0, 2.0], requires_grad=True)
    d = p.data
    assert isinstance(d, minigan.Tensor) and not d.requires_grad and d.is_leaf
    assert d.array is p.array
    d[1] = 9.0
    assert p.numpy()[1] == 9.0


def test_data_assignment_replaces_the_values():
    p = minigan.tensor([1.0, 2.0], requires_grad=True)
    new = minigan.tensor([3.0, 4.0])
    p.data = new
    np.testing.assert_array_equal(p.numpy(), [3.0, 4.0])
    assert p.requires_grad and p.is_leaf
    assert p.array is new.array          # as PyTorch: p now shares new's storage


def test_data_assignment_checks_what_it_is_given():
    p = minigan.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"needs a Tensor, got ndarray.*minigan.tensor"):
        p.data = np.zeros(2, dtype=np.float32)
    with pytest.raises(ValueError, match=r"shape \(3,\) but this tensor has shape \(2,\)"):
        p.data = minigan.zeros(3)
    with pytest.raises(TypeError, match="float64 but this tensor is float32"):
        p.data = minigan.zeros(2, dtype=minigan.float64)
    assert isinstance(p.array, np.ndarray)             # never a tensor inside a tensor
    np.testing.assert_array_equal(p.numpy(), [1.0, 2.0])


def test_requires_grad_method_sets_and_returns_self():
    t = minigan.zeros(2)
    assert t.requires_grad_() is t and t.requires_grad
    assert t.requires_grad_(False) is t and not t.requires_grad


def test_old_style_gradient_reset_and_manual_update_idioms():
    # the loops of older tutorials: p.grad.data.zero_() and p.data.add_(-lr * p.grad.data)
    p = minigan.tensor([1.0, 2.0], requires_grad=True)
    (p * p).sum().backward()
    p.data.add_(-0.5 * p.grad.data)
    np.testing.assert_array_equal(p.numpy(), [0.0, 0.0])
    p.grad.data.zero_()
    np.testing.assert_array_equal(p.grad.numpy(), [0.0, 0.0])
    (p + 1).sum().backward()
    np.testing.assert_array_equal(p.grad.numpy(), [1.0, 1.0])   # accumulated onto the zeroed grad


def test_no_grad_as_a_decorator():
    @minigan.no_grad()
    def step(q):
        q -= 1.0
        return q * 2
    p = minigan.tensor([3.0], requires_grad=True)
    out = step(p)
    assert p.numpy()[0] == 2.0 and not out.requires_grad
