"""conv_transpose2d and nn.ConvTranspose2d: the adjoint of conv2d, a loop reference written from
the definition, gradients, sizes, dtypes, printouts, init and error messages."""
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import minigan
import minigan.functional as F
import minigan.nn as nn
from minigan import gradcheck, tensor
from minigan.backend import cupy_available

SETTINGS = dict(max_examples=30, deadline=None)


def reference_conv_transpose2d(x, w, b, stride, padding, output_padding, dilation):
    """Every input pixel scatters weight-scaled copies of itself, by plain loops:
    out[n, o, i*s + a*d - p, j*s + b*d - p] += x[n, c, i, j] * w[c, o, a, b]."""
    (sh, sw), (ph, pw), (oh, ow), (dh, dw) = stride, padding, output_padding, dilation
    n_, c_, h, wd = x.shape
    _, o_, kh, kw = w.shape
    ho = (h - 1) * sh - 2 * ph + dh * (kh - 1) + oh + 1
    wo = (wd - 1) * sw - 2 * pw + dw * (kw - 1) + ow + 1
    out = np.zeros((n_, o_, ho, wo))
    for n in range(n_):
        for c in range(c_):
            for i in range(h):
                for j in range(wd):
                    for o in range(o_):
                        for a in range(kh):
                            for bb in range(kw):
                                r, q = i * sh + a * dh - ph, j * sw + bb * dw - pw
                                if 0 <= r < ho and 0 <= q < wo:
                                    out[n, o, r, q] += x[n, c, i, j] * w[c, o, a, bb]
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out


@st.composite
def transpose_cases(draw, max_batch=2, max_channels=3, max_side=4):
    """A conv_transpose2d configuration with a valid (>= 1) output, output_padding anywhere in
    PyTorch's allowed range 0 <= op < max(stride, dilation)."""
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    op = tuple(draw(st.integers(0, max(s[i], d[i]) - 1)) for i in range(2))
    hw = (draw(st.integers(1, max_side)), draw(st.integers(1, max_side)))
    # padding may crop, but must leave at least one output row: out = base - 2p >= 1
    p = []
    for i in range(2):
        base = (hw[i] - 1) * s[i] + d[i] * (k[i] - 1) + op[i] + 1
        p.append(draw(st.integers(0, min(2, (base - 1) // 2))))
    n = draw(st.integers(1, max_batch))
    c_in, c_out = draw(st.integers(1, max_channels)), draw(st.integers(1, max_channels))
    return dict(x_shape=(n, c_in) + hw, w_shape=(c_in, c_out) + k, stride=s, padding=tuple(p),
                output_padding=op, dilation=d, bias=draw(st.booleans()))


def _arrays(case, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(case["x_shape"])
    w = rng.standard_normal(case["w_shape"])
    b = rng.standard_normal(case["w_shape"][1]) if case["bias"] else None
    return x, w, b


def _kw(case):
    return {k: case[k] for k in ("stride", "padding", "output_padding", "dilation")}


@settings(**SETTINGS)
@given(transpose_cases())
def test_matches_the_loop_reference(case):
    x, w, b = _arrays(case)
    out = F.conv_transpose2d(tensor(x), tensor(w), None if b is None else tensor(b), **_kw(case))
    ref = reference_conv_transpose2d(x, w, b, case["stride"], case["padding"], case["output_padding"],
                                     case["dilation"])
    assert out.shape == ref.shape
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-12, atol=1e-12)


@settings(**SETTINGS)
@given(transpose_cases())
def test_gradcheck(case):
    x, w, b = _arrays(case, seed=2)
    inputs = [tensor(x, requires_grad=True), tensor(w, requires_grad=True)]
    if b is not None:
        inputs.append(tensor(b, requires_grad=True))
    kw = _kw(case)
    assert gradcheck(lambda *t: F.conv_transpose2d(*t, **kw), inputs)


@settings(**SETTINGS)
@given(transpose_cases(), st.integers(0, 2 ** 31 - 1))
def test_is_the_adjoint_of_conv2d(case, seed):
    """<conv2d(x), y> = <x, conv_transpose2d(y)> for the same weight and settings.

    The weight is (C_conv_out, C_conv_in, kH, kW) to conv2d and (C_in, C_out, kH, kW) to the
    transposed convolution: the same array. y has the conv's output shape, x its input shape.
    """
    kw = _kw(case)
    (sh, sw), (dh, dw), (oh, ow) = case["stride"], case["dilation"], case["output_padding"]
    if oh >= sh or ow >= sw:
        # output_padding >= stride (allowed when dilation is larger) gives a convolution output
        # larger than y: there the adjoint is of a cropped convolution, checked below instead
        kw["output_padding"] = (oh % sh, ow % sw)
        sizes = [(n - 1) * s - 2 * p + d * (k - 1) + o + 1 for n, s, p, d, k, o in zip(
            case["x_shape"][2:], case["stride"], case["padding"], case["dilation"], case["w_shape"][2:],
            kw["output_padding"])]
        assume(min(sizes) >= 1)         # the smaller output_padding may leave no output row
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(case["w_shape"])
    y = rng.standard_normal(case["x_shape"])
    ty = F.conv_transpose2d(tensor(y), tensor(w), **kw)
    x = rng.standard_normal(ty.shape)
    cx = F.conv2d(tensor(x), tensor(w), stride=kw["stride"], padding=kw["padding"], dilation=kw["dilation"])
    assert cx.shape == y.shape
    lhs, rhs = float((cx.numpy() * y).sum()), float((x * ty.numpy()).sum())
    assert lhs == pytest.approx(rhs, rel=1e-10, abs=1e-10)


def test_adjoint_with_output_padding_beyond_the_stride():
    # stride 1, dilation 2, output_padding 1: conv2d of the output has one row more than y;
    # conv_transpose2d is the adjoint of conv2d followed by dropping that row
    rng = np.random.default_rng(0)
    w = rng.standard_normal((2, 3, 3, 3))
    y = rng.standard_normal((2, 2, 4, 5))
    ty = F.conv_transpose2d(tensor(y), tensor(w), stride=1, padding=1, output_padding=1, dilation=2)
    assert ty.shape == (2, 3, 7, 8)       # (4-1)*1 - 2*1 + 2*(3-1) + 1 + 1 = 7
    x = rng.standard_normal(ty.shape)
    cx = F.conv2d(tensor(x), tensor(w), stride=1, padding=1, dilation=2).numpy()
    assert cx.shape == (2, 2, 5, 6)
    lhs = float((cx[:, :, :4, :5] * y).sum())
    assert lhs == pytest.approx(float((x * ty.numpy()).sum()), rel=1e-10)


def test_gradients_are_conv2d_and_its_gradient():
    # d/dy <conv_transpose2d(y), g> = conv2d(g): the transposed convolution's input gradient is a
    # plain convolution with the same weight
    rng = np.random.default_rng(1)
    w = tensor(rng.standard_normal((4, 3, 4, 4)))
    y = tensor(rng.standard_normal((2, 4, 5, 5)), requires_grad=True)
    out = F.conv_transpose2d(y, w, stride=2, padding=1)
    g = rng.standard_normal(out.shape)
    out.backward(tensor(g))
    np.testing.assert_allclose(y.grad.numpy(), F.conv2d(tensor(g), w, stride=2, padding=1).numpy(),
                               rtol=1e-12, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 12), st.integers(1, 5), st.integers(1, 4), st.integers(0, 3), st.integers(1, 3))
def test_right_output_padding_restores_the_conv_input_size(h, k, s, p, d):
    if h + 2 * p < d * (k - 1) + 1:         # no valid convolution output: nothing to mirror
        return
    x = minigan.zeros(1, 1, h, h + 1)
    conv = F.conv2d(x, minigan.zeros(2, 1, k, k), stride=s, padding=p, dilation=d)
    # the rows the convolution's floor dropped are what output_padding gives back
    op = tuple((n + 2 * p - d * (k - 1) - 1) % s for n in (h, h + 1))
    back = F.conv_transpose2d(conv, minigan.zeros(2, 1, k, k), stride=s, padding=p, output_padding=op, dilation=d)
    assert back.shape == x.shape


def test_float32_in_float32_out():
    rng = np.random.default_rng(3)
    x = tensor(rng.standard_normal((2, 4, 5, 5)).astype(np.float32), requires_grad=True)
    w = tensor(rng.standard_normal((4, 3, 4, 4)).astype(np.float32), requires_grad=True)
    b = tensor(rng.standard_normal(3).astype(np.float32), requires_grad=True)
    out = F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1)
    assert out.shape == (2, 3, 11, 11) and out.dtype == np.float32
    out.backward(tensor(np.ones(out.shape, dtype=np.float32)))
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == np.float32
    ref = reference_conv_transpose2d(x.numpy().astype(float), w.numpy().astype(float), b.numpy().astype(float),
                                     (2, 2), (1, 1), (1, 1), (1, 1))
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-5, atol=1e-5)


# --------------------------------------------------------------------------- the module
def test_printouts_match_pytorch():
    assert repr(nn.ConvTranspose2d(100, 256, 7, 1, 0, bias=False)) == \
        "ConvTranspose2d(100, 256, kernel_size=(7, 7), stride=(1, 1), bias=False)"
    assert repr(nn.ConvTranspose2d(256, 128, 4, 2, 1, bias=False)) == \
        "ConvTranspose2d(256, 128, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)"
    assert repr(nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1)) == \
        "ConvTranspose2d(8, 4, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), output_padding=(1, 1))"
    assert repr(nn.ConvTranspose2d(8, 4, 3, dilation=2)) == \
        "ConvTranspose2d(8, 4, kernel_size=(3, 3), stride=(1, 1), dilation=(2, 2))"


def test_module_weight_layout_and_init():
    minigan.manual_seed(0)
    m = nn.ConvTranspose2d(6, 5, 3)
    assert m.weight.shape == (6, 5, 3, 3) and m.bias.shape == (5,)
    bound = 1 / math.sqrt(5 * 3 * 3)     # PyTorch's fan_in from the (in, out, kH, kW) weight: out*kH*kW
    assert np.abs(m.weight.numpy()).max() <= bound and np.abs(m.bias.numpy()).max() <= bound
    assert np.abs(m.weight.numpy()).max() > bound * 0.8      # spread over the whole range, not 1/sqrt(6*9)
    x = tensor(np.random.default_rng(0).standard_normal((2, 6, 3, 3)).astype(np.float32))
    ref = reference_conv_transpose2d(x.numpy().astype(float), m.weight.numpy().astype(float),
                                     m.bias.numpy().astype(float), (1, 1), (0, 0), (0, 0), (1, 1))
    np.testing.assert_allclose(m(x).numpy(), ref, rtol=1e-5, atol=1e-5)


def test_dcgan_generator_shapes():
    z = minigan.zeros(2, 100, 1, 1)
    h = nn.ConvTranspose2d(100, 256, 7, 1, 0, bias=False)(z)
    assert h.shape == (2, 256, 7, 7)
    h = nn.ConvTranspose2d(256, 128, 4, 2, 1, bias=False)(h)
    assert h.shape == (2, 128, 14, 14)
    assert nn.ConvTranspose2d(128, 1, 4, 2, 1, bias=False)(h).shape == (2, 1, 28, 28)


# --------------------------------------------------------------------------- error messages
def test_wrong_channels_and_ndim():
    m = nn.ConvTranspose2d(256, 128, 4, 2, 1, bias=False)
    with pytest.raises(ValueError) as e:
        m(minigan.zeros(2, 100, 7, 7))
    assert str(e.value) == ("ConvTranspose2d(256, 128, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), "
                            "bias=False): input of shape (2, 100, 7, 7) has 100 channels, expected 256 "
                            "(weight of shape (256, 128, 4, 4) is (C_in, C_out, kH, kW))")
    with pytest.raises(ValueError, match=r"expected a 4-D input \(N, C_in, H, W\) with C_in = 256, got a 2-D "
                                         r"input of shape \(2, 256\)"):
        m(minigan.zeros(2, 256))


def test_output_padding_rule_and_too_small_output():
    with pytest.raises(ValueError, match=r"output_padding = 2 >= max\(stride, dilation\) = max\(2, 1\) = 2"):
        nn.ConvTranspose2d(1, 1, 3, stride=2, output_padding=2)
    with pytest.raises(ValueError, match=r"conv_transpose2d: output_padding .* = 1 >= max\(stride, dilation\) "
                                         r"= max\(1, 1\) = 1"):
        F.conv_transpose2d(minigan.zeros(1, 1, 3, 3), minigan.zeros(1, 1, 3, 3), output_padding=1)
    with pytest.raises(ValueError) as e:
        F.conv_transpose2d(minigan.zeros(1, 1, 1, 4), minigan.zeros(1, 1, 1, 1), padding=1)
    assert "input of shape (1, 1, 1, 4) is too small" in str(e.value)
    assert "output height = (1-1)*1 - 2*1 + 1*(1-1) + 0 + 1 = -1 < 1" in str(e.value)


# --------------------------------------------------------------------------- CuPy
@pytest.mark.cupy
@pytest.mark.skipif(not cupy_available(), reason="CuPy with a working NVIDIA GPU is not available here")
def test_cupy_matches_numpy_forward_and_backward():
    rng = np.random.default_rng(7)
    for x_shape, w_shape, kw in [((8, 100, 1, 1), (100, 256, 7, 7), dict()),
                                 ((4, 256, 7, 7), (256, 128, 4, 4), dict(stride=2, padding=1)),
                                 ((3, 2, 5, 4), (2, 3, 3, 2), dict(stride=(2, 1), padding=(1, 0),
                                                                   output_padding=(1, 1), dilation=2))]:
        x = rng.standard_normal(x_shape).astype(np.float32)
        w = (rng.standard_normal(w_shape) * 0.1).astype(np.float32)
        b = rng.standard_normal(w_shape[1]).astype(np.float32)
        results = []
        for be in ("numpy", "cupy"):
            ts = [minigan.tensor(a, device=be, requires_grad=True) for a in (x, w, b)]
            out = F.conv_transpose2d(*ts, **kw)
            g = np.random.default_rng(8).standard_normal(out.shape).astype(np.float32)
            out.backward(minigan.tensor(g).to(be))
            assert out.backend == be and out.dtype == np.float32
            results.append([out.numpy()] + [t.grad.numpy() for t in ts])
        for a, c in zip(*results):
            assert c.dtype == np.float32
            np.testing.assert_allclose(c, a, rtol=1e-5, atol=1e-5 * np.abs(a).max())
