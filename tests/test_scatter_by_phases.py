"""The transposed convolution (and conv2d's input gradient) by phases, for a stride that divides
the kernel: the same sum as col2im of one product, against col2im, against the loop written
from the definition, and through gradcheck and gradgradcheck with the phase path forced on
(the tests' few channels are below the channel count from which the kernels choose it)."""
from contextlib import contextmanager

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import minigan.functional as F
from minigan import conv_arithmetic, gradcheck, gradgradcheck, tensor
from minigan.functional import im2col as im2col_module
from minigan.functional.im2col import can_scatter_by_phases, col2im, scatter_by_phases

from .test_conv_transpose import reference_conv_transpose2d

SETTINGS = dict(max_examples=40, deadline=None)


@contextmanager
def phases_for_every_channel_count():
    """The kernels take the phase path from PHASES_MIN_CHANNELS output channels on; here from 1."""
    old = im2col_module.PHASES_MIN_CHANNELS
    im2col_module.PHASES_MIN_CHANNELS = 1
    try:
        yield
    finally:
        im2col_module.PHASES_MIN_CHANNELS = old


@st.composite
def phase_cases(draw, max_channels=3):
    """A transposed convolution whose stride (2 or 3, per axis) divides its kernel (1 to 3
    taps a phase), any padding below the kernel, any output_padding below the stride."""
    s = (draw(st.integers(2, 3)), draw(st.integers(2, 3)))
    k = (s[0] * draw(st.integers(1, 3)), s[1] * draw(st.integers(1, 3)))
    p = (draw(st.integers(0, k[0] - 1)), draw(st.integers(0, k[1] - 1)))
    op = (draw(st.integers(0, s[0] - 1)), draw(st.integers(0, s[1] - 1)))
    # the small side: big enough that the output has at least one row and column
    lo = [max(1, -(-(2 * p[i] - k[i] - op[i] + 1) // s[i]) + 1) for i in range(2)]
    h = draw(st.integers(lo[0], lo[0] + 3))
    w = draw(st.integers(lo[1], lo[1] + 3))
    out_hw = [conv_arithmetic.conv_transpose_out(size, k[i], s[i], p[i], op[i], 1) for i, size in enumerate((h, w))]
    assert min(out_hw) >= 1
    n = draw(st.integers(1, 2))
    c_in, c_out = draw(st.integers(1, max_channels)), draw(st.integers(1, max_channels))
    return dict(x_shape=(n, c_in, h, w), w_shape=(c_in, c_out) + k, stride=s, padding=p, output_padding=op,
                out_hw=tuple(out_hw))


def _arrays(case, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(case["x_shape"]), rng.standard_normal(case["w_shape"])


def _kw(case):
    return dict(stride=case["stride"], padding=case["padding"], output_padding=case["output_padding"])


@settings(**SETTINGS)
@given(phase_cases())
def test_phases_give_col2im_of_the_product(case):
    x, w = _arrays(case)
    n, a, h, wd = x.shape
    b = w.shape[1]
    rows = x.transpose(0, 2, 3, 1).reshape(n * h * wd, a)
    right = w.transpose(0, 2, 3, 1).reshape(a, -1)
    in_shape = (n, b) + case["out_hw"]
    args = (w.shape[2:], case["stride"], case["padding"])
    expected = col2im(rows, in_shape, *args, (1, 1), (h, wd), right=right)
    got = scatter_by_phases(rows, right, in_shape, *args, (h, wd))
    assert got.shape == expected.shape == in_shape
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@settings(**SETTINGS)
@given(phase_cases())
def test_conv_transpose2d_by_phases_matches_the_loop_reference(case):
    x, w = _arrays(case, seed=1)
    with phases_for_every_channel_count():
        assert can_scatter_by_phases(x, w.shape[2:], case["stride"], (1, 1), w.shape[1])
        out = F.conv_transpose2d(tensor(x), tensor(w), **_kw(case))
    ref = reference_conv_transpose2d(x, w, None, case["stride"], case["padding"], case["output_padding"], (1, 1))
    assert out.shape == ref.shape
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-12, atol=1e-12)


@settings(max_examples=15, deadline=None)
@given(phase_cases(max_channels=2))
def test_gradcheck_and_gradgradcheck_by_phases(case):
    x, w = _arrays(case, seed=2)
    kw = _kw(case)
    with phases_for_every_channel_count():
        inputs = (tensor(x, requires_grad=True), tensor(w, requires_grad=True))
        assert gradcheck(lambda x, w: F.conv_transpose2d(x, w, **kw), inputs)
        assert gradgradcheck(lambda x, w: F.conv_transpose2d(x, w, **kw), inputs)
        # conv2d's input gradient is this scatter: the convolution that the transposed one mirrors
        y = np.random.default_rng(3).standard_normal((x.shape[0], w.shape[1]) + case["out_hw"])
        conv_inputs = (tensor(y, requires_grad=True), tensor(w, requires_grad=True))
        settings_ = dict(stride=case["stride"], padding=case["padding"])
        assert gradcheck(lambda y, w: F.conv2d(y, w, **settings_), conv_inputs)
        assert gradgradcheck(lambda y, w: F.conv2d(y, w, **settings_), conv_inputs)


def test_which_layers_take_the_phase_path():
    x = np.zeros((2, 3), np.float32)
    # the DCGAN's k4 s2 layers with 64 or more output channels of the scatter
    assert can_scatter_by_phases(x, (4, 4), (2, 2), (1, 1), 64)
    assert can_scatter_by_phases(x, (4, 4), (2, 2), (1, 1), 128)
    # its 1-channel layers keep col2im's one wide product (a 1-column product per phase is slow)
    assert not can_scatter_by_phases(x, (4, 4), (2, 2), (1, 1), 1)
    # a stride that does not divide the kernel, stride 1, dilation: col2im
    assert not can_scatter_by_phases(x, (3, 3), (2, 2), (1, 1), 64)
    assert not can_scatter_by_phases(x, (4, 4), (1, 1), (1, 1), 64)
    assert not can_scatter_by_phases(x, (4, 4), (2, 2), (2, 2), 64)
