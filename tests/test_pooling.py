"""max_pool2d, avg_pool2d and their layers: values against loops written from the definition,
gradients against finite differences, PyTorch's defaults and tie rule, and clear errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigan.functional as F
import minigan.nn as nn
from minigan import gradcheck, tensor

SETTINGS = dict(max_examples=30, deadline=None)


def reference_pool(x, k, s, p, op, count_include_pad=True):
    """out[n,c,i,j] = max / mean of x_pad[n, c, i*s + a, j*s + b] over the window, by loops."""
    (kh, kw), (sh, sw), (ph, pw) = k, s, p
    n_, c_, h, w = x.shape
    ho, wo = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    out = np.zeros((n_, c_, ho, wo))
    for n in range(n_):
        for c in range(c_):
            for i in range(ho):
                for j in range(wo):
                    vals, inside = [], 0
                    for a in range(kh):
                        for b in range(kw):
                            r, q = i * sh + a - ph, j * sw + b - pw
                            if 0 <= r < h and 0 <= q < w:
                                vals.append(x[n, c, r, q])
                                inside += 1
                            elif op == "avg":
                                vals.append(0.0)
                    if op == "max":
                        out[n, c, i, j] = max(vals)
                    else:
                        out[n, c, i, j] = sum(vals) / (kh * kw if count_include_pad else inside)
    return out


@st.composite
def pool_cases(draw):
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    p = (draw(st.integers(0, k[0] // 2)), draw(st.integers(0, k[1] // 2)))
    h = draw(st.integers(max(1, k[0] - 2 * p[0]), k[0] + 4))
    w = draw(st.integers(max(1, k[1] - 2 * p[1]), k[1] + 4))
    return dict(shape=(draw(st.integers(1, 2)), draw(st.integers(1, 3)), h, w), k=k, s=s, p=p,
                include=draw(st.booleans()))


@settings(**SETTINGS)
@given(pool_cases())
def test_max_pool_matches_the_loop_and_gradcheck(case):
    x = np.random.default_rng(0).standard_normal(case["shape"])
    out = F.max_pool2d(tensor(x), case["k"], case["s"], case["p"])
    np.testing.assert_array_equal(out.numpy(), reference_pool(x, case["k"], case["s"], case["p"], "max"))
    assert gradcheck(lambda t: F.max_pool2d(t, case["k"], case["s"], case["p"]),
                     [tensor(x, requires_grad=True)])


@settings(**SETTINGS)
@given(pool_cases())
def test_avg_pool_matches_the_loop_and_gradcheck(case):
    x = np.random.default_rng(1).standard_normal(case["shape"])
    kw = dict(count_include_pad=case["include"])
    out = F.avg_pool2d(tensor(x), case["k"], case["s"], case["p"], **kw)
    ref = reference_pool(x, case["k"], case["s"], case["p"], "avg", case["include"])
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-12, atol=1e-12)
    assert gradcheck(lambda t: F.avg_pool2d(t, case["k"], case["s"], case["p"], **kw),
                     [tensor(x, requires_grad=True)])


def test_known_values_and_the_default_stride():
    x = tensor(np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4))
    np.testing.assert_array_equal(F.max_pool2d(x, 2).numpy()[0, 0], [[5, 7], [13, 15]])
    np.testing.assert_array_equal(F.avg_pool2d(x, 2).numpy()[0, 0], [[2.5, 4.5], [10.5, 12.5]])
    assert F.max_pool2d(x, 2).dtype == np.float32


def test_a_tie_sends_the_gradient_to_the_first_maximum_only():
    # PyTorch's rule: one tap gets the whole gradient, the first in row-major window order
    x = tensor(np.ones((1, 1, 2, 2)), requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [[1, 0], [0, 0]])


def test_overlapping_windows_add_their_gradients():
    # the centre of a 3x3 input is the maximum of all four 2x2 windows at stride 1
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 1, 1] = 5
    t = tensor(x, requires_grad=True)
    F.max_pool2d(t, 2, stride=1).sum().backward()
    assert t.grad.numpy()[0, 0, 1, 1] == 4 and t.grad.numpy().sum() == 4


def test_layers_print_and_run_like_pytorch():
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert repr(nn.AvgPool2d(3, 1, 1)) == "AvgPool2d(kernel_size=3, stride=1, padding=1)"
    x = tensor(np.random.default_rng(2).standard_normal((2, 3, 6, 6)))
    np.testing.assert_array_equal(nn.MaxPool2d(3, 2, 1)(x).numpy(), F.max_pool2d(x, 3, 2, 1).numpy())
    assert nn.AvgPool2d(2)(x).shape == (2, 3, 3, 3)


@pytest.mark.parametrize("call, match", [
    (lambda x: F.max_pool2d(x, 3, padding=2), "at most half"),
    (lambda x: F.max_pool2d(x, 0), "kernel_size"),
    (lambda x: F.max_pool2d(x, 2, ceil_mode=True), "ceil_mode"),
    (lambda x: F.max_pool2d(x, 2, dilation=2), "dilation"),
    (lambda x: F.avg_pool2d(x, 7), "too small"),
    (lambda x: F.avg_pool2d(x.reshape(1, 16), 2), "4-D"),
])
def test_bad_settings_are_explained(call, match):
    with pytest.raises(ValueError, match=match):
        call(tensor(np.zeros((1, 1, 4, 4))))
