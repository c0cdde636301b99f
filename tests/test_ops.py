"""The elementary ops of minigan.ops, through Tensor's operators: values against NumPy,
gradients against finite differences (gradcheck, float64, hypothesis-drawn shapes), one
hand-computed derivative per op, float32 kept end to end, and the errors users get."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigan
import minigan.functional as F
from tests.conftest import float64_arrays, leaf, shapes

FAST = settings(max_examples=20, deadline=None)


def broadcast_pair(min_dims=0, max_dims=3):
    return hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=min_dims, max_dims=max_dims,
                                             max_side=3).map(lambda s: s.input_shapes)


# ----------------------------------------------------------------------------- binary ops
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
}


@FAST
@given(data=st.data(), op=st.sampled_from(sorted(BINARY)), pair=broadcast_pair())
def test_binary_ops_broadcast_values_and_gradcheck(data, op, pair):
    sa, sb = pair
    a = leaf(data.draw(float64_arrays(sa)))
    b = leaf(data.draw(float64_arrays(sb, high=2.0, min_abs=0.5) if op == "div" else float64_arrays(sb)))
    f = BINARY[op]
    out = f(a, b)
    assert out.shape == np.broadcast_shapes(sa, sb)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.numpy(), f(a.numpy(), b.numpy()), rtol=1e-12, atol=0)
    assert minigan.gradcheck(f, [a, b])


SCALAR_SIDE = {
    "x + 2.5": (lambda x: x + 2.5, lambda x: x + 2.5),
    "2.5 + x": (lambda x: 2.5 + x, lambda x: 2.5 + x),
    "x - 1.5": (lambda x: x - 1.5, lambda x: x - 1.5),
    "1.5 - x": (lambda x: 1.5 - x, lambda x: 1.5 - x),
    "x * 3": (lambda x: x * 3, lambda x: x * 3),
    "-0.5 * x": (lambda x: -0.5 * x, lambda x: -0.5 * x),
    "x / 4": (lambda x: x / 4, lambda x: x / 4),
    "2.5 / x": (lambda x: 2.5 / x, lambda x: 2.5 / x),
    "-x": (lambda x: -x, lambda x: -x),
}


@FAST
@given(data=st.data(), name=st.sampled_from(sorted(SCALAR_SIDE)), shape=shapes())
def test_scalar_on_either_side(data, name, shape):
    f, ref = SCALAR_SIDE[name]
    x = leaf(data.draw(float64_arrays(shape, high=2.0, min_abs=0.5)))
    out = f(x)
    assert out.dtype == np.float64 and out.shape == shape
    np.testing.assert_allclose(out.numpy(), ref(x.numpy()), rtol=1e-12, atol=0)
    assert minigan.gradcheck(f, [x])


@FAST
@given(data=st.data(), shape=shapes(),
       p=st.one_of(st.sampled_from([0.5, 2, 3, -1]), st.floats(-2.5, 3.0)))
def test_pow_scalar_exponent(data, shape, p):
    x = leaf(data.draw(float64_arrays(shape, low=0.5, high=2.0)))
    out = x ** p
    np.testing.assert_allclose(out.numpy(), x.numpy() ** p, rtol=1e-12)
    assert minigan.gradcheck(lambda t: t ** p, [x])


def test_pow_and_rpow_hand_values():
    x = leaf(np.array([2.0, 4.0]))
    y = x ** 3
    y.sum().backward()
    np.testing.assert_allclose(y.numpy(), [8.0, 64.0])
    np.testing.assert_allclose(x.grad.numpy(), [12.0, 48.0])     # 3 x^2
    x.grad = None
    z = 2 ** x                                                    # 2^x, d/dx = 2^x ln 2
    z.sum().backward()
    np.testing.assert_allclose(z.numpy(), [4.0, 16.0])
    np.testing.assert_allclose(x.grad.numpy(), [4 * math.log(2), 16 * math.log(2)])


def test_pow_zero_has_zero_gradient_everywhere():
    x = leaf(np.array([0.0, 2.0, -1.5]))
    with np.errstate(all="raise"):
        y = x ** 0
        y.sum().backward()
    np.testing.assert_array_equal(y.numpy(), [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0])    # d/dx x^0 = 0, also at x = 0


def test_tensor_exponent_and_bad_rpow_base_are_errors():
    x = leaf(np.array([1.0]))
    with pytest.raises(TypeError, match="exponent"):
        x ** x
    with pytest.raises(ValueError, match="positive"):
        (-2) ** x


def test_product_rule_hand_values():
    # f = x^2 * y at x = 3, y = 2: f = 18, df/dx = 2xy = 12, df/dy = x^2 = 9
    x, y = leaf(np.array(3.0)), leaf(np.array(2.0))
    f = x * x * y
    f.backward()
    assert f.item() == 18.0
    assert x.grad.item() == 12.0 and y.grad.item() == 9.0


def test_div_sub_neg_hand_values():
    a, b = leaf(np.array(6.0)), leaf(np.array(3.0))
    (a / b).backward()
    assert a.grad.item() == pytest.approx(1 / 3) and b.grad.item() == pytest.approx(-6 / 9)
    a.grad = b.grad = None
    (a - b).backward()
    assert (a.grad.item(), b.grad.item()) == (1.0, -1.0)
    a.grad = None
    (-a).backward()
    assert a.grad.item() == -1.0


def test_broadcast_add_sums_gradient_hand_values():
    a = leaf(np.zeros((2, 3)))
    b = leaf(np.zeros((3,)))
    c = leaf(np.zeros((2, 1)))
    (a + b + c).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), np.ones((2, 3)))
    np.testing.assert_array_equal(b.grad.numpy(), [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(c.grad.numpy(), [[3.0], [3.0]])


# ----------------------------------------------------------------------------- matmul
@FAST
@given(data=st.data(), n=st.integers(1, 3), k=st.integers(1, 3), m=st.integers(1, 3),
       kind=st.sampled_from(["2d", "vec@mat", "mat@vec", "vec@vec", "batched", "vec@batched", "batched@vec"]),
       batch=broadcast_pair(min_dims=1, max_dims=2))
def test_matmul_values_and_gradcheck(data, n, k, m, kind, batch):
    ba, bb = batch
    sa, sb = {
        "2d": ((n, k), (k, m)),
        "vec@mat": ((k,), (k, m)),
        "mat@vec": ((n, k), (k,)),
        "vec@vec": ((k,), (k,)),
        "batched": (ba + (n, k), bb + (k, m)),
        "vec@batched": ((k,), bb + (k, m)),
        "batched@vec": (ba + (n, k), (k,)),
    }[kind]
    a = leaf(data.draw(float64_arrays(sa)))
    b = leaf(data.draw(float64_arrays(sb)))
    out = a @ b
    expected = np.matmul(a.numpy(), b.numpy())
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-12)
    assert minigan.gradcheck(lambda x, y: x @ y, [a, b])


def test_matmul_hand_values():
    a = leaf(np.array([[1.0, 2.0], [3.0, 4.0]]))
    v = leaf(np.array([5.0, 6.0]))
    out = a @ v
    np.testing.assert_array_equal(out.numpy(), [17.0, 39.0])
    out.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [[5.0, 6.0], [5.0, 6.0]])   # each row gets v
    np.testing.assert_array_equal(v.grad.numpy(), [4.0, 6.0])                 # column sums of a


def test_matmul_with_numpy_array_on_the_left():
    w = leaf(np.array([[1.0], [2.0]]))
    out = np.array([[3.0, 4.0]]) @ w
    assert isinstance(out, minigan.Tensor)
    np.testing.assert_array_equal(out.numpy(), [[11.0]])


@pytest.mark.parametrize("sa, sb", [((2, 3), (4, 5)), ((3,), (4,)), ((2, 3), (2,)), ((5, 2, 3), (4, 3, 2))])
def test_matmul_shape_mismatch_names_both_shapes(sa, sb):
    a, b = minigan.zeros(*sa), minigan.zeros(*sb)
    with pytest.raises(ValueError) as e:
        a @ b
    assert str(sa) in str(e.value) and str(sb) in str(e.value)


def test_matmul_of_a_0d_tensor_is_a_value_error():
    with pytest.raises(ValueError, match="matmul"):
        minigan.tensor(1.0) @ minigan.zeros(2)


def test_broadcast_mismatch_names_both_shapes():
    a, b = minigan.zeros(2, 3), minigan.zeros(4)
    for f in (lambda: a + b, lambda: a - b, lambda: a * b, lambda: a / b, lambda: a.maximum(b)):
        with pytest.raises(ValueError) as e:
            f()
        assert "(2, 3)" in str(e.value) and "(4,)" in str(e.value)


# ----------------------------------------------------------------------------- reductions
@st.composite
def shape_and_axis(draw):
    shape = draw(shapes(min_dims=1))
    nd = len(shape)
    signed = lambda a: st.sampled_from([a, a - nd])                      # noqa: E731
    axis = draw(st.one_of(
        st.none(),
        st.integers(-nd, nd - 1),
        st.lists(st.integers(0, nd - 1), min_size=1, max_size=nd, unique=True)
          .flatmap(lambda axes: st.tuples(*[signed(a) for a in axes]))))
    return shape, axis


@FAST
@given(data=st.data(), sa=shape_and_axis(), keepdims=st.booleans(), op=st.sampled_from(["sum", "mean"]))
def test_sum_mean_axis_keepdims(data, sa, keepdims, op):
    shape, axis = sa
    x = leaf(data.draw(float64_arrays(shape)))
    f = lambda t: getattr(t, op)(axis=axis, keepdims=keepdims)      # noqa: E731
    out = f(x)
    expected = getattr(np, op)(x.numpy(), axis=axis, keepdims=keepdims)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-15)
    assert minigan.gradcheck(f, [x])


def test_sum_mean_of_0d_and_full_reductions():
    x = leaf(np.array(2.5))
    assert minigan.gradcheck(lambda t: t.sum(), [x])
    assert minigan.gradcheck(lambda t: t.mean(), [x])
    y = leaf(np.ones((2, 3)))
    assert y.sum().shape == () and y.sum(keepdims=True).shape == (1, 1)


def test_sum_mean_hand_values_and_torch_spelling():
    x = leaf(np.array([[1.0, 2.0], [3.0, 4.0]]))
    m = x.mean(dim=0)                                    # PyTorch's spelling
    np.testing.assert_array_equal(m.numpy(), [2.0, 3.0])
    m.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 2), 0.5))
    x.grad = None
    s = x.sum(dim=-1, keepdim=True)
    assert s.shape == (2, 1)
    np.testing.assert_array_equal(s.numpy(), [[3.0], [7.0]])
    (s * leaf(np.array([[1.0], [10.0]]), requires_grad=False)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1.0, 1.0], [10.0, 10.0]])


# ----------------------------------------------------------------------------- shapes
@st.composite
def shape_and_target(draw):
    shape = draw(shapes(min_dims=0, max_dims=3))
    n = int(np.prod(shape))
    last = shape[-1] if shape else 1
    target = draw(st.sampled_from([(n,), (-1,), (1, n), (n, 1), tuple(reversed(shape)), (-1, last),
                                   (last, -1), (1,) + shape + (1,)]))
    return shape, target


@FAST
@given(data=st.data(), st_=shape_and_target(), method=st.sampled_from(["reshape", "view"]))
def test_reshape_view(data, st_, method):
    shape, target = st_
    x = leaf(data.draw(float64_arrays(shape)))
    f = lambda t: getattr(t, method)(*target)                        # noqa: E731
    out = f(x)
    np.testing.assert_array_equal(out.numpy(), x.numpy().reshape(target))
    assert minigan.gradcheck(f, [x])
    assert minigan.gradcheck(lambda t: getattr(t, method)(target), [x])   # a tuple works too


def test_reshape_to_incompatible_shape_names_both_shapes():
    x = minigan.zeros(2, 3)
    for target in [(4,), (4, -1), (-1, -1), (5, 2)]:
        with pytest.raises(ValueError) as e:
            x.reshape(target)
        assert "(2, 3)" in str(e.value) and str(target) in str(e.value)


@FAST
@given(data=st.data(), shape=shapes(min_dims=1, max_dims=4))
def test_permute_transpose_T(data, shape):
    nd = len(shape)
    perm = tuple(data.draw(st.permutations(range(nd))))
    x = leaf(data.draw(float64_arrays(shape)))
    np.testing.assert_array_equal(x.permute(perm).numpy(), x.numpy().transpose(perm))
    np.testing.assert_array_equal(x.T.numpy(), x.numpy().T)
    assert minigan.gradcheck(lambda t: t.permute(*perm), [x])
    assert minigan.gradcheck(lambda t: t.T, [x])
    if nd >= 2:
        np.testing.assert_array_equal(x.transpose(0, -1).numpy(), np.swapaxes(x.numpy(), 0, -1))
        assert minigan.gradcheck(lambda t: t.transpose(0, -1), [x])


def test_permute_hand_values_and_bad_dims():
    x = leaf(np.arange(6.0).reshape(2, 3))
    y = x.T
    assert y.shape == (3, 2)
    (y * leaf(np.arange(6.0).reshape(3, 2), requires_grad=False)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.arange(6.0).reshape(3, 2).T)
    with pytest.raises(ValueError, match="permutation"):
        x.permute(0, 0)


# ----------------------------------------------------------------------------- elementwise math
UNARY = {
    #  name: (method, numpy reference, strategy of the input's values)
    "exp": (lambda t: t.exp(), np.exp, dict(low=-2.0, high=2.0)),
    "log": (lambda t: t.log(), np.log, dict(low=0.1, high=3.0)),
    "sqrt": (lambda t: t.sqrt(), np.sqrt, dict(low=0.1, high=3.0)),
    "abs": (lambda t: t.abs(), np.abs, dict(high=2.0, min_abs=0.1)),
    "neg": (lambda t: -t, np.negative, dict()),
}


@FAST
@given(data=st.data(), name=st.sampled_from(sorted(UNARY)), shape=shapes())
def test_unary_values_and_gradcheck(data, name, shape):
    f, ref, values = UNARY[name]
    x = leaf(data.draw(float64_arrays(shape, **values)))
    np.testing.assert_allclose(f(x).numpy(), ref(x.numpy()), rtol=1e-12)
    assert minigan.gradcheck(f, [x])


@pytest.mark.parametrize("name, x, value, grad", [
    ("exp", 0.0, 1.0, 1.0),
    ("exp", 1.0, math.e, math.e),
    ("log", 2.0, math.log(2.0), 0.5),
    ("sqrt", 9.0, 3.0, 1 / 6),
    ("abs", -2.0, 2.0, -1.0),
    ("abs", 3.0, 3.0, 1.0),
])
def test_unary_hand_values(name, x, value, grad):
    t = leaf(np.array(x))
    out = UNARY[name][0](t)
    out.backward()
    assert out.item() == pytest.approx(value, rel=1e-15)
    assert t.grad.item() == pytest.approx(grad, rel=1e-15)


def _away_from(points, margin=0.05):
    return st.floats(-2.0, 2.0).filter(lambda v: all(abs(v - p) > margin for p in points))


@FAST
@given(data=st.data(), shape=shapes(), bounds=st.sampled_from([(-0.5, 0.7), (-0.5, None), (None, 0.7)]))
def test_clip_values_and_gradcheck(data, shape, bounds):
    lo, hi = bounds
    x = leaf(data.draw(hnp.arrays(np.float64, shape, elements=_away_from([b for b in bounds if b is not None]))))
    f = lambda t: t.clip(lo, hi)                                     # noqa: E731
    np.testing.assert_array_equal(f(x).numpy(), np.clip(x.numpy(), lo, hi))
    assert minigan.gradcheck(f, [x])


def test_clip_hand_values_and_clamp_alias():
    x = leaf(np.array([-2.0, 0.5, 3.0]))
    y = x.clamp(min=-1.0, max=1.0)
    np.testing.assert_array_equal(y.numpy(), [-1.0, 0.5, 1.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0, 0.0])
    with pytest.raises(ValueError, match="min"):
        x.clip()


@FAST
@given(data=st.data(), pair=broadcast_pair())
def test_maximum_broadcast_no_ties(data, pair):
    sa, sb = pair
    # a's values are k + 0.25 and b's are k - 0.25 (k integer): never within 0.5 of each other
    a = leaf(data.draw(hnp.arrays(np.float64, sa, elements=st.integers(-3, 3).map(lambda k: k + 0.25))))
    b = leaf(data.draw(hnp.arrays(np.float64, sb, elements=st.integers(-3, 3).map(lambda k: k - 0.25))))
    np.testing.assert_array_equal(minigan.maximum(a, b).numpy(), np.maximum(a.numpy(), b.numpy()))
    assert minigan.gradcheck(lambda x, y: x.maximum(y), [a, b])
    assert minigan.gradcheck(lambda x, y: minigan.maximum(x, y), [a, b])


def test_maximum_hand_values_tie_splits_gradient():
    a = leaf(np.array([1.0, 2.0, 3.0]))
    b = leaf(np.array([3.0, 2.0, 1.0]))
    out = minigan.maximum(a, b)
    np.testing.assert_array_equal(out.numpy(), [3.0, 2.0, 3.0])
    out.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 0.5, 0.0])
    c = leaf(np.array([-1.0, 2.0]))
    c.maximum(0.0).sum().backward()                                  # with a number
    np.testing.assert_array_equal(c.grad.numpy(), [0.0, 1.0])
    d = leaf(np.array([-1.0, 2.0]))
    minigan.maximum(0.0, d).sum().backward()                         # number first
    np.testing.assert_array_equal(d.grad.numpy(), [0.0, 1.0])


# ----------------------------------------------------------------------------- indexing
@FAST
@given(data=st.data(), n=st.integers(1, 4), m=st.integers(1, 3))
def test_getitem_basic_slices(data, n, m):
    x = leaf(data.draw(float64_arrays((n, m))))
    index = data.draw(st.one_of(
        st.slices(n),
        st.tuples(st.slices(n), st.slices(m)),
        st.integers(-n, n - 1),
        st.tuples(st.just(Ellipsis), st.integers(-m, m - 1)),
        st.tuples(st.just(None), st.slices(n)),
    ))
    expected = x.numpy()[index]
    out = x[index]
    np.testing.assert_array_equal(out.numpy(), expected)
    if expected.size:
        assert minigan.gradcheck(lambda t: t[index], [x])


@FAST
@given(data=st.data(), n=st.integers(1, 4), m=st.integers(1, 3))
def test_getitem_integer_arrays_accumulate_repeats(data, n, m):
    x = leaf(data.draw(float64_arrays((n, m))))
    rows = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=6))
    cols = data.draw(st.lists(st.integers(-m, m - 1), min_size=len(rows), max_size=len(rows)))
    for index in (rows, np.array(rows), (np.array(rows), np.array(cols)), (slice(None), cols[:2])):
        np.testing.assert_array_equal(x[index].numpy(), x.numpy()[index])
        assert minigan.gradcheck(lambda t: t[index], [x])
    # the gradient counts how often each element was picked
    x.grad = None
    x[np.array(rows), np.array(cols)].sum().backward()
    counts = np.zeros((n, m))
    np.add.at(counts, (np.array(rows), np.array(cols)), 1.0)
    np.testing.assert_array_equal(x.grad.numpy(), counts)


def test_getitem_hand_values():
    x = leaf(np.arange(8.0).reshape(4, 2))
    x[[0, 0, 3, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[3.0, 3.0], [0.0, 0.0], [0.0, 0.0], [1.0, 1.0]])
    x.grad = None
    x[1:3, 1].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0], [0, 1], [0, 1], [0, 0]])
    x.grad = None
    mask = minigan.tensor(np.array([True, False, True, True]))
    x[mask].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1, 1], [0, 0], [1, 1], [1, 1]])
    v = leaf(np.array([1.0, 2.0, 3.0]))
    e = v[2] * v[-3]                       # single elements of a vector: 0-d results
    e.backward()
    assert e.shape == () and e.item() == 3.0
    np.testing.assert_array_equal(v.grad.numpy(), [3.0, 0.0, 1.0])


def test_getitem_of_integer_tensor_and_without_grad():
    labels = minigan.tensor([3, 1, 2])
    assert labels[1].item() == 1 and labels.dtype == np.int64
    x = leaf(np.arange(3.0), requires_grad=False)
    assert x[0].grad_fn is None


# ----------------------------------------------------------------------------- cat and stack
@FAST
@given(data=st.data(), shape=shapes(min_dims=1, max_dims=3), count=st.integers(1, 3),
       op=st.sampled_from(["cat", "concatenate", "stack"]))
def test_cat_stack(data, shape, count, op):
    nd = len(shape)
    if op == "stack":
        axis = data.draw(st.integers(-nd - 1, nd))
        arrays = [data.draw(float64_arrays(shape)) for _ in range(count)]
        expected = np.stack(arrays, axis=axis)
    else:
        axis = data.draw(st.integers(-nd, nd - 1))
        arrays = []
        for _ in range(count):
            s = list(shape)
            s[axis] = data.draw(st.integers(1, 3))
            arrays.append(data.draw(float64_arrays(tuple(s))))
        expected = np.concatenate(arrays, axis=axis)
    xs = [leaf(a) for a in arrays]
    f = lambda *ts: getattr(minigan, op)(list(ts), axis=axis)        # noqa: E731
    np.testing.assert_array_equal(f(*xs).numpy(), expected)
    assert minigan.gradcheck(f, xs)


def test_cat_stack_hand_values_and_errors():
    a, b = leaf(np.array([1.0, 2.0])), leaf(np.array([3.0]))
    out = minigan.cat([a, b], dim=0)
    np.testing.assert_array_equal(out.numpy(), [1.0, 2.0, 3.0])
    (out * leaf(np.array([10.0, 20.0, 30.0]), requires_grad=False)).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [10.0, 20.0])
    np.testing.assert_array_equal(b.grad.numpy(), [30.0])
    s = minigan.stack([leaf(np.ones(2)), leaf(np.zeros(2))], dim=1)
    np.testing.assert_array_equal(s.numpy(), [[1.0, 0.0], [1.0, 0.0]])
    with pytest.raises(ValueError) as e:
        minigan.cat([minigan.zeros(2, 3), minigan.zeros(2, 4)], axis=0)
    assert "(2, 3)" in str(e.value) and "(2, 4)" in str(e.value)
    with pytest.raises(ValueError):
        minigan.cat([])
    with pytest.raises(ValueError):
        minigan.stack([])


# ----------------------------------------------------------------------------- Cast
def test_cast_double_float_values_and_gradient_dtype():
    x32 = minigan.tensor(np.array([0.1, 1.5, -2.25], dtype=np.float32), requires_grad=True)
    y = x32.double()
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y.numpy(), x32.numpy().astype(np.float64))
    (y * y).sum().backward()                        # float64 graph downstream
    assert x32.grad.dtype == np.float32
    np.testing.assert_allclose(x32.grad.numpy(), 2 * x32.numpy(), rtol=1e-7)
    z = leaf(np.array([1.0, 2.0]))
    w = z.float()
    assert w.dtype == np.float32
    (w * 3).sum().backward()
    assert z.grad.dtype == np.float64
    np.testing.assert_array_equal(z.grad.numpy(), [3.0, 3.0])
    assert z.double() is z                          # no-op when already that dtype


# ----------------------------------------------------------------------------- float32 stays float32
def _f32(*shape, positive=False, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.uniform(0.5, 2.0, shape) if positive else rng.uniform(-2, 2, shape)
    return minigan.tensor(a.astype(np.float32), requires_grad=True)


FLOAT32_CASES = {
    "add": (lambda a, b: a + b, lambda: [_f32(2, 3), _f32(3, seed=1)]),
    "sub": (lambda a, b: a - b, lambda: [_f32(2, 3), _f32(2, 1, seed=1)]),
    "mul": (lambda a, b: a * b, lambda: [_f32(2, 3), _f32(3, seed=1)]),
    "div": (lambda a, b: a / b, lambda: [_f32(2, 3), _f32(3, positive=True, seed=1)]),
    "scalars": (lambda a: (2.5 - a) * 3 / 1.5 + 1 - (2 / (a + 5)), lambda: [_f32(4)]),
    "pow": (lambda a: a ** 2.5, lambda: [_f32(3, positive=True)]),
    "rpow": (lambda a: 2 ** a, lambda: [_f32(3)]),
    "neg": (lambda a: -a, lambda: [_f32(3)]),
    "matmul": (lambda a, b: a @ b, lambda: [_f32(2, 2, 3), _f32(3, 4, seed=1)]),
    "matvec": (lambda a, b: a @ b, lambda: [_f32(2, 3), _f32(3, seed=1)]),
    "sum": (lambda a: a.sum(axis=1), lambda: [_f32(2, 3)]),
    "mean": (lambda a: a.mean(axis=(0, -1), keepdims=True), lambda: [_f32(2, 3, 2)]),
    "reshape": (lambda a: a.reshape(3, -1), lambda: [_f32(2, 3)]),
    "permute": (lambda a: a.permute(2, 0, 1).T, lambda: [_f32(2, 3, 2)]),
    "exp": (lambda a: a.exp(), lambda: [_f32(3)]),
    "log": (lambda a: a.log(), lambda: [_f32(3, positive=True)]),
    "sqrt": (lambda a: a.sqrt(), lambda: [_f32(3, positive=True)]),
    "abs": (lambda a: a.abs(), lambda: [_f32(3)]),
    "clip": (lambda a: a.clip(-0.5, 0.5), lambda: [_f32(5)]),
    "maximum": (lambda a, b: a.maximum(b), lambda: [_f32(2, 3), _f32(3, seed=1)]),
    "maximum number": (lambda a: a.maximum(0.0), lambda: [_f32(3)]),
    "getitem": (lambda a: a[1:, ::2], lambda: [_f32(3, 3)]),
    "getitem array": (lambda a: a[[0, 0, 2]], lambda: [_f32(3, 2)]),
    "cat": (lambda a, b: minigan.cat([a, b], axis=1), lambda: [_f32(2, 3), _f32(2, 1, seed=1)]),
    "stack": (lambda a, b: minigan.stack([a, b]), lambda: [_f32(2, 3), _f32(2, 3, seed=1)]),
    "linear": (lambda x, w, b: F.linear(x, w, b), lambda: [_f32(4, 3), _f32(2, 3, seed=1), _f32(2, seed=2)]),
    "relu": (F.relu, lambda: [_f32(5)]),
    "leaky_relu": (lambda a: F.leaky_relu(a, 0.2), lambda: [_f32(5)]),
    "tanh": (lambda a: a.tanh(), lambda: [_f32(5)]),
    "sigmoid": (lambda a: a.sigmoid(), lambda: [_f32(5)]),
    "bce": (lambda p, t: F.binary_cross_entropy(p.sigmoid(), t),
            lambda: [_f32(4), minigan.tensor(np.array([0, 1, 1, 0], dtype=np.float32), requires_grad=True)]),
    "bce_logits": (lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction="sum"),
                   lambda: [_f32(4), _f32(4, positive=True, seed=1) / 2]),
}


@pytest.mark.parametrize("name", sorted(FLOAT32_CASES))
def test_float32_in_float32_out_forward_and_gradient(name):
    f, make = FLOAT32_CASES[name]
    inputs = make()
    for t in inputs:
        if not t.is_leaf:
            t.retain_grad()
    out = f(*inputs)
    assert out.dtype == np.float32, name
    (out * 1.0).sum().backward()
    for i, t in enumerate(inputs):
        assert t.grad is not None, (name, i)
        assert t.grad.dtype == np.float32, (name, i, t.grad.dtype)
