"""The Tensor methods and top-level functions that PyTorch GAN code uses: values against NumPy,
float64 gradcheck on hypothesis-drawn shapes for the differentiable ones, PyTorch's defaults
and the errors students get."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigan
from tests.conftest import float64_arrays, leaf, shapes

FAST = settings(max_examples=20, deadline=None)


def dims_of(shape):
    return st.integers(-len(shape), len(shape) - 1)


# ----------------------------------------------------------------------------- shapes
@FAST
@given(data=st.data(), shape=shapes(min_dims=1, max_dims=4))
def test_squeeze_unsqueeze_flatten_values_and_gradcheck(data, shape):
    a = data.draw(float64_arrays(shape))
    x = leaf(a)
    d = data.draw(dims_of(shape))
    u = data.draw(st.integers(-len(shape) - 1, len(shape)))
    assert x.squeeze().shape == np.squeeze(a).shape
    assert x.squeeze(d).shape == (np.squeeze(a, d).shape if shape[d] == 1 else shape)
    assert x.unsqueeze(u).shape == np.expand_dims(a, u).shape
    assert x.flatten().shape == (a.size,)
    if len(shape) > 1:
        assert minigan.flatten(x, 1).shape == (shape[0], a.size // shape[0])
    assert minigan.squeeze(x).shape == np.squeeze(a).shape and minigan.unsqueeze(x, 0).shape == (1,) + shape
    assert minigan.gradcheck(lambda t: t.unsqueeze(u).squeeze(d) * t.unsqueeze(u).squeeze(d), [x])


def test_squeeze_unsqueeze_errors():
    x = minigan.zeros(2, 1)
    with pytest.raises(IndexError, match=r"dimension out of range \(expected to be in range of \[-3, 2\], but got 3\)"):
        x.unsqueeze(3)
    with pytest.raises(IndexError, match="dimension out of range"):
        x.squeeze(2)
    assert x.squeeze(0).shape == (2, 1)          # a dim that is not 1 is left alone, as in PyTorch


# Every op that takes a dimension: PyTorch's IndexError (and words) for one out of range,
# never a silent wrap-around, and a negative dimension meaning the same as its positive twin.
DIM_OPS = {
    "sum": lambda x, d: x.sum(d), "mean": lambda x, d: x.mean(dim=d), "var": lambda x, d: x.var(d),
    "std": lambda x, d: x.std(d), "norm": lambda x, d: x.norm(dim=d), "amax": lambda x, d: x.amax(d),
    "amin": lambda x, d: x.amin(d), "argmax": lambda x, d: x.argmax(d), "argmin": lambda x, d: x.argmin(d),
    "max": lambda x, d: x.max(d).values, "min": lambda x, d: x.min(d).values,
    "size": lambda x, d: minigan.tensor(float(x.size(d))), "flatten": lambda x, d: x.flatten(d),
    "transpose": lambda x, d: x.transpose(d, 0), "cat": lambda x, d: minigan.cat([x, x], d),
    "stack": lambda x, d: minigan.stack([x, x], d), "unsqueeze": lambda x, d: x.unsqueeze(d),
    "softmax": lambda x, d: minigan.functional.softmax(x, dim=d),
    "log_softmax": lambda x, d: minigan.functional.log_softmax(x, dim=d),
}
NEW_DIM = {"stack", "unsqueeze"}            # these name a place for a new dimension: ndim + 1 of them


@FAST
@given(data=st.data(), shape=shapes(min_dims=1, max_dims=3), op=st.sampled_from(sorted(DIM_OPS)))
def test_every_dim_argument_is_checked_as_pytorch_does(data, shape, op):
    x = minigan.tensor(data.draw(float64_arrays(shape)))
    n = len(shape) + (op in NEW_DIM)
    d = data.draw(st.integers(-n, n - 1))
    assert np.array_equal(DIM_OPS[op](x, d).numpy(), DIM_OPS[op](x, d % n).numpy(), equal_nan=True)  # var of one value: nan
    bad = data.draw(st.sampled_from([n, n + 1, -n - 1, -n - 2]))
    with pytest.raises(IndexError, match=rf"dimension out of range \(expected to be in range of "
                                         rf"\[{-n}, {n - 1}\], but got {bad}\)"):
        DIM_OPS[op](x, bad)


def test_dim_argument_type_repeats_and_flatten_order():
    x = minigan.zeros(2, 3, 4)
    with pytest.raises(TypeError, match="must be an int, got 1.0"):
        x.sum(1.0)
    with pytest.raises(ValueError, match="dim 0 appears multiple times"):
        x.sum((0, -3))
    with pytest.raises(ValueError, match="start_dim"):
        x.flatten(2, 1)
    assert x.sum((0, -1)).shape == (3,) and x.flatten(-2).shape == (2, 12)
    assert minigan.tensor(5.0).sum(-1).shape == () and minigan.tensor(5.0).flatten().shape == (1,)


@FAST
@given(data=st.data(), shape=shapes(min_dims=1, max_dims=3))
def test_expand_and_repeat_values_and_gradcheck(data, shape):
    a = data.draw(float64_arrays(shape))
    x = leaf(a)
    target = tuple(data.draw(st.integers(1, 3)) if n == 1 else n for n in shape)
    lead = data.draw(st.integers(0, 2))
    sizes = (2,) * lead + target
    np.testing.assert_array_equal(x.expand(*sizes).numpy(), np.broadcast_to(a, sizes))
    np.testing.assert_array_equal(x.expand(sizes[:lead] + (-1,) * len(shape)).numpy(),
                                  np.broadcast_to(a, sizes[:lead] + shape))
    reps = tuple(data.draw(st.integers(1, 3)) for _ in range(lead + len(shape)))
    np.testing.assert_array_equal(x.repeat(*reps).numpy(), np.tile(a, reps))
    assert minigan.gradcheck(lambda t: t.expand(*sizes) * 1.5, [x])
    assert minigan.gradcheck(lambda t: t.repeat(reps) * t.repeat(reps), [x])


def test_expand_repeat_errors_and_integers():
    with pytest.raises(ValueError, match=r"expanded size 3 must match the existing size 2 at dimension 0"):
        minigan.zeros(2, 1).expand(3, 4)
    with pytest.raises(ValueError, match="at least the number of dimensions"):
        minigan.zeros(2, 1).repeat(2)
    labels = minigan.tensor([1, 2])
    np.testing.assert_array_equal(labels.repeat(2).numpy(), [1, 2, 1, 2])
    assert labels.unsqueeze(1).expand(2, 3).dtype == np.int64


def test_clone_copies_and_keeps_the_graph():
    x = minigan.tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    assert c.array is not x.array and c.grad_fn is not None
    (c * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])
    c2 = x.detach().clone()
    c2[0] = 9.0
    assert x.numpy()[0] == 1.0
    assert minigan.gradcheck(lambda t: minigan.clone(t) * t, [leaf([0.5, -1.0])])


def test_t_view_as_type_as_numel():
    a = np.arange(6.0).reshape(2, 3)
    x = minigan.tensor(a)
    np.testing.assert_array_equal(x.t().numpy(), a.T)
    np.testing.assert_array_equal(minigan.t(x).numpy(), a.T)
    v = minigan.tensor([1.0, 2.0])
    assert v.t() is v
    with pytest.raises(ValueError, match=r"t\(\) expects a tensor with <= 2 dimensions"):
        minigan.zeros(1, 2, 3).t()
    assert x.view_as(minigan.zeros(3, 2)).shape == (3, 2)
    assert x.type_as(minigan.zeros(1, dtype=minigan.float32)).dtype == np.float32
    assert x.numel() == 6 and minigan.numel(x) == 6


# ----------------------------------------------------------------------------- reductions
@FAST
@given(data=st.data(), shape=shapes(min_dims=1), keepdim=st.booleans(), unbiased=st.booleans())
def test_var_std_values_and_gradcheck(data, shape, keepdim, unbiased):
    a = data.draw(float64_arrays(shape))
    x = leaf(a)
    dim = data.draw(dims_of(shape))
    ddof = int(unbiased)
    with np.errstate(divide="ignore", invalid="ignore"):
        np.testing.assert_allclose(x.var().numpy(), np.var(a, ddof=1), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(x.var(dim, unbiased=unbiased, keepdim=keepdim).numpy(),
                                   np.var(a, axis=dim, ddof=ddof, keepdims=keepdim), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(x.std(dim, correction=0).numpy(), np.std(a, axis=dim), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(minigan.std(x, False).numpy(), np.std(a), rtol=1e-12, atol=1e-12)
    if a.shape[dim] > 1:
        assert minigan.gradcheck(lambda t: t.var(dim, unbiased=unbiased, keepdim=keepdim), [x])
    if a.size > 1 and np.var(a) > 1e-3:
        assert minigan.gradcheck(lambda t: t.std(), [x])


def test_var_default_is_unbiased_as_in_pytorch():
    x = minigan.tensor([1.0, 2.0, 3.0, 4.0])
    assert x.var().item() == pytest.approx(5.0 / 3.0)
    assert x.var(unbiased=False).item() == pytest.approx(1.25)
    assert np.isnan(minigan.tensor([1.0]).var().item())          # N - 1 = 0, as in PyTorch
    with pytest.raises(TypeError, match="not both"):
        x.var(unbiased=True, correction=0)


@FAST
@given(data=st.data(), shape=shapes(min_dims=1), keepdim=st.booleans(),
       p=st.sampled_from([1, 2, 3, "fro", float("inf")]))
def test_norm_values_and_gradcheck(data, shape, keepdim, p):
    a = data.draw(float64_arrays(shape, min_abs=0.1))
    x = leaf(a)
    dim = data.draw(dims_of(shape))
    order = 2 if p == "fro" else p
    expected = np.linalg.norm(a.reshape(-1), ord=order)
    np.testing.assert_allclose(x.norm(p).numpy(), expected, rtol=1e-12)
    along = np.apply_along_axis(lambda v: np.linalg.norm(v, ord=order), dim, a)
    if keepdim:
        along = np.expand_dims(along, dim)
    np.testing.assert_allclose(minigan.norm(x, p, dim, keepdim).numpy(), along, rtol=1e-12)
    if p != float("inf") or a.size == 1 or np.diff(np.sort(np.abs(a).ravel())).min() > 1e-4:   # inf: no ties
        assert minigan.gradcheck(lambda t: t.norm(p, dim=dim, keepdim=keepdim), [x])
    assert x.norm().item() == pytest.approx(np.sqrt((a * a).sum()))           # default p = 2


@FAST
@given(data=st.data(), shape=shapes(min_dims=1), keepdim=st.booleans())
def test_max_min_argmax_values_and_gradcheck(data, shape, keepdim):
    a = data.draw(float64_arrays(shape))
    x = leaf(a)
    dim = data.draw(dims_of(shape))
    assert x.max().item() == a.max() and x.min().item() == a.min()
    assert x.argmax().item() == np.argmax(a) and minigan.argmin(x).item() == np.argmin(a)
    values, indices = x.max(dim, keepdim=keepdim)
    np.testing.assert_array_equal(values.numpy(), np.max(a, axis=dim, keepdims=keepdim))
    np.testing.assert_array_equal(indices.numpy(), np.argmax(a, axis=dim) if not keepdim
                                  else np.expand_dims(np.argmax(a, axis=dim), dim))
    assert indices.dtype == np.int64
    res = minigan.min(x, dim=dim)
    np.testing.assert_array_equal(res.values.numpy(), np.min(a, axis=dim))
    np.testing.assert_array_equal(res.indices.numpy(), np.argmin(a, axis=dim))
    np.testing.assert_array_equal(x.argmax(dim, keepdim=keepdim).numpy(), indices.numpy())
    if a.size == 1 or np.diff(np.sort(a.ravel())).min() > 1e-4:    # finite differences need no (near) ties
        assert minigan.gradcheck(lambda t: t.max(dim, keepdim=keepdim).values, [x])
        assert minigan.gradcheck(lambda t: t.min(dim).values * t.max(), [x])
        assert minigan.gradcheck(lambda t: t.amax(dim) - t.amin(), [x])


def test_max_ties_share_the_gradient_evenly_and_with_dim_go_to_the_index():
    x = minigan.tensor([3.0, 1.0, 3.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.5, 0.0, 0.5])            # PyTorch's rule
    y = minigan.tensor([[3.0, 1.0, 3.0]], requires_grad=True)
    v, i = y.max(1)
    v.sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [[1.0, 0.0, 0.0]])
    assert i.item() == 0
    z = minigan.tensor([-np.inf, 2.0, 1.0], requires_grad=True)
    m = z.amax()
    assert m.item() == 2.0                                  # no 0 * inf = nan
    m.backward()
    np.testing.assert_array_equal(z.grad.numpy(), [0.0, 1.0, 0.0])


def test_max_of_two_tensors_and_of_integers():
    a, b = minigan.tensor([1.0, 5.0]), minigan.tensor([3.0, 2.0])
    np.testing.assert_array_equal(minigan.max(a, b).numpy(), [3.0, 5.0])
    np.testing.assert_array_equal(minigan.min(a, b).numpy(), [1.0, 2.0])
    labels = minigan.tensor([[3, 1], [0, 4]])
    assert labels.max().item() == 4 and labels.max(1).indices.numpy().tolist() == [0, 1]
    with pytest.raises(ValueError, match="empty"):
        minigan.zeros(0).max()


def test_accuracy_idiom_with_integer_labels():
    logits = minigan.tensor([[0.1, 2.0], [3.0, -1.0], [0.0, 0.5]])
    labels = minigan.tensor([1, 0, 0])
    correct = (logits.argmax(1) == labels).sum()
    assert correct.dtype == np.int64 and correct.item() == 2
    assert (logits.argmax(dim=1) == labels).float().mean().item() == pytest.approx(2 / 3)


# ----------------------------------------------------------------------------- elementwise and selection
@FAST
@given(data=st.data(), shape=shapes())
def test_where_values_and_gradcheck(data, shape):
    a = data.draw(float64_arrays(shape))
    b = data.draw(float64_arrays(shape))
    x, y = leaf(a), leaf(b)
    cond = x > y
    np.testing.assert_array_equal(minigan.where(cond, x, y).numpy(), np.where(a > b, a, b))
    np.testing.assert_array_equal(minigan.where(cond, x, 0.0).numpy(), np.where(a > b, a, 0.0))
    np.testing.assert_array_equal(minigan.where(cond, 1.0, y).numpy(), np.where(a > b, 1.0, b))
    assert minigan.gradcheck(lambda s, t: minigan.where(cond, s * t, t - s), [x, y])


def test_where_broadcasts_errors_and_index_form():
    x = minigan.tensor([[1.0, -2.0], [3.0, -4.0]], requires_grad=True)
    b = minigan.tensor([10.0, 20.0], requires_grad=True)
    out = minigan.where(x > 0, x, b)
    np.testing.assert_array_equal(out.numpy(), [[1.0, 20.0], [3.0, 20.0]])
    out.sum().backward()
    np.testing.assert_array_equal(b.grad.numpy(), [0.0, 2.0])
    with pytest.raises(TypeError, match="condition must be a boolean tensor"):
        minigan.where(x, x, b)
    rows, cols = minigan.where(x > 0)
    assert rows.numpy().tolist() == [0, 1] and cols.numpy().tolist() == [0, 0]
    z = minigan.tensor([-np.inf, 1.0], requires_grad=True)
    minigan.where(z > 0, z, minigan.zeros(2)).sum().backward()            # no 0 * inf
    np.testing.assert_array_equal(z.grad.numpy(), [0.0, 1.0])


def test_isfinite_allclose_pow_and_arithmetic_methods():
    x = minigan.tensor([1.0, np.inf, np.nan, -2.0])
    np.testing.assert_array_equal(x.isfinite().numpy(), [True, False, False, True])
    np.testing.assert_array_equal(minigan.isfinite(x).numpy(), [True, False, False, True])
    a = minigan.tensor([1.0, 2.0])
    assert minigan.allclose(a, a + 1e-9) and not minigan.allclose(a, a + 1e-3)
    assert minigan.allclose(a, a * 1.001, rtol=1e-2)
    np.testing.assert_array_equal(a.pow(2).numpy(), [1.0, 4.0])
    np.testing.assert_array_equal(minigan.pow(a, 3).numpy(), [1.0, 8.0])
    np.testing.assert_array_equal(a.add(a, alpha=2).numpy(), [3.0, 6.0])
    np.testing.assert_array_equal(a.sub(1.0).numpy(), [0.0, 1.0])
    np.testing.assert_array_equal(minigan.mul(a, a).numpy(), [1.0, 4.0])
    np.testing.assert_array_equal(minigan.div(a, 2).numpy(), [0.5, 1.0])
    np.testing.assert_array_equal(minigan.add(a, 1.0).numpy(), [2.0, 3.0])


# ----------------------------------------------------------------------------- top-level forms
@FAST
@given(data=st.data(), shape=shapes(min_dims=1))
def test_function_forms_match_the_methods(data, shape):
    a = data.draw(float64_arrays(shape, low=0.1, high=2.0))
    x = leaf(a)
    pairs = [
        (minigan.mean(x), np.mean(a)), (minigan.mean(x, dim=0), np.mean(a, axis=0)),
        (minigan.sum(x, 0, keepdim=True), np.sum(a, axis=0, keepdims=True)),
        (minigan.exp(x), np.exp(a)), (minigan.log(x), np.log(a)), (minigan.sqrt(x), np.sqrt(a)),
        (minigan.abs(-x), a), (minigan.sigmoid(x), 1 / (1 + np.exp(-a))), (minigan.tanh(x), np.tanh(a)),
        (minigan.clamp(x, 0.5, 1.5), np.clip(a, 0.5, 1.5)), (minigan.clamp(x, min=1.0), np.maximum(a, 1.0)),
        (minigan.cat([x, x], 0), np.concatenate([a, a], 0)), (minigan.stack([x, x], 1), np.stack([a, a], 1)),
        (minigan.cat([x, x], dim=-1), np.concatenate([a, a], -1)),
        (minigan.argmax(x), np.argmax(a)), (minigan.relu(x - 1), np.maximum(a - 1, 0)),
    ]
    for got, expected in pairs:
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-6)
    assert minigan.gradcheck(lambda t: minigan.tanh(minigan.exp(t) * minigan.log(t)).sum(0), [x])


def test_function_forms_need_a_tensor_and_the_grad_mode_names_exist():
    with pytest.raises(TypeError, match=r"minigan.mean\(\) expects a Tensor"):
        minigan.mean([1.0, 2.0])
    with minigan.no_grad():
        assert not (minigan.tensor([1.0], requires_grad=True) * 2).requires_grad
    minigan.manual_seed(5)
    a = minigan.randn(3)
    minigan.manual_seed(5)
    np.testing.assert_array_equal(minigan.randn(3).numpy(), a.numpy())
    assert minigan.is_tensor(a) and minigan.numel(a) == 3


def test_stack_of_different_shapes_is_an_error_and_cat_of_integers_works():
    with pytest.raises(ValueError, match="stack expects each tensor to be equal size"):
        minigan.stack([minigan.zeros(2), minigan.zeros(3)])
    out = minigan.cat([minigan.tensor([1, 2]), minigan.tensor([3])])
    assert out.dtype == np.int64 and out.numpy().tolist() == [1, 2, 3]


def test_indexing_with_integer_tensors_and_comparisons():
    x = minigan.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=True)
    idx = minigan.tensor([2, 0, 2])
    picked = x[idx]
    np.testing.assert_array_equal(picked.numpy(), [[5.0, 6.0], [1.0, 2.0], [5.0, 6.0]])
    picked.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1.0, 1.0], [0.0, 0.0], [2.0, 2.0]])
    labels = minigan.tensor([0, 3, 1])
    assert (labels == 3).numpy().tolist() == [False, True, False]
    assert (labels >= 1).sum().item() == 2
    one_hot = minigan.zeros(3, 4)
    one_hot[minigan.arange(3), labels] = 1.0
    np.testing.assert_array_equal(one_hot.numpy(), np.eye(4, dtype=np.float32)[[0, 3, 1]])


# ----------------------------------------------------------------------------- more of PyTorch's names
@FAST
@given(data=st.data(), shape=shapes(min_dims=1, max_dims=3))
def test_chunk_and_split_follow_pytorchs_sizes_and_pass_gradients(data, shape):
    a = data.draw(float64_arrays(shape))
    d = data.draw(dims_of(shape))
    n = shape[d]
    chunks = data.draw(st.integers(1, n + 2))
    x = leaf(a)
    pieces = x.chunk(chunks, d)
    size = -(-n // chunks)                    # PyTorch: ceil(n / chunks) each, the last shorter
    assert [p.shape[d] for p in pieces] == [min(size, n - s) for s in range(0, n, size)]
    assert np.array_equal(np.concatenate([p.numpy() for p in pieces], axis=d), a)
    sizes = data.draw(st.lists(st.integers(0, n), min_size=1, max_size=3).filter(lambda s: sum(s) <= n))
    sizes = sizes + [n - sum(sizes)]
    parts = minigan.split(x, sizes, dim=d)
    assert [p.shape[d] for p in parts] == sizes
    assert np.array_equal(np.concatenate([p.numpy() for p in parts], axis=d), a)
    weights = [float(i + 1) for i in range(len(sizes))]
    assert minigan.gradcheck(lambda t: sum(w * (p * p).sum() for w, p in zip(weights, t.split(sizes, d))), [x])


def test_split_chunk_errors():
    x = minigan.zeros(5, 3)
    with pytest.raises(ValueError, match="adding up to the length 5"):
        x.split([1, 1])
    with pytest.raises(ValueError, match="positive int"):
        x.chunk(0)
    with pytest.raises(IndexError, match="dimension out of range"):
        x.split(2, dim=2)


@FAST
@given(data=st.data(), shape=shapes(min_dims=2, max_dims=3))
def test_contiguous_masked_fill_and_comparison_methods(data, shape):
    a = data.draw(float64_arrays(shape))
    x = leaf(a)
    t = x.transpose(0, 1)
    c = t.contiguous()
    assert c.array.flags.c_contiguous and np.array_equal(c.numpy(), a.swapaxes(0, 1))
    assert x.contiguous() is x                # already row-major: itself, as PyTorch
    assert minigan.gradcheck(lambda v: (v.transpose(0, 1).contiguous() ** 2).sum(), [x])
    mask = a > 0
    assert np.array_equal(x.masked_fill(minigan.tensor(mask), -1.0).numpy(), np.where(mask, -1.0, a))
    assert minigan.gradcheck(lambda v: (v.masked_fill(minigan.tensor(mask), 2.0) ** 2).sum(), [x])
    for name, op in (("eq", np.equal), ("ne", np.not_equal), ("lt", np.less), ("le", np.less_equal),
                     ("gt", np.greater), ("ge", np.greater_equal)):
        assert np.array_equal(getattr(x, name)(0.5).numpy(), op(a, 0.5))
    assert x.gt(0).all(dim=0).shape == shape[1:] and x.gt(0).any(dim=(0, 1), keepdim=True).shape[:2] == (1, 1)
    assert (x.gt(0).all()).item() == bool(mask.all()) and (x.gt(0).any()).item() == bool(mask.any())


def test_mm_bmm_eye_and_nn_functional():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4, 5))
    assert np.allclose(minigan.bmm(leaf(a), leaf(b)).numpy(), a @ b)
    assert np.allclose(minigan.mm(leaf(a[0]), leaf(b[0])).numpy(), a[0] @ b[0])
    with pytest.raises(ValueError, match="mm: self must be a matrix"):
        minigan.mm(leaf(a), leaf(b[0]))
    with pytest.raises(ValueError, match="bmm: expected two 3-D tensors"):
        minigan.bmm(leaf(a), leaf(b[:1]))
    with pytest.raises(TypeError, match="mm: mat2 must be a Tensor, got ndarray"):
        minigan.mm(leaf(a[0]), b[0])
    assert np.array_equal(minigan.eye(3).numpy(), np.eye(3)) and minigan.eye(2, 3).shape == (2, 3)
    assert minigan.eye(2).dtype == minigan.float32
    import minigan.nn as nn
    assert nn.functional.one_hot is minigan.functional.one_hot   # reachable as PyTorch's nn.functional


def test_factories_take_pytorchs_size_keyword():
    for make in (minigan.zeros, minigan.ones, minigan.empty, minigan.randn, minigan.rand):
        assert make(size=(2, 3)).shape == (2, 3) and make(size=4).shape == (4,)
        assert make(2, 3).shape == make((2, 3)).shape == (2, 3)
        with pytest.raises(TypeError, match="shape twice"):
            make(2, size=(2,))
    assert np.array_equal(minigan.zeros(size=[2, 2]).numpy(), np.zeros((2, 2)))


def test_abs_builtin_is_the_method_and_passes_gradients():
    x = leaf(np.array([-2.0, 0.5, 3.0]))
    assert np.array_equal(abs(x).numpy(), [2.0, 0.5, 3.0])
    assert minigan.gradcheck(lambda t: abs(t) * t, [x])
