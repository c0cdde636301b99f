"""Dropout, Dropout2d, Embedding, one_hot and nearest Upsample/interpolate: values against loops
and NumPy, gradients against finite differences, train/eval behaviour, seeding, errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigan
import minigan.functional as F
import minigan.nn as nn
from minigan import gradcheck, gradgradcheck, tensor

SETTINGS = dict(max_examples=20, deadline=None)


def test_dropout_train_eval_scaling_and_seed():
    x = minigan.ones(10000)
    d = nn.Dropout(0.3)
    minigan.manual_seed(5)
    a = d(x).numpy()
    minigan.manual_seed(5)
    assert np.array_equal(a, d(x).numpy())
    assert set(np.unique(a)) == {0.0, np.float32(1 / 0.7)}
    assert abs((a == 0).mean() - 0.3) < 0.02
    assert d.eval()(x) is x
    with pytest.raises(ValueError, match="probability"):
        nn.Dropout(1.5)


def test_dropout2d_zeroes_whole_channels():
    minigan.manual_seed(0)
    out = nn.Dropout2d(0.5)(minigan.ones(8, 16, 3, 3)).numpy()
    per_channel = out.reshape(8, 16, 9)
    assert np.all((per_channel == per_channel[..., :1]))               # one decision per channel
    assert set(np.unique(per_channel)) == {0.0, 2.0}


@settings(**SETTINGS)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple), st.sampled_from([0.2, 0.5]))
def test_dropout_gradient_is_the_mask(shape, p):
    x = tensor(np.random.default_rng(0).standard_normal(shape), requires_grad=True)
    minigan.manual_seed(1)
    out = F.dropout(x, p)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy() * x.numpy(), out.numpy(), rtol=1e-12)
    seed_then = lambda x: (minigan.manual_seed(1), F.dropout(x, p))[1]   # the same mask every call
    gradcheck(seed_then, (x,))


@settings(**SETTINGS)
@given(st.integers(2, 6), st.integers(1, 4), st.lists(st.integers(1, 3), min_size=1, max_size=2).map(tuple))
def test_embedding_values_and_gradients(num, dim, idx_shape):
    rng = np.random.default_rng(0)
    w = rng.standard_normal((num, dim))
    idx = rng.integers(0, num, idx_shape)
    got = F.embedding(tensor(idx), tensor(w)).numpy()
    want = np.array([w[i] for i in idx.ravel()]).reshape(idx_shape + (dim,))
    np.testing.assert_array_equal(got, want)
    wt = tensor(w, requires_grad=True)
    gradcheck(lambda w: F.embedding(tensor(idx), w), (wt,))
    gradgradcheck(lambda w: F.embedding(tensor(idx), w) ** 2, (wt,))


def test_embedding_padding_idx_gets_no_gradient():
    e = nn.Embedding(5, 3, padding_idx=1)
    assert np.all(e.weight.numpy()[1] == 0) and repr(e) == "Embedding(5, 3, padding_idx=1)"
    e(minigan.tensor([1, 2, 1, 4])).sum().backward()
    np.testing.assert_array_equal(e.weight.grad.numpy()[:, 0], [0, 0, 1, 0, 1])
    with pytest.raises(TypeError, match="integer"):
        e(minigan.tensor([1.0]))
    with pytest.raises(IndexError, match="0..4"):
        e(minigan.tensor([5]))


def test_one_hot():
    y = minigan.tensor([[0, 3], [2, 1]])
    oh = F.one_hot(y, 5)
    assert oh.dtype == np.int64 and oh.shape == (2, 2, 5)
    np.testing.assert_array_equal(oh.numpy(), np.eye(5, dtype=np.int64)[y.numpy()])
    assert F.one_hot(minigan.tensor([0, 2])).shape == (2, 3)
    with pytest.raises(ValueError, match="0..2"):
        F.one_hot(minigan.tensor([3]), 3)


@settings(**SETTINGS)
@given(st.integers(1, 2), st.integers(1, 2), st.integers(1, 3), st.integers(1, 3), st.integers(2, 3))
def test_upsample_nearest_against_loop(n, c, h, w, s):
    x = np.random.default_rng(0).standard_normal((n, c, h, w))
    got = nn.Upsample(scale_factor=s)(tensor(x)).numpy()
    want = np.empty((n, c, h * s, w * s))
    for i in range(h * s):
        for j in range(w * s):
            want[:, :, i, j] = x[:, :, i // s, j // s]
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(F.interpolate(tensor(x), size=(h * s, w * s)).numpy(), want)
    gradcheck(lambda x: F.interpolate(x, scale_factor=s), (tensor(x, requires_grad=True),))


def test_interpolate_bilinear_and_fractional_nearest_against_loops():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 1, 3, 4))
    out = F.interpolate(tensor(x), size=(5, 7), mode="bilinear").numpy()
    want = np.empty((2, 1, 5, 7))
    for i in range(5):
        for j in range(7):
            sy, sx = max((i + 0.5) * 3 / 5 - 0.5, 0), max((j + 0.5) * 4 / 7 - 0.5, 0)
            y0, x0 = int(sy), int(sx)
            y1, x1 = min(y0 + 1, 2), min(x0 + 1, 3)
            dy, dx = sy - y0, sx - x0
            want[..., i, j] = (x[..., y0, x0] * (1 - dy) * (1 - dx) + x[..., y0, x1] * (1 - dy) * dx
                               + x[..., y1, x0] * dy * (1 - dx) + x[..., y1, x1] * dy * dx)
    np.testing.assert_allclose(out, want, rtol=1e-12)
    near = F.interpolate(tensor(x), scale_factor=1.5).numpy()          # (4, 6): floor(i * in / out)
    np.testing.assert_array_equal(near, x[:, :, [int(i * 3 / 4) for i in range(4)]][..., [int(j * 4 / 6) for j in range(6)]])
    xt = tensor(x, requires_grad=True)
    gradcheck(lambda x: F.interpolate(x, scale_factor=2, mode="bilinear"), (xt,))
    gradgradcheck(lambda x: F.interpolate(x, size=(4, 5), mode="bilinear") ** 2, (xt,))


def test_interpolate_errors():
    with pytest.raises(NotImplementedError, match="nearest"):
        nn.Upsample(scale_factor=2, mode="bicubic")
    with pytest.raises(ValueError, match="exactly one"):
        F.interpolate(minigan.zeros(1, 1, 2, 2))
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        F.interpolate(minigan.zeros(2, 2), scale_factor=2)
