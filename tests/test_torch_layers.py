"""Issue 13's nn additions: LayerNorm, MSELoss/L1Loss, Identity, ModuleList, init's Xavier and
Kaiming, Module.to/cuda/cpu/requires_grad_/zero_grad. Values against direct NumPy formulas,
gradients against finite differences (first and second)."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigan
import minigan.functional as F
import minigan.nn as nn
from minigan import gradcheck, gradgradcheck, tensor

SETTINGS = dict(max_examples=20, deadline=None)
shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)


# ----------------------------------------------------------------------------- LayerNorm
@settings(**SETTINGS)
@given(shapes, st.integers(1, 3), st.data())
def test_layer_norm_values_and_gradients(lead, k, data):
    rng = np.random.default_rng(0)
    norm_shape = tuple(data.draw(st.integers(2, 4)) for _ in range(k))
    x = rng.standard_normal(lead + norm_shape)
    w, b = rng.standard_normal(norm_shape), rng.standard_normal(norm_shape)
    # a loop over the leading index, each sample normalised on its own
    flat = x.reshape(-1, math.prod(norm_shape))
    want = np.stack([(r - r.mean()) / np.sqrt(r.var() + 1e-5) for r in flat]).reshape(x.shape) * w + b
    got = F.layer_norm(tensor(x), norm_shape, tensor(w), tensor(b))
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-10, atol=1e-12)
    xt, wt, bt = (tensor(a, requires_grad=True) for a in (x, w, b))
    gradcheck(lambda x, w, b: F.layer_norm(x, norm_shape, w, b, eps=1e-3), (xt, wt, bt))


def test_layer_norm_second_derivative():
    rng = np.random.default_rng(1)
    x = tensor(rng.standard_normal((2, 5)), requires_grad=True)
    gradgradcheck(lambda x: F.layer_norm(x, 5, eps=1e-3), (x,))


def test_layer_norm_module_defaults_and_errors():
    ln = nn.LayerNorm([3, 4])
    assert ln.weight.shape == (3, 4) and np.all(ln.weight.numpy() == 1) and np.all(ln.bias.numpy() == 0)
    assert [n for n, _ in ln.named_parameters()] == ["weight", "bias"]
    assert repr(ln) == "LayerNorm((3, 4), eps=1e-05, elementwise_affine=True)"
    plain = nn.LayerNorm(4, elementwise_affine=False)
    assert list(plain.parameters()) == []
    x = minigan.randn(2, 4)
    out = plain(x).numpy()
    np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-6)
    with pytest.raises(ValueError, match="last dimensions"):
        ln(minigan.randn(2, 4, 3))


# ----------------------------------------------------------------------------- regression losses
@settings(**SETTINGS)
@given(shapes, st.sampled_from(["mean", "sum", "none"]))
def test_mse_and_l1_values_and_gradients(shape, reduction):
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal(shape), rng.standard_normal(shape)
    red = {"mean": np.mean, "sum": np.sum, "none": lambda v: v}[reduction]
    np.testing.assert_allclose(F.mse_loss(tensor(a), tensor(b), reduction).numpy(), red((a - b) ** 2), rtol=1e-12)
    np.testing.assert_allclose(F.l1_loss(tensor(a), tensor(b), reduction).numpy(), red(np.abs(a - b)), rtol=1e-12)
    np.testing.assert_allclose(nn.MSELoss(reduction=reduction)(tensor(a), tensor(b)).numpy(),
                               red((a - b) ** 2), rtol=1e-12)
    at = tensor(a, requires_grad=True)
    gradcheck(lambda x: F.mse_loss(x, tensor(b), reduction), (at,))
    gradcheck(lambda x: F.l1_loss(x, tensor(b), reduction), (at,))


def test_regression_loss_errors():
    with pytest.raises(ValueError, match="same shape"):
        F.mse_loss(minigan.zeros(3), minigan.zeros(3, 1))
    with pytest.raises(ValueError, match="reduction"):
        nn.L1Loss(reduction="avg")


# ----------------------------------------------------------------------------- Identity, ModuleList
def test_identity_and_module_list():
    x = minigan.randn(2, 3)
    assert nn.Identity(54, unused=1)(x) is x

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(3, 3) for _ in range(2)])
            self.layers.append(nn.Linear(3, 1))

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

    net = Net()
    assert len(net.layers) == 3 and len(list(net.parameters())) == 6
    assert "layers.2.weight" in net.state_dict()
    assert net(x).shape == (2, 1)
    assert isinstance(net.layers[-1], nn.Linear) and len(net.layers[:2]) == 2
    with pytest.raises(TypeError, match="Modules"):
        net.layers.append(3)


# ----------------------------------------------------------------------------- init
def test_calculate_gain_matches_pytorch_table():
    assert nn.init.calculate_gain("linear") == 1 and nn.init.calculate_gain("sigmoid") == 1
    assert nn.init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert nn.init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert nn.init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01 ** 2)))
    assert nn.init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    with pytest.raises(ValueError, match="unsupported"):
        nn.init.calculate_gain("swish")


def test_xavier_and_kaiming_bounds_and_spread():
    minigan.manual_seed(0)
    w = minigan.empty(200, 100, 3, 3)          # conv weight: fan_in 900, fan_out 1800
    fan_in, fan_out = 900, 1800
    nn.init.xavier_uniform_(w, gain=2.0)
    a = 2.0 * math.sqrt(6 / (fan_in + fan_out))
    assert np.abs(w.numpy()).max() <= a and np.abs(w.numpy()).max() > 0.99 * a
    nn.init.xavier_normal_(w)
    assert w.numpy().std() == pytest.approx(math.sqrt(2 / (fan_in + fan_out)), rel=0.02)
    nn.init.kaiming_uniform_(w, a=0.2)
    bound = math.sqrt(3) * math.sqrt(2 / 1.04) / math.sqrt(fan_in)
    assert np.abs(w.numpy()).max() <= bound and np.abs(w.numpy()).max() > 0.99 * bound
    nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    assert w.numpy().std() == pytest.approx(math.sqrt(2 / fan_out), rel=0.02)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        nn.init.xavier_uniform_(minigan.empty(5))
    with pytest.raises(ValueError, match="fan_in"):
        nn.init.kaiming_normal_(w, mode="fan")


def test_init_through_data_changes_the_parameter():
    lin = nn.Linear(4, 5)
    nn.init.xavier_uniform_(lin.weight.data)
    nn.init.constant_(lin.bias.data, 0.5)
    assert np.all(lin.bias.numpy() == 0.5)


# ----------------------------------------------------------------------------- Module helpers
def test_module_to_device_dtype_and_grads():
    lin = nn.Linear(3, 2)
    w = lin.weight
    assert lin.to("cpu") is lin and lin.cpu() is lin and lin.to(minigan.device("cpu")) is lin
    lin.to(minigan.float64)
    assert lin.weight is w and w.dtype == np.float64
    lin.to("cpu", minigan.float32)
    assert w.dtype == np.float32
    with pytest.raises(TypeError):
        lin.to("banana")
    bn = nn.BatchNorm2d(3).to(dtype=minigan.float64)
    assert bn.num_batches_tracked.dtype == np.int64 and bn.running_mean.dtype == np.float64


def test_module_requires_grad_and_zero_grad():
    lin = nn.Linear(3, 2)
    assert lin.requires_grad_(False) is lin
    assert not any(p.requires_grad for p in lin.parameters())
    lin.requires_grad_()
    lin(minigan.randn(4, 3)).sum().backward()
    lin.zero_grad(set_to_none=False)
    assert np.all(lin.weight.grad.numpy() == 0)
    lin.zero_grad()
    assert lin.weight.grad is None


def test_nn_functional_is_pytorchs_spelling_of_functional():
    import minigan.nn.functional as NF
    assert NF.mse_loss is F.mse_loss and NF.one_hot is F.one_hot and set(NF.__all__) == set(F.__all__)


# ----------------------------------------------------------------------------- PyTorch's conv extras
@settings(**SETTINGS)
@given(st.integers(3, 9), st.integers(3, 9), st.sampled_from([1, 3, 5]), st.sampled_from([1, 3]),
       st.integers(1, 2), st.integers(1, 3))
def test_padding_same_keeps_the_size_and_equals_explicit_padding(h, w, kh, kw, d, c_out):
    """padding="same" is the symmetric d(k - 1)/2 of an odd kernel; "valid" is 0 (PyTorch's strings)."""
    rng = np.random.default_rng(0)
    x = tensor(rng.standard_normal((2, 2, h, w)))
    same = nn.Conv2d(2, c_out, (kh, kw), padding="same", dilation=d).double()
    explicit = nn.Conv2d(2, c_out, (kh, kw), padding=(d * (kh - 1) // 2, d * (kw - 1) // 2), dilation=d).double()
    explicit.load_state_dict(same.state_dict())
    out = same(x)
    assert out.shape == (2, c_out, h, w) and np.array_equal(out.numpy(), explicit(x).numpy())
    assert "padding=same" in repr(same)
    assert minigan.conv_arithmetic.conv2d_output_size((h, w), (kh, kw), padding="same", dilation=d) == (h, w)
    if h >= d * (kh - 1) + 1 and w >= d * (kw - 1) + 1:
        valid = nn.Conv2d(2, c_out, (kh, kw), padding="valid", dilation=d).double()
        assert valid(x).shape == (2, c_out, h - d * (kh - 1), w - d * (kw - 1))
    weight = tensor(rng.standard_normal((c_out, 2, kh, kw)), requires_grad=True)
    xg = tensor(x.numpy(), requires_grad=True)
    assert gradcheck(lambda a, b: F.conv2d(a, b, padding="same", dilation=d), [xg, weight])


def test_padding_strings_that_cannot_be_honoured_are_explained():
    with pytest.raises(ValueError, match="cannot be split evenly"):
        nn.Conv2d(1, 1, 4, padding="same")          # PyTorch pads 1 before, 2 after; minigan pads alike
    with pytest.raises(ValueError, match="not supported for strided convolutions"):
        nn.Conv2d(1, 1, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="'valid' or 'same', got 'full'"):
        F.conv2d(tensor(np.zeros((1, 1, 4, 4))), tensor(np.zeros((1, 1, 3, 3))), padding="full")


@settings(**SETTINGS)
@given(st.integers(1, 6), st.integers(1, 5), st.integers(1, 3), st.integers(0, 2), st.data())
def test_conv_transpose_output_size_picks_the_output_padding(h, k, s, p, data):
    """forward(x, output_size): every size from output_padding 0 to s - 1 is produced exactly,
    by the same layer; any other size is a ValueError listing the possible ones."""
    low = (h - 1) * s - 2 * p + (k - 1) + 1
    if low < 1:
        return
    layer = nn.ConvTranspose2d(2, 3, k, s, p).double()
    x = tensor(np.random.default_rng(0).standard_normal((1, 2, h, h)))
    for op in range(s):
        want = nn.ConvTranspose2d(2, 3, k, s, p, output_padding=op).double()
        want.load_state_dict(layer.state_dict())
        assert np.array_equal(layer(x, output_size=(low + op, low + op)).numpy(), want(x).numpy())
        size = (low + op, low + s - 1 - op)              # each dimension on its own; (N, C, H, W) form
        assert layer(x, output_size=[1, 3, *size]).shape == (1, 3) + size
    with pytest.raises(ValueError, match=rf"valid sizes range from \({low}, {low}\) to \({low + s - 1}, {low + s - 1}\)"):
        layer(x, output_size=(low + s, low))


def test_functional_activations_accept_inplace_as_pytorch():
    x = tensor(np.array([-2.0, 0.0, 3.0]))
    assert np.array_equal(F.relu(x, inplace=True).numpy(), [0.0, 0.0, 3.0])
    assert np.array_equal(F.leaky_relu(x, 0.5, inplace=True).numpy(), [-1.0, 0.0, 3.0])


# ----------------------------------------------------------------------------- softplus, logsigmoid, softmax methods
@settings(**SETTINGS)
@given(shapes, st.sampled_from([0.5, 1.0, 2.0]), st.sampled_from([2.0, 20.0]), st.data())
def test_softplus_values_and_first_and_second_derivatives(shape, beta, threshold, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 99)))
    a = rng.standard_normal(shape) * 4
    a = np.where(np.abs(a * beta - threshold) < 1e-3, a + 0.01, a)     # no sample on the kink
    want = np.where(a * beta > threshold, a, np.log1p(np.exp(a * beta)) / beta)
    x = tensor(a, requires_grad=True)
    assert np.allclose(F.softplus(x, beta, threshold).numpy(), want, rtol=1e-12, atol=1e-12)
    assert np.allclose(nn.Softplus(beta, threshold)(x).numpy(), want, rtol=1e-12, atol=1e-12)
    assert gradcheck(lambda t: F.softplus(t, beta, threshold), [x])
    assert gradgradcheck(lambda t: F.softplus(t, beta, threshold), [x])
    ls = -np.log1p(np.exp(-a))                                          # log sigmoid, in float64
    assert np.allclose(F.logsigmoid(x).numpy(), np.where(-a > 20, a, ls), rtol=1e-12, atol=1e-12)
    assert gradgradcheck(F.logsigmoid, [x])


def test_softplus_is_finite_for_huge_logits_and_float32_stays_float32():
    x = tensor(np.array([-1e4, 0.0, 1e4], dtype=np.float32))
    out = F.softplus(x)
    assert out.dtype == minigan.float32 and np.array_equal(out.numpy(), np.array([0.0, np.log(2.0), 1e4], np.float32))
    assert np.array_equal(F.logsigmoid(x).numpy(), np.array([-1e4, -np.log(2.0), 0.0], np.float32))


@settings(**SETTINGS)
@given(shapes, st.data())
def test_softmax_methods_are_the_functional_forms(shape, data):
    a = np.random.default_rng(0).standard_normal(shape)
    d = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = tensor(a, requires_grad=True)
    assert np.array_equal(x.softmax(d).numpy(), F.softmax(x, dim=d).numpy())
    assert np.array_equal(x.log_softmax(dim=d).numpy(), F.log_softmax(x, d).numpy())
    assert gradgradcheck(lambda t: t.log_softmax(d), [x])
    with pytest.raises(TypeError, match="say along which dimension"):
        x.softmax()


def test_unflatten_is_flattens_inverse():
    x = tensor(np.arange(24.0).reshape(2, 12))
    y = nn.Unflatten(1, (3, 4))(x)
    assert y.shape == (2, 3, 4) and np.array_equal(nn.Flatten()(y).numpy(), x.numpy())
    assert nn.Unflatten(-1, (2, -1))(x).shape == (2, 2, 6)
    assert repr(nn.Unflatten(1, (3, 4))) == "Unflatten(dim=1, unflattened_size=(3, 4))"


# ----------------------------------------------------------------------------- nn.utils: gradient clipping
@settings(**SETTINGS)
@given(st.sampled_from([1.0, 2.0, 3.0, math.inf]), st.floats(0.01, 10.0), st.data())
def test_clip_grad_norm_scales_all_gradients_together(norm_type, max_norm, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 99)))
    params = [tensor(rng.standard_normal(s), requires_grad=True) for s in ((3, 4), (4,), (2, 2, 2))]
    grads = [rng.standard_normal(p.shape) * data.draw(st.floats(0.01, 10.0)) for p in params]
    for p, g in zip(params, grads):
        p.grad = tensor(g.copy())
    flat = np.concatenate([g.ravel() for g in grads])
    want = np.abs(flat).max() if norm_type == math.inf else (np.abs(flat) ** norm_type).sum() ** (1 / norm_type)
    total = nn.utils.clip_grad_norm_(params, max_norm, norm_type)
    assert np.isclose(total.item(), want, rtol=1e-12)
    scale = min(1.0, max_norm / (want + 1e-6))                  # PyTorch's coefficient
    for p, g in zip(params, grads):
        assert np.allclose(p.grad.numpy(), g * scale, rtol=1e-12, atol=0)


def test_clip_grad_value_and_nonfinite_norms():
    p = tensor(np.zeros(4), requires_grad=True)
    p.grad = tensor(np.array([-3.0, -0.5, 0.5, 3.0]))
    nn.utils.clip_grad_value_([p], 1.0)
    assert np.array_equal(p.grad.numpy(), [-1.0, -0.5, 0.5, 1.0])
    q = tensor(np.zeros(2), requires_grad=True)
    q.grad = tensor(np.array([np.inf, 1.0]))
    with pytest.raises(RuntimeError, match="cannot be clipped"):
        nn.utils.clip_grad_norm_([q], 1.0, error_if_nonfinite=True)
    assert nn.utils.clip_grad_norm_([tensor(np.zeros(2), requires_grad=True)], 1.0).item() == 0.0   # no grads


def test_subset_and_random_split_follow_pytorchs_rules():
    from minigan.utils.data import Subset, TensorDataset, random_split
    ds = TensorDataset(minigan.arange(10))
    sub = Subset(ds, [4, 2])
    assert len(sub) == 2 and sub[0][0].item() == 4 and [e[0].item() for e in sub[[1, 0]]] == [2, 4]
    minigan.manual_seed(3)
    parts = random_split(ds, [0.5, 0.3, 0.2])
    assert [len(s) for s in parts] == [5, 3, 2]
    seen = sorted(int(s[i][0].item()) for s in parts for i in range(len(s)))
    assert seen == list(range(10))                              # a partition
    assert [len(s) for s in random_split(TensorDataset(minigan.arange(11)), [0.5, 0.5])] == [6, 5]   # remainder first
    minigan.manual_seed(3)
    again = random_split(ds, [5, 3, 2])
    assert [s.indices for s in again] == [s.indices for s in parts]   # the seeded generator decides
    with pytest.raises(ValueError, match="add up to 9, not to the dataset's length 10"):
        random_split(ds, [4, 5])
