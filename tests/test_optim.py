"""SGD and Adam against steps computed by hand, checkpoints, argument checks, and training sanity."""
import copy

import numpy as np
import pytest

import minigan
import minigan.nn as nn
from minigan.optim import SGD, Adam

P0 = np.array([1.0, -2.0, 0.5])
C = np.array([0.5, 1.5, -2.0])


def loss_and_grad(p):
    """The loss used below, sum(c p^2), and its gradient 2 c p, in NumPy."""
    return (C * p * p).sum(), 2 * C * p


def run(opt_factory, steps, dtype=np.float64):
    p = minigan.tensor(P0.astype(dtype), requires_grad=True)
    opt = opt_factory([p])
    c = minigan.tensor(C.astype(dtype))
    for _ in range(steps):
        opt.zero_grad()
        (c * p * p).sum().backward()
        opt.step()
    return p, opt


# ----------------------------------------------------------------------------- SGD
def test_sgd_three_steps_by_hand():
    lr = 0.1
    p = P0.copy()
    for _ in range(3):
        _, g = loss_and_grad(p)
        p = p - lr * g                                    # p <- p - lr g
    got, _ = run(lambda ps: SGD(ps, lr=lr), 3)
    np.testing.assert_allclose(got.numpy(), p, rtol=1e-14, atol=1e-15)


def test_sgd_momentum_three_steps_by_hand():
    lr, mu = 0.1, 0.9
    p, buf = P0.copy(), None
    for _ in range(3):
        _, g = loss_and_grad(p)
        buf = g.copy() if buf is None else mu * buf + g    # b_1 = g_1,  b_t = mu b_{t-1} + g_t
        p = p - lr * buf
    got, _ = run(lambda ps: SGD(ps, lr=lr, momentum=mu), 3)
    np.testing.assert_allclose(got.numpy(), p, rtol=1e-14, atol=1e-15)


def test_sgd_weight_decay_by_hand():
    lr, wd = 0.1, 0.01
    p = P0.copy()
    for _ in range(3):
        _, g = loss_and_grad(p)
        p = p - lr * (g + wd * p)
    got, _ = run(lambda ps: SGD(ps, lr=lr, weight_decay=wd), 3)
    np.testing.assert_allclose(got.numpy(), p, rtol=1e-14, atol=1e-15)


# ----------------------------------------------------------------------------- Adam
def adam_by_hand(steps, lr, beta1, beta2, eps=1e-8, weight_decay=0.0):
    p = P0.copy()
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    for t in range(1, steps + 1):
        _, g = loss_and_grad(p)
        g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g               # first moment
        v = beta2 * v + (1 - beta2) * g * g           # second moment
        m_hat = m / (1 - beta1 ** t)                  # bias corrections
        v_hat = v / (1 - beta2 ** t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
    return p


@pytest.mark.parametrize("lr, betas", [(1e-3, (0.9, 0.999)), (2e-4, (0.5, 0.999)), (0.1, (0.5, 0.999))])
def test_adam_three_steps_by_hand(lr, betas):
    expected = adam_by_hand(3, lr, *betas)
    got, opt = run(lambda ps: Adam(ps, lr=lr, betas=betas), 3)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-13, atol=1e-15)
    assert opt.state_dict()["state"][0]["step"] == 3


def test_adam_first_step_moves_each_weight_by_lr():
    # after one step m_hat = g and v_hat = g^2, so each weight moves by lr * sign(g) (up to eps)
    got, _ = run(lambda ps: Adam(ps, lr=0.01, betas=(0.5, 0.999)), 1)
    _, g = loss_and_grad(P0)
    np.testing.assert_allclose(got.numpy(), P0 - 0.01 * np.sign(g), rtol=1e-9)


def test_adam_weight_decay_by_hand():
    expected = adam_by_hand(3, 0.01, 0.9, 0.999, weight_decay=0.1)
    got, _ = run(lambda ps: Adam(ps, lr=0.01, weight_decay=0.1), 3)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-13, atol=1e-15)


def test_adam_float32_stays_float32_and_close_to_float64():
    got, opt = run(lambda ps: Adam(ps, lr=0.01, betas=(0.5, 0.999)), 3, dtype=np.float32)
    assert got.dtype == np.float32
    assert all(v.dtype == np.float32 for k, v in opt.state_dict()["state"][0].items() if k != "step")
    np.testing.assert_allclose(got.numpy(), adam_by_hand(3, 0.01, 0.5, 0.999), rtol=1e-5)


def test_adam_parameters_of_several_sizes_and_dtypes_step_as_if_alone():
    # the optimizer shares one scratch array between its parameters: sizes that grow and
    # shrink, and two dtypes, must not leak into each other's update
    rng = np.random.default_rng(3)
    shapes_dtypes = [((4, 5), np.float64), ((3,), np.float64), ((6, 7), np.float64), ((2, 2), np.float32)]
    inits = [rng.standard_normal(s).astype(d) for s, d in shapes_dtypes]
    grads = [[rng.standard_normal(s).astype(d) for s, d in shapes_dtypes] for _ in range(3)]

    def train(indices):
        ps = [minigan.tensor(inits[i].copy(), requires_grad=True) for i in indices]
        opt = Adam(ps, lr=0.01, betas=(0.5, 0.999))
        for step_grads in grads:
            for p, i in zip(ps, indices):
                p.grad = minigan.tensor(step_grads[i])
            opt.step()
        return [p.numpy() for p in ps]

    together = train(range(len(inits)))
    for i, got in enumerate(together):
        np.testing.assert_array_equal(got, train([i])[0])


def test_adam_step_allocates_no_parameter_sized_temporaries():
    import tracemalloc
    p = minigan.tensor(np.ones(100_000, dtype=np.float32), requires_grad=True)
    p.grad = minigan.tensor(np.full(100_000, 0.5, dtype=np.float32))
    opt = Adam([p], lr=0.01)
    opt.step()                    # the first step allocates the moments and the scratch array
    tracemalloc.start()
    try:
        opt.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < p.numpy().nbytes // 4, f"a step allocated {peak} bytes at its peak"


# ----------------------------------------------------------------------------- checkpoints
@pytest.mark.parametrize("factory", [
    lambda ps: Adam(ps, lr=0.05, betas=(0.5, 0.999)),
    lambda ps: SGD(ps, lr=0.05, momentum=0.9),
], ids=["adam", "sgd-momentum"])
def test_state_dict_round_trip_continues_identically(factory):
    straight, _ = run(factory, 4)

    half, opt = run(factory, 2)
    saved_params = half.numpy().copy()
    saved_state = copy.deepcopy(opt.state_dict())       # what a checkpoint file would hold

    p = minigan.tensor(saved_params, requires_grad=True)
    fresh = factory([p])
    fresh.load_state_dict(saved_state)
    c = minigan.tensor(C)
    for _ in range(2):
        fresh.zero_grad()
        (c * p * p).sum().backward()
        fresh.step()
    np.testing.assert_array_equal(p.numpy(), straight.numpy())      # bit-identical


def test_one_saved_state_loads_into_two_optimizers_for_a_scalar_parameter():
    # a 0-d parameter has 0-d state arrays: they must be copied on load like any other
    p = minigan.tensor(np.array(1.5), requires_grad=True)
    opt = Adam([p], lr=0.1)
    for _ in range(2):
        opt.zero_grad()
        (p * p).backward()
        opt.step()
    saved = copy.deepcopy(opt.state_dict())
    results = []
    for _ in range(2):
        q = minigan.tensor(p.numpy().copy(), requires_grad=True)
        fresh = Adam([q], lr=0.1)
        fresh.load_state_dict(saved)
        for _ in range(2):
            fresh.zero_grad()
            (q * q).backward()
            fresh.step()
        results.append(q.item())
    assert results[0] == results[1]
    assert saved["state"][0]["step"] == 2


def test_load_state_dict_restores_hyperparameters_and_copies_state():
    _, opt = run(lambda ps: Adam(ps, lr=0.05, betas=(0.5, 0.999)), 2)
    saved = opt.state_dict()
    p = minigan.tensor(P0, requires_grad=True)
    fresh = Adam([p], lr=1.0)
    fresh.load_state_dict(saved)
    assert fresh.param_groups[0]["lr"] == 0.05 and tuple(fresh.param_groups[0]["betas"]) == (0.5, 0.999)
    assert not np.shares_memory(fresh.state[p]["exp_avg"], saved["state"][0]["exp_avg"])
    with pytest.raises(ValueError, match="number of parameters"):
        Adam([minigan.tensor(P0, requires_grad=True), minigan.tensor(P0, requires_grad=True)]).load_state_dict(saved)
    wrong = copy.deepcopy(saved)
    wrong["state"][0]["exp_avg"] = np.zeros(5)
    with pytest.raises(ValueError, match="exp_avg"):
        Adam([minigan.tensor(P0, requires_grad=True)]).load_state_dict(wrong)


# ----------------------------------------------------------------------------- behaviour and errors
@pytest.mark.parametrize("factory", [lambda ps: SGD(ps, lr=0.1, momentum=0.9), lambda ps: Adam(ps, lr=0.1)],
                         ids=["sgd", "adam"])
def test_param_without_grad_is_skipped(factory):
    a = minigan.tensor(P0, requires_grad=True)
    b = minigan.tensor(P0, requires_grad=True)
    opt = factory([a, b])
    (a * a).sum().backward()
    opt.step()
    np.testing.assert_array_equal(b.numpy(), P0)
    assert not np.array_equal(a.numpy(), P0)
    assert id(b) not in opt.state


def test_zero_grad_and_param_groups():
    a = minigan.tensor(P0, requires_grad=True)
    b = minigan.tensor(P0, requires_grad=True)
    opt = SGD([{"params": [a]}, {"params": [b], "lr": 1.0}], lr=0.1)
    (a.sum() + b.sum()).backward()
    opt.step()
    np.testing.assert_allclose(a.numpy(), P0 - 0.1)
    np.testing.assert_allclose(b.numpy(), P0 - 1.0)
    opt.zero_grad()
    assert a.grad is None and b.grad is None


def test_step_records_no_graph():
    p = minigan.tensor(P0, requires_grad=True)
    opt = Adam([p])
    (p * p).sum().backward()
    opt.step()
    assert p.grad_fn is None and p.is_leaf


@pytest.mark.parametrize("make", [
    lambda p: SGD(p, lr=-0.1),
    lambda p: SGD(p, lr=None),
    lambda p: SGD(p, lr=0.1, momentum=-0.5),
    lambda p: Adam(p, lr=-1e-3),
    lambda p: Adam(p, betas=(1.0, 0.999)),
    lambda p: Adam(p, betas=(0.9, 1.5)),
    lambda p: Adam(p, betas=(-0.1, 0.999)),
    lambda p: Adam(p, betas=(0.9,)),
    lambda p: Adam(p, eps=-1.0),
])
def test_invalid_hyperparameters(make):
    with pytest.raises(ValueError):
        make([minigan.tensor(P0, requires_grad=True)])


@pytest.mark.parametrize("cls", [SGD, Adam])
def test_empty_or_bad_params(cls):
    with pytest.raises(ValueError, match="empty"):
        cls([], lr=0.1)
    with pytest.raises(ValueError, match="empty"):
        cls(iter(()), lr=0.1)
    with pytest.raises(TypeError):
        cls([np.zeros(2)], lr=0.1)



# ----------------------------------------------------------------------------- training sanity
def test_mlp_learns_xor_with_adam_and_bce():
    minigan.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1), nn.Sigmoid())
    opt = Adam(model.parameters(), lr=0.05)
    x = minigan.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = minigan.tensor([[0.0], [1.0], [1.0], [0.0]])
    criterion = nn.BCELoss()
    first = criterion(model(x), y).item()
    for _ in range(200):
        opt.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        opt.step()
    # measured: ~0.69 at the start, ~3e-4 after 200 steps with seed 0
    assert first > 0.5
    assert loss.item() < 0.01
    with minigan.no_grad():
        predictions = model(x).numpy() > 0.5
    np.testing.assert_array_equal(predictions, y.numpy() > 0.5)


def test_logistic_regression_separates_points_with_sgd_momentum():
    rng = np.random.default_rng(0)
    points = rng.normal(size=(200, 2))
    margin = points @ np.array([1.5, -1.0]) + 0.3
    keep = np.abs(margin) > 0.5                         # a clear gap between the classes
    xs, ys = points[keep].astype(np.float32), (margin[keep] > 0).astype(np.float32)[:, None]
    minigan.manual_seed(0)
    model = nn.Linear(2, 1)
    opt = SGD(model.parameters(), lr=0.5, momentum=0.9)
    x, y = minigan.tensor(xs), minigan.tensor(ys)
    criterion = nn.BCEWithLogitsLoss()
    for _ in range(200):
        opt.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        opt.step()
    assert loss.item() < 0.05                           # measured: ~0.005
    np.testing.assert_array_equal(model(x).numpy() > 0, ys > 0.5)


def test_state_is_keyed_by_the_parameter_as_in_pytorch():
    """``opt.state[p]`` is the parameter's own state dict (PyTorch's defaultdict(dict)): empty
    before its first step, and never handed to another tensor."""
    p = minigan.tensor(P0, requires_grad=True)
    opt = Adam([p], lr=0.1)
    assert opt.state[p] == {}
    (p * p).sum().backward()
    opt.step()
    assert opt.state[p]["step"] == 1 and opt.state[p]["exp_avg"].shape == p.shape
    assert list(opt.state) == [p]
    assert list(opt.state_dict()["state"]) == [0]


# ----------------------------------------------------------------------------- optim.lr_scheduler
def _rates(scheduler, epochs):
    out = []
    for _ in range(epochs):
        out.append(scheduler.get_last_lr()[0])
        scheduler.step()
    return out


def test_schedules_follow_pytorchs_formulas():
    from minigan.optim import SGD, lr_scheduler as S
    p = minigan.tensor(P0, requires_grad=True)
    cases = [
        (lambda o: S.StepLR(o, step_size=3, gamma=0.1), lambda e: 0.05 * 0.1 ** (e // 3)),
        (lambda o: S.MultiStepLR(o, milestones=[5, 2], gamma=0.5), lambda e: 0.05 * 0.5 ** ((e >= 2) + (e >= 5))),
        (lambda o: S.ExponentialLR(o, gamma=0.9), lambda e: 0.05 * 0.9 ** e),
        (lambda o: S.LambdaLR(o, lambda e: 1.0 / (1 + e)), lambda e: 0.05 / (1 + e)),
    ]
    for make, formula in cases:
        opt = SGD([p], lr=0.05)
        rates = _rates(make(opt), 12)
        assert np.allclose(rates, [formula(e) for e in range(12)], rtol=1e-14, atol=0)
        assert opt.param_groups[0]["initial_lr"] == 0.05


def test_the_optimizer_steps_with_the_scheduled_rate_and_a_schedule_resumes():
    from minigan.optim import SGD, lr_scheduler as S
    p = minigan.tensor(np.array([1.0]), requires_grad=True)
    opt = SGD([p], lr=1.0)
    sched = S.StepLR(opt, step_size=1, gamma=0.5)
    for want in (1.0, 0.5, 0.25):
        before = p.item()
        p.grad = minigan.tensor(np.array([1.0]))
        opt.step()
        assert np.isclose(before - p.item(), want)          # the step moved by the epoch's rate
        sched.step()
    saved, opt_saved = sched.state_dict(), opt.state_dict()
    opt2 = SGD([minigan.tensor(np.array([1.0]), requires_grad=True)], lr=1.0)
    opt2.load_state_dict(opt_saved)
    sched2 = S.StepLR(opt2, step_size=1, gamma=0.5)        # PyTorch's way to resume: build, then load
    sched2.load_state_dict(saved)
    assert sched2.get_last_lr() == sched.get_last_lr() == [0.125]
    sched.step()
    sched2.step()
    assert sched2.get_last_lr() == sched.get_last_lr() == [0.0625]


def test_schedule_errors_are_explained():
    from minigan.optim import SGD, lr_scheduler as S
    opt = SGD([minigan.tensor(P0, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="step_size must be a positive integer"):
        S.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="expected 1 lr_lambdas"):
        S.LambdaLR(opt, [lambda e: 1, lambda e: 2])
    with pytest.raises(TypeError, match="schedules an optimizer"):
        S.ExponentialLR(object(), gamma=0.5)
    with pytest.raises(KeyError, match="initial_lr"):
        S.StepLR(SGD([minigan.tensor(P0, requires_grad=True)], lr=0.1), step_size=2, last_epoch=4)
