"""Gradients of gradients: autograd.grad, backward(create_graph=True) and gradgradcheck.

Every op the course's models use is checked with gradgradcheck (second derivatives against
central differences of first derivatives) on hypothesis-drawn shapes in float64; the
WGAN-GP penalty of a small conv critic is checked against a finite-difference
Hessian-vector product of first-order gradients; and the checks are shown to fail on a
wrong second derivative (batch norm with its statistics taken as constants, as DeZero does).
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigan
import minigan.functional as F
import minigan.nn as nn
from minigan import GradcheckError, autograd, gradgradcheck
from minigan.function import Function
from tests.conftest import float64_arrays, leaf, shapes

SETTINGS = dict(max_examples=20, deadline=None)


# --------------------------------------------------------------------------- autograd.grad
def test_grad_matches_backward_and_leaves_dot_grad_alone():
    x = leaf(np.array([[1.0, -2.0], [0.5, 3.0]]))
    w = leaf(np.array([[0.3], [-0.7]]))
    (gx, gw) = autograd.grad(((x @ w).tanh() ** 2).sum(), [x, w])
    assert x.grad is None and w.grad is None          # grad() returns, it does not accumulate
    ((x @ w).tanh() ** 2).sum().backward()
    np.testing.assert_allclose(gx.array, x.grad.array, rtol=1e-12)
    np.testing.assert_allclose(gw.array, w.grad.array, rtol=1e-12)
    assert gx.grad_fn is None and not gx.requires_grad  # create_graph=False: plain values


def test_grad_with_grad_outputs_is_a_vector_jacobian_product():
    a = np.array([[1.0, 2.0, -1.0], [0.5, -0.5, 2.0]])
    v = np.array([[1.0, -1.0, 0.5], [2.0, 0.0, 1.0]])
    x = leaf(a)
    (g,) = autograd.grad(x * x * x, x, grad_outputs=minigan.tensor(v))
    np.testing.assert_allclose(g.array, 3 * a ** 2 * v)


def test_grad_of_a_non_leaf_input_and_several_outputs():
    x = leaf(np.array([1.0, 2.0]))
    h = x * 3.0                                        # an intermediate, as WGAN-GP's interpolates
    y1, y2 = (h * h).sum(), h.sum()
    (gh,) = autograd.grad([y1, y2], [h])               # d(y1 + y2)/dh = 2h + 1
    np.testing.assert_allclose(gh.array, 2 * np.array([3.0, 6.0]) + 1)


def test_grad_second_derivative_of_a_cubic():
    a = np.array([0.5, -1.5, 2.0])
    x = leaf(a)
    (g,) = autograd.grad((x ** 3).sum(), x, create_graph=True)
    assert g.requires_grad and g.grad_fn is not None
    np.testing.assert_allclose(g.array, 3 * a ** 2)
    (h,) = autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.array, 6 * a)


def test_backward_create_graph_gives_a_differentiable_dot_grad():
    a = np.array([0.3, -0.8])
    x = leaf(a)
    (x * x * x).sum().backward(create_graph=True)
    assert x.grad.grad_fn is not None
    g = x.grad
    x.grad = None
    g.sum().backward()
    np.testing.assert_allclose(x.grad.array, 6 * a)


def test_grad_errors_say_what_is_wrong():
    x = leaf(np.array([1.0, 2.0]))
    unused = leaf(np.array([5.0]))
    y = (x * x).sum()
    with pytest.raises(RuntimeError, match="allow_unused"):
        autograd.grad(y, [x, unused], retain_graph=True)
    gx, gu = autograd.grad(y, [x, unused], allow_unused=True, retain_graph=True)
    assert gu is None and gx is not None
    with pytest.raises(RuntimeError, match="does not require grad"):
        autograd.grad(y, leaf(np.array([1.0]), requires_grad=False), retain_graph=True)
    with pytest.raises(RuntimeError, match="scalar outputs"):
        autograd.grad(x * x, x)
    with pytest.raises(ValueError, match="shape"):
        autograd.grad(x * x, x, grad_outputs=minigan.tensor(np.ones(3)))
    autograd.grad(y, x, only_inputs=True)              # the deprecated argument is accepted
    with pytest.raises(RuntimeError, match="second time"):
        autograd.grad(y, x)                            # the first call freed the graph


def test_only_the_wanted_part_of_the_graph_is_differentiated():
    """grad() with respect to a critic's input does not compute its weight gradients."""
    calls = []

    class Spy(Function):
        differentiable_backward = True

        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, g):
            calls.append(ctx.needs_input_grad)
            a, b = ctx.saved_tensors
            return (g * b if ctx.needs_input_grad[0] else None), (g * a if ctx.needs_input_grad[1] else None)

    x, w = leaf(np.array([1.0, 2.0])), leaf(np.array([3.0, 4.0]))
    (gx,) = autograd.grad(Spy.apply(x, w).sum(), x)
    np.testing.assert_allclose(gx.array, [3.0, 4.0])
    assert calls == [(True, False)]


def test_an_op_without_a_differentiable_backward_says_so_by_name():
    class OnlyFirstOrder(Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return 2 * g * a

    x = leaf(np.array([1.0, 2.0]))
    OnlyFirstOrder.apply(x).sum().backward()            # first order works
    np.testing.assert_allclose(x.grad.array, [2.0, 4.0])
    with pytest.raises(RuntimeError, match="OnlyFirstOrder does not support create_graph"):
        OnlyFirstOrder.apply(x).sum().backward(create_graph=True)


# --------------------------------------------------------------------------- gradgradcheck catches errors
class SquareWrongSecond(Function):
    """d(a^2)/da = 2a, but the 2a is saved as a constant array: the first derivative is right
    and the second (which should be 2) comes out 0."""
    differentiable_backward = True

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(2 * a)
        return a * a

    @staticmethod
    def backward(ctx, g):
        (two_a,) = ctx.saved_tensors
        return g * two_a


def test_gradgradcheck_fails_on_a_wrong_second_derivative():
    x = leaf(np.array([0.5, -1.0, 2.0]))
    minigan.gradcheck(SquareWrongSecond.apply, (x,))    # first derivatives are right
    with pytest.raises(GradcheckError):
        gradgradcheck(SquareWrongSecond.apply, (x,))


def _batch_norm_stats_as_constants(x, weight, bias, eps=1e-5):
    """Batch norm written from tensor ops but with mean and 1/std detached: its first
    derivative with respect to the weight is right, its gradient with respect to x is not."""
    axes = (0, 2, 3)
    mean = x.mean(axis=axes, keepdims=True).detach()
    var = ((x - mean) * (x - mean)).mean(axis=axes, keepdims=True).detach()
    return (x - mean) * (var + eps) ** -0.5 * weight.reshape(1, -1, 1, 1) + bias.reshape(1, -1, 1, 1)


def test_batch_norm_second_derivative_is_exact_where_constant_statistics_fail():
    rng = np.random.default_rng(3)
    x = leaf(rng.standard_normal((4, 2, 3, 3)))
    w, b = leaf(rng.standard_normal(2) + 1.5), leaf(rng.standard_normal(2))
    gradgradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True).tanh(), (x, w, b))
    with pytest.raises(GradcheckError):   # the DeZero pitfall, caught by the same check
        gradgradcheck(lambda x, w, b: _batch_norm_stats_as_constants(x, w, b).tanh(), (x, w, b))
    with pytest.raises(GradcheckError):
        minigan.gradcheck(lambda x, w, b: _batch_norm_stats_as_constants(x, w, b).tanh(), (x, w, b))


# --------------------------------------------------------------------------- every op, hypothesis shapes
BINARY = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
          "div": lambda a, b: a / b, "maximum": lambda a, b: a.maximum(b)}


@settings(**SETTINGS)
@given(data=st.data(), op=st.sampled_from(sorted(BINARY)), shape=shapes(min_dims=1))
def test_gradgradcheck_binary_ops(data, op, shape):
    # b broadcast along the first axis; away from 0 (div) and from ties (maximum)
    a = leaf(data.draw(float64_arrays(shape, min_abs=0.3)))
    b = leaf(data.draw(float64_arrays((1,) + shape[1:], min_abs=0.3)) + 0.05)
    # a nonlinearity on top makes the second derivative of the linear ops non-zero
    gradgradcheck(lambda a, b: BINARY[op](a, b).tanh(), (a, b))


UNARY = {
    "neg": lambda x: (-x).tanh(),
    "pow3": lambda x: x ** 3,
    "pow-1.5": lambda x: x.abs() ** -1.5,
    "sqrt": lambda x: (x * x + 0.5).sqrt(),
    "exp": lambda x: x.exp(),
    "log": lambda x: (x * x + 0.1).log(),
    "abs": lambda x: x.abs() * x,
    "clip": lambda x: x.clip(-0.7531, 0.6173) * x,   # bounds that drawn values do not hit
    "tanh": F.tanh,
    "sigmoid": F.sigmoid,
    "relu": lambda x: F.relu(x) * x,
    "leaky_relu": lambda x: F.leaky_relu(x, 0.2) ** 2,
}


@settings(**SETTINGS)
@given(data=st.data(), op=st.sampled_from(sorted(UNARY)), shape=shapes())
def test_gradgradcheck_elementwise(data, op, shape):
    x = leaf(data.draw(float64_arrays(shape, min_abs=0.2)))   # away from the kinks
    gradgradcheck(UNARY[op], (x,))


@settings(**SETTINGS)
@given(data=st.data(), shape=shapes(min_dims=1), keepdims=st.booleans(),
       op=st.sampled_from(["sum", "mean"]))
def test_gradgradcheck_reductions(data, shape, keepdims, op):
    axis = data.draw(st.sampled_from([None] + list(range(len(shape)))))
    x = leaf(data.draw(float64_arrays(shape)))
    gradgradcheck(lambda x: getattr(x * x, op)(axis=axis, keepdims=keepdims).tanh(), (x,))


@settings(**SETTINGS)
@given(data=st.data(), n=st.integers(1, 3), k=st.integers(1, 3), m=st.integers(1, 3),
       batch=st.sampled_from([(), (2,)]), vector=st.sampled_from(["none", "left", "right"]))
def test_gradgradcheck_matmul(data, n, k, m, batch, vector):
    sa = (k,) if vector == "left" else batch + (n, k)
    sb = (k,) if vector == "right" else (k, m)
    a, b = leaf(data.draw(float64_arrays(sa))), leaf(data.draw(float64_arrays(sb)))
    gradgradcheck(lambda a, b: (a @ b).sigmoid(), (a, b))


@settings(**SETTINGS)
@given(data=st.data(), lead=st.sampled_from([(1,), (3,), (2, 2)]), fin=st.integers(1, 3),
       fout=st.integers(1, 3), bias=st.booleans())
def test_gradgradcheck_linear(data, lead, fin, fout, bias):
    x = leaf(data.draw(float64_arrays(lead + (fin,))))
    w = leaf(data.draw(float64_arrays((fout, fin))))
    args = (x, w) + ((leaf(data.draw(float64_arrays((fout,)))),) if bias else ())
    gradgradcheck(lambda *a: F.linear(*a).tanh(), args)


@settings(**SETTINGS)
@given(data=st.data(), shape=shapes(min_dims=2, max_dims=3))
def test_gradgradcheck_shapes_and_indexing(data, shape):
    x = leaf(data.draw(float64_arrays(shape)))
    n = int(np.prod(shape))
    perm = tuple(reversed(range(len(shape))))
    pick = np.array([0, shape[0] - 1, 0])              # advanced indexing repeats an element
    cases = [
        lambda x: (x.reshape(n) * x.reshape(n)).sum(),
        lambda x: x.view(-1).tanh(),
        lambda x: x.flatten().sigmoid() * 2,
        lambda x: x.permute(perm).exp(),
        lambda x: x.T.tanh() * 3,
        lambda x: x[..., :1].exp(),
        lambda x: (x[pick] ** 2).sum(),
        lambda x: minigan.cat([x, x * x], axis=-1).tanh(),
        lambda x: minigan.stack([x, x.exp()], axis=0).sigmoid(),
    ]
    for f in cases:
        gradgradcheck(f, (x,))


def test_cast_is_differentiable_twice():
    # float32 in the middle rules out finite differences; the exact answer is 6x
    a = np.array([0.5, -1.25, 2.0])
    x = leaf(a)
    (g,) = autograd.grad((x.float() ** 3).double().sum(), x, create_graph=True)
    assert g.dtype == minigan.float64
    (h,) = autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.array, 6 * a, rtol=1e-6)


@st.composite
def conv_cases(draw, transpose=False):
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    s = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    p = (draw(st.integers(0, 1)), draw(st.integers(0, 1)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    if transpose:
        lo = [1, 1]
        op = tuple(draw(st.integers(0, max(s[i], d[i]) - 1)) for i in range(2))
    else:
        lo = [max(1, d[i] * (k[i] - 1) + 1 - 2 * p[i]) for i in range(2)]
        op = (0, 0)
    h, w = draw(st.integers(lo[0], lo[0] + 2)), draw(st.integers(lo[1], lo[1] + 2))
    if transpose:  # the output must have at least one pixel
        for i, size in enumerate((h, w)):
            if (size - 1) * s[i] - 2 * p[i] + d[i] * (k[i] - 1) + op[i] + 1 < 1:
                p = tuple(0 if j == i else p[j] for j in range(2))
    n, ci, co = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
    return dict(x=(n, ci, h, w), w=((ci, co) if transpose else (co, ci)) + k, b=co, stride=s, padding=p,
                dilation=d, output_padding=op, bias=draw(st.booleans()))


@settings(max_examples=15, deadline=None)
@given(data=st.data(), case=conv_cases())
def test_gradgradcheck_conv2d(data, case):
    x, w = leaf(data.draw(float64_arrays(case["x"]))), leaf(data.draw(float64_arrays(case["w"])))
    args = (x, w) + ((leaf(data.draw(float64_arrays((case["b"],)))),) if case["bias"] else ())
    st_ = dict(stride=case["stride"], padding=case["padding"], dilation=case["dilation"])
    gradgradcheck(lambda *a: F.conv2d(*a, **st_).tanh(), args)


@settings(max_examples=15, deadline=None)
@given(data=st.data(), case=conv_cases(transpose=True))
def test_gradgradcheck_conv_transpose2d(data, case):
    x, w = leaf(data.draw(float64_arrays(case["x"]))), leaf(data.draw(float64_arrays(case["w"])))
    args = (x, w) + ((leaf(data.draw(float64_arrays((case["b"],)))),) if case["bias"] else ())
    st_ = dict(stride=case["stride"], padding=case["padding"], dilation=case["dilation"],
               output_padding=case["output_padding"])
    gradgradcheck(lambda *a: F.conv_transpose2d(*a, **st_).sigmoid(), args)


@settings(max_examples=15, deadline=None)
@given(data=st.data(), n=st.integers(2, 4), c=st.integers(1, 3), spatial=st.sampled_from([(), (2,), (2, 3)]),
       affine=st.booleans(), training=st.booleans())
def test_gradgradcheck_batch_norm(data, n, c, spatial, affine, training):
    x = leaf(data.draw(float64_arrays((n, c) + spatial)) + np.arange(n).reshape((n,) + (1,) * (1 + len(spatial))))
    rm = minigan.tensor(np.zeros(c)) if not training else None
    rv = minigan.tensor(np.full(c, 1.5)) if not training else None
    wb = (leaf(data.draw(float64_arrays((c,), min_abs=0.5))), leaf(data.draw(float64_arrays((c,))))) if affine else ()

    def f(x, *wb):
        w, b = wb if wb else (None, None)
        return F.batch_norm(x, rm, rv, w, b, training=training).tanh()
    gradgradcheck(f, (x,) + wb)


@settings(max_examples=10, deadline=None)
@given(data=st.data(), shape=shapes(min_dims=1, max_dims=3))
def test_gradgradcheck_losses(data, shape):
    x = leaf(data.draw(float64_arrays(shape)))
    t = leaf(data.draw(float64_arrays(shape, low=0.05, high=0.95)))
    gradgradcheck(lambda x, t: F.binary_cross_entropy_with_logits(x, t), (x, t))
    gradgradcheck(lambda x, t: F.binary_cross_entropy(F.sigmoid(x), t, reduction="sum"), (x, t))


# --------------------------------------------------------------------------- the WGAN-GP penalty
def _critic(layer_norm=False):
    layers = [nn.Conv2d(1, 3, 3, stride=2, padding=1), nn.LeakyReLU(0.2),
              nn.Conv2d(3, 2, 3, stride=2, padding=1), nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(8, 1)]
    if layer_norm:
        layers.insert(3, nn.LayerNorm([2, 2, 2]))      # after the second conv: (N, 2, 2, 2) on 8x8 input
    return nn.Sequential(*layers).double()


def gradient_penalty(critic, real, fake, alpha, eps=1e-12):
    """lambda-free penalty of Gulrajani et al.: (||d critic/d x_hat||_2 - 1)^2 on interpolates,
    one mixing coefficient per sample, the norm over each sample's pixels."""
    x_hat = (alpha * real + (1 - alpha) * fake).requires_grad_()
    out = critic(x_hat)
    (g,) = autograd.grad(out, x_hat, grad_outputs=minigan.ones_like(out).double(), create_graph=True,
                         retain_graph=True)
    norm = ((g.reshape(g.shape[0], -1) ** 2).sum(axis=1) + eps).sqrt()
    return ((norm - 1) ** 2).mean()


@pytest.mark.parametrize("layer_norm", [False, True])
def test_wgan_gp_penalty_gradcheck_and_gradgradcheck(layer_norm):
    minigan.manual_seed(1)
    critic = _critic(layer_norm)
    rng = np.random.default_rng(0)
    real = minigan.tensor(rng.standard_normal((2, 1, 8, 8)))
    fake = minigan.tensor(rng.standard_normal((2, 1, 8, 8)))
    alpha = minigan.tensor(rng.random((2, 1, 1, 1)))
    params = list(critic.parameters())
    # d penalty / d weights: first derivatives of an expression that holds a gradient
    def penalty(*ps):
        with minigan.enable_grad():       # gradcheck's finite differences run under no_grad
            return gradient_penalty(critic, real, fake, alpha)
    minigan.gradcheck(penalty, params)
    # and a second level on the critic itself, input to output
    x = leaf(rng.standard_normal((2, 1, 8, 8)))
    gradgradcheck(lambda x: critic(x), (x,))


def test_penalty_weight_gradient_is_a_finite_difference_hessian_vector_product():
    """d/dw of (||grad_x D||-1)^2 from create_graph, against central differences of the same
    penalty computed from first-order gradients only (a Hessian-vector product)."""
    minigan.manual_seed(2)
    critic = _critic()
    rng = np.random.default_rng(5)
    real, fake = minigan.tensor(rng.standard_normal((3, 1, 8, 8))), minigan.tensor(rng.standard_normal((3, 1, 8, 8)))
    alpha = minigan.tensor(rng.random((3, 1, 1, 1)))
    weight = critic[0].weight
    gradient_penalty(critic, real, fake, alpha).backward()
    analytic = weight.grad.array.copy()

    def penalty_first_order():
        x_hat = (alpha * real + (1 - alpha) * fake).requires_grad_()
        (g,) = autograd.grad(critic(x_hat).sum(), x_hat)          # no create_graph here
        norm = np.sqrt((g.array.reshape(3, -1) ** 2).sum(axis=1) + 1e-12)
        return float(((norm - 1) ** 2).mean())

    eps, flat = 1e-6, weight.array.reshape(-1)
    numeric = np.zeros_like(flat)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        plus = penalty_first_order()
        flat[i] = old - eps
        minus = penalty_first_order()
        flat[i] = old
        numeric[i] = (plus - minus) / (2 * eps)
    np.testing.assert_allclose(analytic.reshape(-1), numeric, rtol=1e-5, atol=1e-8)
    assert np.abs(analytic).max() > 1e-3        # a real signal, not zeros compared with zeros


def test_dcgan_critic_trains_with_the_penalty_in_float32():
    """One WGAN-GP critic step on a float32 conv critic: the loss is finite, every weight moves,
    and dtypes stay float32 through the double backward."""
    minigan.manual_seed(0)
    critic = nn.Sequential(nn.Conv2d(1, 4, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(4, 8, 4, 2, 1),
                           nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(8 * 7 * 7, 1))
    opt = minigan.optim.Adam(critic.parameters(), lr=1e-4, betas=(0.5, 0.9))
    real, fake = minigan.randn(8, 1, 28, 28), minigan.randn(8, 1, 28, 28)
    alpha = minigan.rand(8, 1, 1, 1)
    x_hat = (alpha * real + (1 - alpha) * fake).requires_grad_()
    out = critic(x_hat)
    (g,) = autograd.grad(out, x_hat, grad_outputs=minigan.ones_like(out), create_graph=True)
    assert g.dtype == minigan.float32 and g.requires_grad
    gp = ((((g.reshape(8, -1) ** 2).sum(axis=1) + 1e-12).sqrt() - 1) ** 2).mean()
    loss = critic(fake).mean() - critic(real).mean() + 10 * gp
    before = [p.array.copy() for p in critic.parameters()]
    opt.zero_grad()
    loss.backward()
    assert np.isfinite(loss.item())
    for p in critic.parameters():
        assert p.grad.dtype == minigan.float32 and p.grad.grad_fn is None
    opt.step()
    moved = [not np.array_equal(b, p.array) for b, p in zip(before, critic.parameters())]
    # the last bias adds the same constant to D(real) and D(fake) and is absent from the
    # penalty: its gradient is exactly 0 in the Wasserstein loss, and it stays put
    assert moved == [True] * (len(moved) - 1) + [False]
    assert np.all(critic[5].bias.grad.array == 0)


@settings(**SETTINGS)
@given(data=st.data(), shape=shapes(min_dims=1, max_dims=2))
def test_gradgradcheck_where_and_setitem(data, shape):
    a, b = leaf(data.draw(float64_arrays(shape))), leaf(data.draw(float64_arrays(shape)))
    cond = data.draw(float64_arrays(shape)) > 0
    gradgradcheck(lambda a, b: minigan.where(minigan.tensor(cond), a * a, b.exp()), (a, b))
    v = leaf(data.draw(float64_arrays(shape[1:])))

    def put(a, v):
        out = a * 1.0          # a non-leaf: item assignment inside a graph is recorded
        out[0] = v * v
        return out.tanh()
    gradgradcheck(put, (a, v))


@settings(**SETTINGS)
@given(data=st.data(), shape=shapes(min_dims=2, max_dims=2, min_side=2))
def test_gradgradcheck_norm_var_std_max(data, shape):
    # distinct values: max's gradient is defined away from ties
    x = leaf(data.draw(float64_arrays(shape, min_abs=0.1)) + np.arange(int(np.prod(shape))).reshape(shape) * 0.01)
    gradgradcheck(lambda x: x.norm(), (x,))
    gradgradcheck(lambda x: x.norm(dim=1), (x,))
    gradgradcheck(lambda x: x.var(dim=0).tanh(), (x,))
    gradgradcheck(lambda x: x.std(dim=1), (x,))
    gradgradcheck(lambda x: (x.max(dim=1).values * x.sum()), (x,))


@settings(**SETTINGS)
@given(data=st.data(), shape=shapes(min_dims=2, max_dims=2, max_side=4))
def test_gradgradcheck_softmax_family_and_cross_entropy(data, shape):
    x = leaf(data.draw(float64_arrays(shape)))
    gradgradcheck(lambda x: F.softmax(x, dim=1), (x,))
    gradgradcheck(lambda x: F.log_softmax(x, dim=-1), (x,))
    target = minigan.tensor(data.draw(st.lists(st.integers(0, shape[1] - 1), min_size=shape[0],
                                               max_size=shape[0])))
    gradgradcheck(lambda x: F.cross_entropy(x, target), (x,))


def test_pooling_says_it_has_no_second_derivative():
    x = leaf(np.random.default_rng(0).standard_normal((1, 1, 4, 4)))
    with pytest.raises(RuntimeError, match="MaxPool2d does not support create_graph"):
        autograd.grad(F.max_pool2d(x, 2).sum(), x, create_graph=True)


def test_grad_with_respect_to_an_intermediate_leaves_its_history_alone():
    """Asking for d/dh of an intermediate h does not run (and free) the ops that made h, so the
    same h can be differentiated against again (gradgradcheck of x.double() relies on it)."""
    x = leaf(np.array([1.0, -2.0]))
    h = x * 2.0
    (g1,) = autograd.grad((h * h).sum(), h)
    (g2,) = autograd.grad((h * h * h).sum(), h)
    np.testing.assert_allclose(g1.array, 2 * h.array)
    np.testing.assert_allclose(g2.array, 3 * h.array ** 2)
    (h * h).sum().backward()                 # and h's own history is still there for x
    np.testing.assert_allclose(x.grad.array, 8 * x.array)
