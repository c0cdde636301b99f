"""RMSprop against steps computed by hand in NumPy; weight decay, frozen parameters, zero_grad."""
import numpy as np
import pytest

import minigan
from minigan.optim import SGD, Adam, RMSprop

P0 = np.array([1.0, -2.0, 0.5])
C = np.array([0.5, 1.5, -2.0])


def run(make, steps):
    p = minigan.tensor(P0, requires_grad=True)
    opt = make([p])
    for _ in range(steps):
        opt.zero_grad()
        (minigan.tensor(C) * p * p).sum().backward()
        opt.step()
    return p.numpy(), opt


@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize("centered", [False, True])
@pytest.mark.parametrize("wd", [0.0, 0.1])
def test_rmsprop_by_hand(momentum, centered, wd):
    lr, alpha, eps = 0.01, 0.99, 1e-8
    p, v, m, b = P0.copy(), np.zeros(3), np.zeros(3), np.zeros(3)
    for _ in range(4):
        g = 2 * C * p + wd * p
        v = alpha * v + (1 - alpha) * g * g
        if centered:
            m = alpha * m + (1 - alpha) * g
            avg = np.sqrt(v - m * m) + eps
        else:
            avg = np.sqrt(v) + eps
        if momentum:
            b = momentum * b + g / avg
            p = p - lr * b
        else:
            p = p - lr * g / avg
    got, opt = run(lambda ps: RMSprop(ps, momentum=momentum, centered=centered, weight_decay=wd), 4)
    np.testing.assert_allclose(got, p, rtol=1e-12, atol=1e-14)
    assert opt.defaults["lr"] == 0.01 and opt.defaults["alpha"] == 0.99 and opt.defaults["eps"] == 1e-8


def test_rmsprop_state_dict_round_trip():
    _, opt = run(lambda ps: RMSprop(ps, momentum=0.5), 2)
    p2 = minigan.tensor(P0, requires_grad=True)
    opt2 = RMSprop([p2], momentum=0.5)
    opt2.load_state_dict(opt.state_dict())
    assert opt2.state[p2]["step"] == 2
    with pytest.raises(ValueError, match="alpha"):
        RMSprop([p2], alpha=1.5)


def test_adam_weight_decay_is_l2_added_to_the_gradient():
    lr, wd, b1, b2, eps = 0.1, 0.05, 0.9, 0.999, 1e-8
    p, m, v = P0.copy(), np.zeros(3), np.zeros(3)
    for t in range(1, 4):
        g = 2 * C * p + wd * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        p = p - lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)
    got, _ = run(lambda ps: Adam(ps, lr=lr, weight_decay=wd), 3)
    np.testing.assert_allclose(got, p, rtol=1e-12)


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1), lambda ps: Adam(ps), lambda ps: RMSprop(ps)])
def test_frozen_parameters_are_accepted_and_left_alone(make):
    frozen = minigan.tensor(P0.copy())                 # requires_grad=False, as PyTorch accepts
    live = minigan.tensor(P0.copy(), requires_grad=True)
    opt = make([frozen, live])
    (live * live).sum().backward()
    opt.step()
    assert np.array_equal(frozen.numpy(), P0) and not np.array_equal(live.numpy(), P0)


def test_optimizer_zero_grad_set_to_none_default_and_false():
    p = minigan.tensor(P0, requires_grad=True)
    opt = SGD([p], lr=0.1)
    (p * p).sum().backward()
    opt.zero_grad(set_to_none=False)
    assert np.array_equal(p.grad.numpy(), np.zeros(3))
    opt.zero_grad()
    assert p.grad is None
