"""conv2d and nn.Conv2d: values against a loop written from the definition, gradients against
finite differences, dtypes, memory layouts, printouts, init and error messages."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigan
import minigan.functional as F
import minigan.nn as nn
from minigan import gradcheck, tensor
from minigan.backend import cupy_available

SETTINGS = dict(max_examples=30, deadline=None)


# --------------------------------------------------------------------------- the reference
def reference_conv2d(x, w, b, stride, padding, dilation):
    """out[n,o,i,j] = b[o] + sum_{c,a,b} w[o,c,a,b] * x_pad[n,c,i*s+a*d, j*s+b*d], by plain loops."""
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    n_, c_, h, wd = x.shape
    o_, _, kh, kw = w.shape
    xpad = np.zeros((n_, c_, h + 2 * ph, wd + 2 * pw))
    xpad[:, :, ph:ph + h, pw:pw + wd] = x
    ho = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    wo = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n_, o_, ho, wo))
    for n in range(n_):
        for o in range(o_):
            for i in range(ho):
                for j in range(wo):
                    acc = 0.0 if b is None else b[o]
                    for c in range(c_):
                        for a in range(kh):
                            for bb in range(kw):
                                acc += w[o, c, a, bb] * xpad[n, c, i * sh + a * dh, j * sw + bb * dw]
                    out[n, o, i, j] = acc
    return out


@st.composite
def conv_cases(draw, max_batch=2, max_channels=3, max_extra=4):
    """A conv2d configuration whose output has at least one pixel, with sizes small enough for
    gradcheck: odd and even sizes, non-square kernels, strides where the floor drops rows."""
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    p = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    # the smallest input that gives one output pixel, plus a few rows (the floor may drop some)
    lo = [max(1, d[i] * (k[i] - 1) + 1 - 2 * p[i]) for i in range(2)]
    h = draw(st.integers(lo[0], lo[0] + max_extra))
    w = draw(st.integers(lo[1], lo[1] + max_extra))
    n = draw(st.integers(1, max_batch))
    c_in = draw(st.integers(1, max_channels))
    c_out = draw(st.integers(1, max_channels))
    bias = draw(st.booleans())
    return dict(x_shape=(n, c_in, h, w), w_shape=(c_out, c_in) + k, stride=s, padding=p, dilation=d, bias=bias)


def _arrays(case, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(case["x_shape"]).astype(dtype)
    w = rng.standard_normal(case["w_shape"]).astype(dtype)
    b = rng.standard_normal(case["w_shape"][0]).astype(dtype) if case["bias"] else None
    return x, w, b


def _settings(case):
    return dict(stride=case["stride"], padding=case["padding"], dilation=case["dilation"])


# --------------------------------------------------------------------------- values and gradients
@settings(**SETTINGS)
@given(conv_cases())
def test_conv2d_matches_the_loop_reference(case):
    x, w, b = _arrays(case)
    out = F.conv2d(tensor(x), tensor(w), None if b is None else tensor(b), **_settings(case))
    ref = reference_conv2d(x, w, b, case["stride"], case["padding"], case["dilation"])
    assert out.shape == ref.shape
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-12, atol=1e-12)


@settings(**SETTINGS)
@given(conv_cases())
def test_conv2d_gradcheck(case):
    x, w, b = _arrays(case, seed=1)
    inputs = [tensor(x, requires_grad=True), tensor(w, requires_grad=True)]
    if b is not None:
        inputs.append(tensor(b, requires_grad=True))
    st_ = _settings(case)
    assert gradcheck(lambda *t: F.conv2d(*t, **st_), inputs)


def test_conv2d_known_values():
    # a 3x3 input of 1..9 and a 2x2 kernel of ones: each output is the sum of a 2x2 window
    x = tensor(np.arange(1, 10, dtype=np.float64).reshape(1, 1, 3, 3))
    w = tensor(np.ones((1, 1, 2, 2)))
    out = F.conv2d(x, w, tensor(np.array([0.5])))
    np.testing.assert_array_equal(out.numpy()[0, 0], [[12.5, 16.5], [24.5, 28.5]])
    # stride 2 with padding 1: windows at rows/cols -1 and 1
    out = F.conv2d(x, w, stride=2, padding=1)
    np.testing.assert_array_equal(out.numpy()[0, 0], [[1, 5], [11, 28]])


def test_gradient_of_a_sum_counts_how_often_each_pixel_is_read():
    # d(sum conv(x))/dx[p] = number of windows that contain p (all-ones kernel)
    x = tensor(np.zeros((1, 1, 4, 4)), requires_grad=True)
    F.conv2d(x, tensor(np.ones((1, 1, 3, 3)))).sum().backward()
    expected = np.array([[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]], dtype=float)
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], expected)


def test_rows_dropped_by_the_floor_get_zero_gradient():
    # H = 6, k = 2, s = 3: windows cover rows 0-1 and 3-4; rows 2 and 5 are never read
    x = tensor(np.ones((1, 1, 6, 6)), requires_grad=True)
    out = F.conv2d(x, tensor(np.ones((1, 1, 2, 2))), stride=3)
    assert out.shape == (1, 1, 2, 2)
    out.sum().backward()
    g = x.grad.numpy()[0, 0]
    assert (g[[2, 5], :] == 0).all() and (g[:, [2, 5]] == 0).all()
    assert (g[np.ix_([0, 1, 3, 4], [0, 1, 3, 4])] == 1).all()


@pytest.mark.parametrize("layout", ["nchw", "channels_last", "strided_view"])
def test_any_memory_layout_gives_the_same_result(layout):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 9, 8))
    w = rng.standard_normal((4, 3, 3, 3))
    expected = reference_conv2d(x, w, None, (2, 2), (1, 1), (1, 1))
    if layout == "channels_last":
        arr = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    elif layout == "strided_view":
        big = np.zeros((2, 3, 18, 16))
        big[:, :, ::2, ::2] = x
        arr = big[:, :, ::2, ::2]
    else:
        arr = x
    xt = tensor(arr, requires_grad=True)
    out = F.conv2d(xt, tensor(w), stride=2, padding=1)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-12)
    g = rng.standard_normal(out.shape)
    out.backward(tensor(g))
    # the input gradient is the same whatever the layout: compare with the NCHW run
    x2 = tensor(x, requires_grad=True)
    F.conv2d(x2, tensor(w), stride=2, padding=1).backward(tensor(g))
    np.testing.assert_allclose(xt.grad.numpy(), x2.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_conv_output_feeds_the_next_conv():
    # a conv's output is a channels-last view; a second conv and its backward must read it right
    rng = np.random.default_rng(4)
    x = tensor(rng.standard_normal((2, 2, 7, 7)), requires_grad=True)
    w1 = tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)
    w2 = tensor(rng.standard_normal((2, 3, 2, 2)), requires_grad=True)
    assert gradcheck(lambda x, w1, w2: F.conv2d(F.conv2d(x, w1, padding=1).tanh(), w2, stride=2), [x, w1, w2])


# --------------------------------------------------------------------------- dtypes
def test_float32_in_float32_out_forward_and_gradients():
    rng = np.random.default_rng(5)
    x = tensor(rng.standard_normal((2, 3, 8, 8)).astype(np.float32), requires_grad=True)
    w = tensor(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), requires_grad=True)
    b = tensor(rng.standard_normal(4).astype(np.float32), requires_grad=True)
    out = F.conv2d(x, w, b, stride=2, padding=1)
    assert out.dtype == np.float32
    out.backward(tensor(np.ones(out.shape, dtype=np.float32)))
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == np.float32
    ref = reference_conv2d(x.numpy().astype(np.float64), w.numpy().astype(np.float64),
                           b.numpy().astype(np.float64), (2, 2), (1, 1), (1, 1))
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-5, atol=1e-5)


def test_mixed_dtypes_are_refused():
    x = tensor(np.zeros((1, 1, 4, 4), dtype=np.float32))
    w = tensor(np.zeros((1, 1, 2, 2), dtype=np.float64))
    with pytest.raises(TypeError, match="float32 and float64"):
        F.conv2d(x, w)


# --------------------------------------------------------------------------- the module
def test_printouts_match_pytorch():
    assert repr(nn.Conv2d(1, 64, 4, 2, 1, bias=False)) == \
        "Conv2d(1, 64, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)"
    assert repr(nn.Conv2d(64, 128, kernel_size=4, stride=2, padding=1)) == \
        "Conv2d(64, 128, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1))"
    assert repr(nn.Conv2d(128, 1, 7, bias=False)) == "Conv2d(128, 1, kernel_size=(7, 7), stride=(1, 1), bias=False)"
    assert repr(nn.Conv2d(3, 8, (3, 5), stride=(1, 2), dilation=2)) == \
        "Conv2d(3, 8, kernel_size=(3, 5), stride=(1, 2), dilation=(2, 2))"


def test_module_parameters_and_init():
    minigan.manual_seed(0)
    conv = nn.Conv2d(3, 16, 5)
    assert conv.weight.shape == (16, 3, 5, 5) and conv.bias.shape == (16,)
    assert conv.weight.dtype == np.float32
    bound = 1 / math.sqrt(3 * 5 * 5)
    w, b = conv.weight.numpy(), conv.bias.numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert w.std() > bound / 3          # filled with spread-out values, not left empty or constant
    assert [n for n, _ in conv.named_parameters()] == ["weight", "bias"]
    assert nn.Conv2d(3, 16, 5, bias=False).bias is None


def test_module_forward_equals_functional():
    minigan.manual_seed(1)
    conv = nn.Conv2d(2, 3, 3, stride=2, padding=1).double()
    x = tensor(np.random.default_rng(0).standard_normal((2, 2, 7, 7)))
    ref = reference_conv2d(x.numpy(), conv.weight.numpy(), conv.bias.numpy(), (2, 2), (1, 1), (1, 1))
    np.testing.assert_allclose(conv(x).numpy(), ref, rtol=1e-12, atol=1e-12)


def test_dcgan_discriminator_shapes():
    x = minigan.zeros(2, 1, 28, 28)
    h = nn.Conv2d(1, 64, 4, 2, 1, bias=False)(x)
    assert h.shape == (2, 64, 14, 14)
    h = nn.Conv2d(64, 128, 4, 2, 1, bias=False)(h)
    assert h.shape == (2, 128, 7, 7)
    assert nn.Conv2d(128, 1, 7, 1, 0, bias=False)(h).shape == (2, 1, 1, 1)


# --------------------------------------------------------------------------- error messages
def test_wrong_channel_count_names_the_layer_and_shapes():
    conv = nn.Conv2d(1, 64, 4, 2, 1, bias=False)
    with pytest.raises(ValueError) as e:
        conv(minigan.zeros(2, 3, 28, 28))
    msg = str(e.value)
    assert msg.startswith("Conv2d(1, 64, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False): ")
    assert "input of shape (2, 3, 28, 28) has 3 channels, expected 1" in msg


def test_too_small_input_shows_the_formula_with_numbers():
    conv = nn.Conv2d(1, 64, 4, 2, 1, bias=False)
    with pytest.raises(ValueError) as e:
        conv(minigan.zeros(2, 1, 1, 28))
    msg = str(e.value)
    assert "input of shape (2, 1, 1, 28) is too small" in msg
    assert "output height = floor((1 + 2*1 - 1*(4-1) - 1)/2) + 1 = 0 < 1" in msg
    with pytest.raises(ValueError, match=r"output width = floor\(\(2 \+ 2\*0 - 2\*\(3-1\) - 1\)/1\) \+ 1 = -2 < 1"):
        F.conv2d(minigan.zeros(1, 1, 9, 2), minigan.zeros(1, 1, 3, 3), dilation=2)


def test_wrong_ndim_is_refused_with_the_expected_shape():
    with pytest.raises(ValueError, match=r"expected a 4-D input \(N, C_in, H, W\) with C_in = 1, got a 3-D "
                                         r"input of shape \(1, 28, 28\)"):
        nn.Conv2d(1, 8, 3)(minigan.zeros(1, 28, 28))
    with pytest.raises(ValueError, match=r"weight must be 4-D \(C_out, C_in, kH, kW\), got shape \(3, 3\)"):
        F.conv2d(minigan.zeros(1, 1, 5, 5), minigan.zeros(3, 3))


def test_bad_settings_and_bias_are_refused():
    x, w = minigan.zeros(1, 2, 5, 5), minigan.zeros(3, 2, 3, 3)
    with pytest.raises(ValueError, match="conv2d: stride must be >= 1, got 0"):
        F.conv2d(x, w, stride=0)
    with pytest.raises(ValueError, match="conv2d: padding must be >= 0, got -1"):
        F.conv2d(x, w, padding=-1)
    with pytest.raises(ValueError, match=r"conv2d: bias must have shape \(3,\), got \(2,\)"):
        F.conv2d(x, w, minigan.zeros(2))
    with pytest.raises(TypeError, match="stride must be an int or a pair"):
        F.conv2d(x, w, stride=(1, 2, 3))
    with pytest.raises(ValueError, match="Conv2d: kernel_size must be >= 1, got 0"):
        nn.Conv2d(1, 1, 0)
    with pytest.raises(ValueError, match="Conv2d: out_channels must be a positive integer"):
        nn.Conv2d(1, 0, 3)


# --------------------------------------------------------------------------- CuPy
@pytest.mark.cupy
@pytest.mark.skipif(not cupy_available(), reason="CuPy with a working NVIDIA GPU is not available here")
def test_cupy_matches_numpy_forward_and_backward():
    rng = np.random.default_rng(7)
    for x_shape, w_shape, kw in [((8, 3, 15, 14), (5, 3, 4, 4), dict(stride=2, padding=1)),
                                 ((4, 64, 14, 14), (128, 64, 4, 4), dict(stride=2, padding=1)),
                                 ((3, 2, 9, 9), (4, 2, 3, 2), dict(stride=(1, 2), padding=(2, 0), dilation=2))]:
        x = rng.standard_normal(x_shape).astype(np.float32)
        w = (rng.standard_normal(w_shape) * 0.1).astype(np.float32)
        b = rng.standard_normal(w_shape[0]).astype(np.float32)
        results = []
        for be in ("numpy", "cupy"):
            ts = [minigan.tensor(a, device=be, requires_grad=True) for a in (x, w, b)]
            out = F.conv2d(*ts, **kw)
            g = np.random.default_rng(8).standard_normal(out.shape).astype(np.float32)
            out.backward(minigan.tensor(g).to(be))
            assert out.backend == be and out.dtype == np.float32
            results.append([out.numpy()] + [t.grad.numpy() for t in ts])
        for a, c in zip(*results):
            assert c.dtype == np.float32
            np.testing.assert_allclose(c, a, rtol=1e-5, atol=1e-5 * np.abs(a).max())
