"""batch_norm, BatchNorm1d and BatchNorm2d: values, closed-form gradients, running statistics,
eval mode, buffers, printouts, dtypes and error messages."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigan
import minigan.functional as F
import minigan.nn as nn
from minigan import gradcheck, tensor
from minigan.backend import cupy_available

SETTINGS = dict(max_examples=25, deadline=None)


def reference(x, mean, var, w, b, eps=1e-5):
    shape = (1, -1) + (1,) * (x.ndim - 2)
    out = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    if w is not None:
        out = out * w.reshape(shape)
    if b is not None:
        out = out + b.reshape(shape)
    return out


@st.composite
def bn_cases(draw):
    ndim = draw(st.sampled_from([2, 3, 4]))
    n = draw(st.integers(1, 4))
    c = draw(st.integers(1, 3))
    spatial = tuple(draw(st.integers(1, 3)) for _ in range(ndim - 2))
    if n * int(np.prod(spatial)) < 2:        # training needs more than one value per channel
        n = 2
    return dict(shape=(n, c) + spatial, affine=draw(st.booleans()), seed=draw(st.integers(0, 2 ** 31 - 1)))


def _arrays(case):
    rng = np.random.default_rng(case["seed"])
    c = case["shape"][1]
    x = rng.standard_normal(case["shape"]) * 2 + 0.5
    w = rng.standard_normal(c) + 1 if case["affine"] else None
    b = rng.standard_normal(c) if case["affine"] else None
    rm, rv = rng.standard_normal(c), rng.random(c) + 0.5
    return x, w, b, rm, rv


def _leaves(x, w, b):
    ts = [tensor(x, requires_grad=True)]
    if w is not None:
        ts += [tensor(w, requires_grad=True), tensor(b, requires_grad=True)]
    return ts


@settings(**SETTINGS)
@given(bn_cases())
def test_training_gradcheck(case):
    x, w, b, rm, rv = _arrays(case)
    running = (tensor(rm), tensor(rv))

    def f(x, w=None, b=None):
        return F.batch_norm(x, *running, w, b, training=True)
    assert gradcheck(f, _leaves(x, w, b))


@settings(**SETTINGS)
@given(bn_cases())
def test_eval_gradcheck(case):
    x, w, b, rm, rv = _arrays(case)
    running = (tensor(rm), tensor(rv))

    def f(x, w=None, b=None):
        return F.batch_norm(x, *running, w, b, training=False)
    assert gradcheck(f, _leaves(x, w, b))


@settings(**SETTINGS)
@given(bn_cases())
def test_values_in_both_modes(case):
    x, w, b, rm, rv = _arrays(case)
    axes = (0,) + tuple(range(2, x.ndim))
    wt, bt = (None, None) if w is None else (tensor(w), tensor(b))
    out = F.batch_norm(tensor(x), None, None, wt, bt, training=True)
    np.testing.assert_allclose(out.numpy(), reference(x, x.mean(axes), x.var(axes), w, b), rtol=1e-10, atol=1e-10)
    out = F.batch_norm(tensor(x), tensor(rm), tensor(rv), wt, bt, training=False)
    np.testing.assert_allclose(out.numpy(), reference(x, rm, rv, w, b), rtol=1e-12, atol=1e-12)


def test_training_output_is_normalised_per_channel():
    rng = np.random.default_rng(0)
    x = tensor(rng.standard_normal((8, 3, 5, 5)) * np.array([1, 10, 0.1]).reshape(1, 3, 1, 1) + 7)
    y = F.batch_norm(x, None, None, training=True, eps=0.0 + 1e-12).numpy()
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1, rtol=1e-9)


def test_running_statistics_after_several_steps_match_a_hand_computation():
    rng = np.random.default_rng(1)
    bn = nn.BatchNorm2d(3, momentum=0.2).double()
    mean, var = np.zeros(3), np.ones(3)
    batches = [rng.standard_normal((4, 3, 2, 5)) * (i + 1) + i for i in range(4)]
    for i, xb in enumerate(batches):
        bn(tensor(xb))
        n = 4 * 2 * 5
        bm, bv = xb.mean(axis=(0, 2, 3)), xb.var(axis=(0, 2, 3))          # biased
        mean = 0.8 * mean + 0.2 * bm
        var = 0.8 * var + 0.2 * bv * n / (n - 1)                         # unbiased in the running one
        np.testing.assert_allclose(bn.running_mean.numpy(), mean, rtol=1e-12)
        np.testing.assert_allclose(bn.running_var.numpy(), var, rtol=1e-12)
        assert int(bn.num_batches_tracked.item()) == i + 1
    # eval mode normalises with them and leaves them (and the counter) alone
    bn.eval()
    x = rng.standard_normal((2, 3, 2, 2))
    out = bn(tensor(x)).numpy()
    np.testing.assert_allclose(out, reference(x, mean, var, np.ones(3), np.zeros(3)), rtol=1e-12)
    np.testing.assert_allclose(bn.running_mean.numpy(), mean, rtol=1e-12)
    assert int(bn.num_batches_tracked.item()) == 4


def test_momentum_none_is_a_cumulative_average():
    rng = np.random.default_rng(2)
    bn = nn.BatchNorm1d(2, momentum=None).double()
    xs = [rng.standard_normal((5, 2)) + k for k in range(3)]
    for x in xs:
        bn(tensor(x))
    np.testing.assert_allclose(bn.running_mean.numpy(), np.mean([x.mean(0) for x in xs], axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var.numpy(), np.mean([x.var(0, ddof=1) for x in xs], axis=0), rtol=1e-12)


def test_without_running_stats_always_uses_the_batch():
    bn = nn.BatchNorm1d(3, affine=False, track_running_stats=False).double()
    assert bn.running_mean is None and bn.weight is None and list(bn.state_dict()) == []
    x = np.random.default_rng(3).standard_normal((6, 3, 4))
    bn.eval()
    np.testing.assert_allclose(bn(tensor(x)).numpy(), reference(x, x.mean((0, 2)), x.var((0, 2)), None, None),
                               rtol=1e-12)


def test_backward_in_eval_mode_is_the_affine_map():
    rng = np.random.default_rng(4)
    x = tensor(rng.standard_normal((3, 2, 2, 2)), requires_grad=True)
    w = tensor(np.array([2.0, -3.0]), requires_grad=True)
    rv = np.array([3.0, 0.5])
    out = F.batch_norm(x, tensor(np.array([1.0, -1.0])), tensor(rv), w, None, training=False)
    out.sum().backward()
    expected = (w.numpy() / np.sqrt(rv + 1e-5)).reshape(1, 2, 1, 1) * np.ones(x.shape)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12)


def test_gradients_of_the_training_mode_sum_vanish():
    # sum(xhat) = 0 for every batch, so d(sum out)/dx = 0 and d/dweight = 0; d/dbias = n
    x = tensor(np.random.default_rng(5).standard_normal((4, 3, 2, 2)), requires_grad=True)
    w, b = tensor(np.ones(3) * 2, requires_grad=True), tensor(np.zeros(3), requires_grad=True)
    F.batch_norm(x, None, None, w, b).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 0, atol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), 0, atol=1e-12)
    np.testing.assert_array_equal(b.grad.numpy(), [16, 16, 16])


def test_channels_last_input_gives_the_same_result():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((4, 3, 5, 6))
    xl = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    g = rng.standard_normal(x.shape)
    grads = []
    for arr in (x, xl):
        t = tensor(arr, requires_grad=True)
        F.batch_norm(t, None, None, training=True).backward(tensor(g))
        grads.append(t.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("training", [True, False])
def test_float32_in_float32_out(training):
    rng = np.random.default_rng(7)
    bn = nn.BatchNorm2d(4)
    bn.train(training)
    x = tensor(rng.standard_normal((3, 4, 5, 5)).astype(np.float32), requires_grad=True)
    out = bn(x)
    assert out.dtype == np.float32
    out.backward(tensor(rng.standard_normal(out.shape).astype(np.float32)))
    assert x.grad.dtype == bn.weight.grad.dtype == bn.bias.grad.dtype == np.float32
    assert bn.running_mean.dtype == bn.running_var.dtype == np.float32
    assert bn.num_batches_tracked.dtype == np.int64


def test_printouts_state_dict_and_buffers():
    bn = nn.BatchNorm2d(128)
    assert repr(bn) == "BatchNorm2d(128, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)"
    assert repr(nn.BatchNorm1d(10, eps=1e-3, momentum=None, affine=False)) == \
        "BatchNorm1d(10, eps=0.001, momentum=None, affine=False, track_running_stats=True)"
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert [n for n, _ in bn.named_parameters()] == ["weight", "bias"]
    np.testing.assert_array_equal(bn.weight.numpy(), np.ones(128))
    np.testing.assert_array_equal(bn.bias.numpy(), np.zeros(128))
    np.testing.assert_array_equal(bn.running_var.numpy(), np.ones(128))
    # the buffers travel with the module and survive a state_dict round trip
    other = nn.BatchNorm2d(128)
    bn(tensor(np.random.default_rng(0).standard_normal((2, 128, 2, 2)).astype(np.float32)))
    other.load_state_dict(bn.state_dict())
    np.testing.assert_array_equal(other.running_mean.numpy(), bn.running_mean.numpy())
    assert int(other.num_batches_tracked.item()) == 1


# --------------------------------------------------------------------------- error messages
def test_wrong_ndim_and_channels():
    bn = nn.BatchNorm2d(64)
    with pytest.raises(ValueError) as e:
        bn(minigan.zeros(8, 64))
    assert str(e.value) == ("BatchNorm2d(64, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True): "
                            "expected a 4-D input (N, C, H, W) with C = 64, got a 2-D input of shape (8, 64)")
    with pytest.raises(ValueError, match=r"input of shape \(8, 32, 4, 4\) has 32 channels, expected 64"):
        bn(minigan.zeros(8, 32, 4, 4))
    with pytest.raises(ValueError, match=r"BatchNorm1d\(5.*expected a 2-D \(N, C\) or 3-D \(N, C, L\) input with "
                                         r"C = 5, got a 4-D input of shape \(2, 5, 3, 3\)"):
        nn.BatchNorm1d(5)(minigan.zeros(2, 5, 3, 3))


def test_single_value_per_channel_and_bad_arguments():
    with pytest.raises(ValueError, match=r"more than 1 value per channel when training, got input of shape \(1, 3\)"):
        nn.BatchNorm1d(3)(minigan.zeros(1, 3))
    with pytest.raises(ValueError, match=r"batch_norm: running_mean must have shape \(3,\) .*got \(4,\)"):
        F.batch_norm(minigan.zeros(2, 3), minigan.zeros(4), minigan.ones(4))
    with pytest.raises(ValueError, match="evaluation mode .* running_mean and running_var are None"):
        F.batch_norm(minigan.zeros(2, 3), None, None, training=False)
    with pytest.raises(TypeError, match="running_mean is float64 but the input is float32"):
        F.batch_norm(minigan.zeros(2, 3), minigan.zeros(3, dtype="float64"), minigan.ones(3, dtype="float64"))


# --------------------------------------------------------------------------- CuPy
@pytest.mark.cupy
@pytest.mark.skipif(not cupy_available(), reason="CuPy with a working NVIDIA GPU is not available here")
@pytest.mark.parametrize("training", [True, False])
def test_cupy_matches_numpy_forward_and_backward(training):
    rng = np.random.default_rng(9)
    for shape in [(16, 8), (32, 256, 7, 7), (8, 3, 5, 4)]:
        c = shape[1]
        x = (rng.standard_normal(shape) * 3 + 1).astype(np.float32)
        w = (rng.standard_normal(c) + 1).astype(np.float32)
        b = rng.standard_normal(c).astype(np.float32)
        rm, rv = rng.standard_normal(c).astype(np.float32), (rng.random(c) + 0.5).astype(np.float32)
        g = rng.standard_normal(shape).astype(np.float32)
        results = []
        for be in ("numpy", "cupy"):
            ts = [minigan.tensor(a, device=be, requires_grad=True) for a in (x, w, b)]
            running = [minigan.tensor(a).to(be) for a in (rm, rv)]
            out = F.batch_norm(ts[0], *running, ts[1], ts[2], training=training)
            out.backward(minigan.tensor(g).to(be))
            assert out.backend == be and out.dtype == np.float32
            results.append([out.numpy()] + [t.grad.numpy() for t in ts] + [r.numpy() for r in running])
        for a, cu in zip(*results):
            assert cu.dtype == np.float32
            np.testing.assert_allclose(cu, a, rtol=1e-5, atol=1e-5 * np.abs(a).max())
