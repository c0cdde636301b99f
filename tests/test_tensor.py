"""The Tensor API: construction and dtypes, conversions, comparisons, repr, and dtype errors."""
import numpy as np
import pytest

import minigan
import minigan.functional as F
import minigan.nn as nn
from tests.conftest import leaf


# ----------------------------------------------------------------------------- dtypes
def test_python_floats_default_to_float32():
    assert minigan.tensor(1.5).dtype == np.float32
    assert minigan.tensor([1.0, 2.0]).dtype == np.float32
    assert minigan.tensor([[1.0], [2]]).dtype == np.float32
    assert minigan.zeros(2).dtype == np.float32 and minigan.ones(2, 3).dtype == np.float32
    assert minigan.randn(2).dtype == np.float32 and minigan.rand(2).dtype == np.float32
    assert minigan.full((2,), 0.5).dtype == np.float32


def test_python_ints_and_bools_keep_their_kind():
    assert minigan.tensor([1, 2]).dtype == np.int64
    assert minigan.tensor([True, False]).dtype == np.bool_


def test_numpy_arrays_keep_their_dtype():
    assert minigan.tensor(np.zeros(3, dtype=np.float64)).dtype == np.float64
    assert minigan.tensor(np.zeros(3, dtype=np.float32)).dtype == np.float32
    assert minigan.tensor(np.float64(2.0)).dtype == np.float64
    assert minigan.tensor([1.0, 2.0], dtype=minigan.float64).dtype == np.float64
    assert minigan.tensor(np.zeros(2), dtype="float32").dtype == np.float32


def test_set_default_dtype_float64_and_restore():
    assert minigan.get_default_dtype() == np.float32
    minigan.set_default_dtype(minigan.float64)
    try:
        assert minigan.get_default_dtype() == np.float64
        assert minigan.tensor(1.5).dtype == np.float64
        assert minigan.zeros(2).dtype == np.float64
        assert minigan.randn(2).dtype == np.float64
        assert nn.Linear(2, 3).weight.dtype == np.float64
        x = minigan.tensor([1.0, 2.0], requires_grad=True)
        (x * 2.5).sum().backward()
        assert x.grad.dtype == np.float64
    finally:
        minigan.set_default_dtype(minigan.float32)
    assert minigan.tensor(1.5).dtype == np.float32
    assert nn.Linear(2, 3).weight.dtype == np.float32


def test_set_default_dtype_rejects_non_floats():
    with pytest.raises(TypeError):
        minigan.set_default_dtype(minigan.int64)
    with pytest.raises(TypeError):
        minigan.set_default_dtype("not a dtype")
    assert minigan.get_default_dtype() == np.float32


def test_double_and_float_convert():
    x = minigan.tensor([1.5, -2.0])
    assert x.double().dtype == np.float64 and x.double().float().dtype == np.float32
    np.testing.assert_array_equal(x.double().numpy(), [1.5, -2.0])
    labels = minigan.tensor([1, 0])
    assert labels.float().dtype == np.float32 and labels.double().dtype == np.float64
    assert labels.float().requires_grad is False
    assert x.to(minigan.float64).dtype == np.float64


# ----------------------------------------------------------------------------- errors
def test_mixing_float32_and_float64_is_a_type_error():
    a = minigan.tensor(np.ones(2, dtype=np.float32))
    b = minigan.tensor(np.ones(2, dtype=np.float64))
    for f in (lambda: a + b, lambda: b * a, lambda: a @ b, lambda: minigan.cat([a, b]),
              lambda: a.maximum(b), lambda: F.binary_cross_entropy(a * 0.5, b)):
        with pytest.raises(TypeError) as e:
            f()
        assert "float32" in str(e.value) and "float64" in str(e.value)


def test_float32_tensor_with_python_number_stays_float32():
    a = minigan.tensor(np.ones(2, dtype=np.float32))
    assert (a * 0.1).dtype == np.float32 and (1e-8 + a).dtype == np.float32


def test_integer_arithmetic_works_without_grad_as_in_pytorch():
    # PyTorch computes on integer tensors (class labels, counts); there is nothing to differentiate
    i = minigan.tensor([1, 2])
    for result, expected in ((i + i, [2, 4]), (i * 2, [2, 4]), (i - 1, [0, 1]), (-i, [-1, -2]),
                             (i.sum(), 3), (i @ i, 5), (i ** 2, [1, 4])):
        assert result.dtype == np.int64 and not result.requires_grad
        np.testing.assert_array_equal(result.numpy(), expected)
    half = i / 2                                     # true division: the default float dtype
    assert half.dtype == np.float32
    np.testing.assert_array_equal(half.numpy(), [0.5, 1.0])
    assert (i * 1.5).dtype == np.float32             # a Python float promotes, as in PyTorch
    np.testing.assert_array_equal((i * 1.5).numpy(), [1.5, 3.0])
    assert (minigan.tensor([True, False, True]).sum()).item() == 2


def test_integer_beside_float_tensor_is_converted_and_the_float_gets_its_gradient():
    w = minigan.tensor([0.5, 2.0], requires_grad=True)
    labels = minigan.tensor([1, 3])
    (w * labels).sum().backward()
    assert (w * labels).dtype == np.float32
    np.testing.assert_array_equal(w.grad.numpy(), [1.0, 3.0])


def test_non_floating_tensor_in_float_only_math_is_a_type_error():
    # exp, log, relu and mean of integers: minigan asks for .float() (PyTorch promotes silently)
    i = minigan.tensor([1, 2])
    for f in (lambda: i.exp(), lambda: i.log(), lambda: F.relu(i), lambda: i.mean()):
        with pytest.raises(TypeError, match="int64"):
            f()


def test_requires_grad_on_int_tensor_is_a_type_error():
    with pytest.raises(TypeError, match="floating"):
        minigan.tensor([1, 2], requires_grad=True)
    t = minigan.tensor([1, 2])
    with pytest.raises(TypeError):
        t.requires_grad = True
    with pytest.raises(TypeError):
        t.requires_grad_()


def test_unsupported_operand_and_bad_data():
    with pytest.raises(TypeError):
        minigan.tensor([1.0]) + "a"
    with pytest.raises(TypeError):
        minigan.tensor([object()])


# ----------------------------------------------------------------------------- API
def test_numpy_item_shape_dtype():
    x = minigan.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert isinstance(x.numpy(), np.ndarray)
    np.testing.assert_array_equal(x.numpy(), [[1, 2, 3], [4, 5, 6]])
    assert x.shape == (2, 3) and isinstance(x.shape, tuple)
    assert x.dtype == np.float32 and x.ndim == 2 and x.dim() == 2
    assert x.numel() == 6 and len(x) == 2 and x.size() == (2, 3) and x.size(1) == 3
    s = x.sum()
    assert s.item() == 21.0 and isinstance(s.item(), float)
    assert minigan.tensor([7]).item() == 7 and isinstance(minigan.tensor([7]).item(), int)
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        x.item()
    assert x.tolist() == [[1, 2, 3], [4, 5, 6]]
    with pytest.raises(TypeError):
        len(minigan.tensor(1.0))


def test_tensor_copies_its_input():
    a = np.array([1.0, 2.0])
    t = minigan.tensor(a)
    a[0] = 100.0
    assert t.numpy()[0] == 1.0
    b = np.array([1.0, 2.0], dtype=np.float32)
    t2 = minigan.tensor(b, dtype=minigan.float32)
    b[1] = -1.0
    assert t2.numpy()[1] == 2.0
    t3 = minigan.tensor(t2)
    t2.array[0] = 50.0
    assert t3.numpy()[0] == 1.0
    lst = [1.0, 2.0]
    t4 = minigan.tensor(lst)
    lst[0] = 9.0
    assert t4.numpy()[0] == 1.0


def test_comparisons_return_bool_tensors_without_grad():
    x = leaf(np.array([1.0, 2.0, 3.0]))
    y = leaf(np.array([3.0, 2.0, 1.0]))
    cases = {
        "<": (x < 2, [True, False, False]),
        "<=": (x <= 2, [True, True, False]),
        ">": (x > y, [False, False, True]),
        ">=": (x >= y, [False, True, True]),
        "==": (x == y, [False, True, False]),
        "!=": (x != 2.0, [True, False, True]),
    }
    for name, (r, expected) in cases.items():
        assert isinstance(r, minigan.Tensor), name
        assert r.dtype == np.bool_, name
        assert r.requires_grad is False and r.grad_fn is None, name
        np.testing.assert_array_equal(r.numpy(), expected, err_msg=name)
    assert (x > 0).all() and not (x > 2).all() and (x > 2).any()


def test_bool_of_multi_element_tensor_is_ambiguous():
    assert bool(minigan.tensor([1.0]) > 0)
    with pytest.raises(ValueError, match="ambiguous"):
        bool(minigan.tensor([1.0, 2.0]) > 0)


def test_repr_contains_values_and_grad_info():
    r = repr(minigan.tensor([1.5, -2.25]))
    assert r.startswith("tensor(") and "1.5" in r and "-2.25" in r
    assert "requires_grad" not in r and "grad_fn" not in r
    x = minigan.tensor([1.5, -2.25], requires_grad=True)
    assert "requires_grad=True" in repr(x) and "1.5" in repr(x)
    y = x * 2
    assert "grad_fn=<MulBackward>" in repr(y) and "3." in repr(y) and "-4.5" in repr(y)
    assert "dtype=float64" in repr(minigan.tensor(np.array([1.0])))
    assert "dtype=float64" not in repr(minigan.tensor([1.0]))


def test_factories_and_like():
    z = minigan.zeros((2, 3))
    assert z.shape == (2, 3) and not z.numpy().any()
    o = minigan.ones_like(z)
    assert o.shape == (2, 3) and o.dtype == np.float32 and o.numpy().all()
    assert minigan.zeros_like(o).shape == (2, 3)
    f = minigan.full((2,), 7.0, dtype=minigan.float64)
    np.testing.assert_array_equal(f.numpy(), [7.0, 7.0])
    assert f.dtype == np.float64
    r = minigan.rand(1000)
    assert 0 <= r.numpy().min() and r.numpy().max() < 1
    assert minigan.zeros(2, requires_grad=True).requires_grad


def test_numpy_array_on_the_left_of_operators():
    x = leaf(np.array([1.0, 2.0]))
    for r, expected in ((np.array([1.0, 1.0]) + x, [2, 3]), (np.array([5.0, 5.0]) - x, [4, 3]),
                        (np.array([2.0, 2.0]) * x, [2, 4])):
        assert isinstance(r, minigan.Tensor) and r.grad_fn is not None
        np.testing.assert_array_equal(r.numpy(), expected)


def test_requires_grad_setter_and_flatten():
    x = minigan.tensor([1.0]).requires_grad_()
    assert x.requires_grad
    y = leaf(np.arange(24.0).reshape(2, 3, 4))
    assert y.flatten().shape == (24,)
    assert y.flatten(1).shape == (2, 12)
    assert y.flatten(0, 1).shape == (6, 4)
    assert minigan.gradcheck(lambda t: t.flatten(1), [y])
