"""The core on CuPy: the same ops as on NumPy, moving between backends, and the errors of mixing them.

Every test here needs CuPy and a working NVIDIA GPU, and is skipped (with the reason) elsewhere.
"""
import numpy as np
import pytest

import minigan
import minigan.functional as F
import minigan.nn as nn
from minigan import backend
from minigan.optim import SGD, Adam
from tests.test_ops import FLOAT32_CASES

pytestmark = [
    pytest.mark.cupy,
    pytest.mark.skipif(not backend.cupy_available(),
                       reason="needs CuPy and a working NVIDIA GPU (pip install 'minigan[gpu]')"),
]


def _both(tensors):
    """Fresh NumPy leaves with the given values, and their copies on CuPy."""
    cpu = [minigan.tensor(t.numpy(), requires_grad=True) for t in tensors]
    return cpu, [minigan.tensor(t.numpy(), device="cuda", requires_grad=True) for t in tensors]


@pytest.mark.parametrize("name", sorted(FLOAT32_CASES))
def test_core_ops_on_cupy_match_numpy_float32(name):
    f, make = FLOAT32_CASES[name]
    cpu, gpu = _both(make())
    assert all(t.backend == "cupy" and t.requires_grad and t.is_leaf for t in gpu)
    out_cpu, out_gpu = f(*cpu), f(*gpu)
    assert out_gpu.backend == "cupy" and out_gpu.dtype == np.float32
    np.testing.assert_allclose(out_gpu.numpy(), out_cpu.numpy(), rtol=1e-5, atol=1e-6)
    weights = np.random.default_rng(0).standard_normal(out_cpu.shape).astype(np.float32)
    (out_cpu * minigan.tensor(weights)).sum().backward()
    (out_gpu * minigan.tensor(weights).to("cupy")).sum().backward()
    for i, (a, b) in enumerate(zip(cpu, gpu)):
        assert b.grad.backend == "cupy" and b.grad.dtype == np.float32, (name, i)
        np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), rtol=1e-5, atol=1e-6, err_msg=f"{name} input {i}")


def test_gradcheck_on_cupy_float64():
    x = minigan.tensor(np.array([[0.3, -1.2], [0.7, 2.0]])).to("cupy").requires_grad_()
    w = minigan.tensor(np.array([[0.5, -0.25], [1.0, 0.1], [0.2, 0.3]])).to("cupy").requires_grad_()
    assert minigan.gradcheck(lambda a, b: F.sigmoid(F.linear(a, b)).log().sum(axis=0), [x, w])
    assert minigan.gradcheck(lambda a: minigan.cat([a[[0, 0]], a.T], axis=0).exp(), [x])


def test_to_cupy_and_back_round_trips():
    x = minigan.tensor(np.array([[1.5, -2.0], [0.25, 3.0]], dtype=np.float32), requires_grad=True)
    g = x.to("cupy")
    assert g.backend == "cupy" and g.dtype == np.float32 and g.requires_grad
    assert "device='cuda:0'" in repr(g)
    back = g.to("numpy")
    assert back.backend == "numpy" and isinstance(back.array, np.ndarray)
    np.testing.assert_array_equal(back.numpy(), x.numpy())
    assert g.to("cupy") is g and g.cupy() is g
    np.testing.assert_array_equal(x.cupy().cpu().numpy(), x.numpy())
    assert g.sum().item() == pytest.approx(2.75)


def test_set_backend_cupy_creates_tensors_there_reproducibly():
    minigan.set_backend("cupy")
    assert minigan.get_backend() == "cupy"
    minigan.manual_seed(5)
    a = minigan.randn(3, 4)
    layer = nn.Linear(4, 2)
    minigan.manual_seed(5)
    b = minigan.randn(3, 4)
    assert a.backend == "cupy" and layer.weight.backend == "cupy" and minigan.zeros(2).backend == "cupy"
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert minigan.tensor([1.0, 2.0]).backend == "cupy"
    # a NumPy array given to the factory goes to the active backend too, as torch.tensor does
    host = np.array([[1.0, 2.0]], dtype=np.float32)
    moved = minigan.tensor(host, requires_grad=True)
    assert moved.backend == "cupy" and moved.requires_grad
    np.testing.assert_array_equal(moved.numpy(), host)
    assert np.abs(layer.weight.numpy()).max() <= 0.5        # 1 / sqrt(4)


def test_module_to_cupy_and_back():
    model = nn.Sequential(nn.Linear(3, 4), nn.LeakyReLU(0.2), nn.Linear(4, 1), nn.Sigmoid())
    ids = [id(p) for p in model.parameters()]
    x = minigan.randn(5, 3)
    expected = model(x).numpy()
    assert model.to("cupy") is model
    assert [id(p) for p in model.parameters()] == ids
    assert all(p.backend == "cupy" for p in model.parameters())
    out = model(x.to("cupy"))
    assert out.backend == "cupy"
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-6)
    F.binary_cross_entropy(out, minigan.ones(5, 1).to("cupy")).backward()
    assert all(p.grad.backend == "cupy" for p in model.parameters())
    model.to("numpy")
    assert all(p.backend == "numpy" and p.grad.backend == "numpy" for p in model.parameters())
    np.testing.assert_allclose(model(x).numpy(), expected, rtol=1e-6)
    gpu_model = nn.Sequential(nn.Linear(3, 4)).to("cupy")
    gpu_model.load_state_dict(nn.Sequential(nn.Linear(3, 4)).state_dict())     # NumPy values into CuPy
    assert gpu_model[0].weight.backend == "cupy"


def test_mixing_backends_is_a_type_error():
    a = minigan.tensor([1.0, 2.0])
    b = a.to("cupy")
    for f in (lambda: a + b, lambda: b * a, lambda: minigan.cat([a, b]), lambda: F.linear(b, minigan.ones(1, 2))):
        with pytest.raises(TypeError) as e:
            f()
        assert "numpy" in str(e.value) and "cupy" in str(e.value) and ".to(" in str(e.value)
    layer = nn.Linear(2, 1).to("cupy")
    with pytest.raises(TypeError, match="cupy"):
        layer(minigan.ones(3, 2))


@pytest.mark.parametrize("factory", [lambda ps: Adam(ps, lr=0.01, betas=(0.5, 0.999)),
                                     lambda ps: Adam(ps, lr=0.01, weight_decay=0.1),
                                     lambda ps: SGD(ps, lr=0.01, momentum=0.9)],
                         ids=["adam", "adam-weight-decay", "sgd"])
def test_optimizer_steps_on_cupy_match_numpy(factory):
    results = []
    for where in ("numpy", "cupy"):
        minigan.manual_seed(0)
        model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1)).to(where)
        opt = factory(model.parameters())
        x = minigan.tensor(np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3)).to(where)
        y = minigan.tensor(np.array([[0.0], [1.0], [1.0], [0.0]], dtype=np.float32)).to(where)
        for _ in range(3):
            opt.zero_grad()
            F.binary_cross_entropy_with_logits(model(x), y).backward()
            opt.step()
        assert all(p.backend == where for p in model.parameters())
        results.append([p.numpy().copy() for p in model.parameters()])
        state = opt.state_dict()
    for a, b in zip(*results):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
    # the optimizer's state lives with the parameters and loads back onto the GPU
    assert all(backend.backend_of(v) == "cupy" for s in state["state"].values() for v in s.values() if hasattr(v, "ndim"))


def test_sigmoid_and_bce_extremes_on_cupy():
    x = minigan.tensor(np.array([-1000.0, 0.0, 1000.0], dtype=np.float32)).to("cupy")
    np.testing.assert_array_equal(F.sigmoid(x).numpy(), [0.0, 0.5, 1.0])
    p = minigan.tensor(np.array([0.0, 1.0], dtype=np.float32)).to("cupy")
    t = minigan.tensor(np.array([1.0, 0.0], dtype=np.float32)).to("cupy")
    loss = F.binary_cross_entropy(p, t, reduction="none")
    assert loss.dtype == np.float32
    np.testing.assert_array_equal(loss.numpy(), [100.0, 100.0])
