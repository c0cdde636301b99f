"""Devices and dtypes, PyTorch's way: minigan.device, minigan.cuda, .to(...) (differentiable),
device=/dtype=/requires_grad= on the factories, dtype names, the legacy constructors."""
import subprocess
import sys
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigan
from minigan import backend
from tests.conftest import float64_arrays, leaf, shapes
from tests.helpers import REPO

FAST = settings(max_examples=15, deadline=None)
needs_gpu = pytest.mark.skipif(not backend.cupy_available(), reason="needs CuPy and a working NVIDIA GPU")


# ----------------------------------------------------------------------------- minigan.device
def test_device_names_and_equality():
    cpu, cuda, cuda0 = minigan.device("cpu"), minigan.device("cuda"), minigan.device("cuda:0")
    assert (cpu.type, cpu.index, str(cpu), repr(cpu)) == ("cpu", None, "cpu", "device(type='cpu')")
    assert (cuda.type, cuda.index, str(cuda)) == ("cuda", None, "cuda")
    assert (cuda0.index, str(cuda0), repr(cuda0)) == (0, "cuda:0", "device(type='cuda', index=0)")
    assert minigan.device("cuda", 0) == cuda0 and cuda != cuda0          # PyTorch's rule
    assert cpu == "cpu" and minigan.device(cpu) == cpu
    assert minigan.device("numpy") == cpu and minigan.device("cupy") == cuda   # the backend names
    assert cpu.backend == "numpy" and cuda0.backend == "cupy"
    assert len({cpu, minigan.device("cpu")}) == 1


def test_bad_device_names_are_clear_errors():
    with pytest.raises(ValueError, match=r"unknown device 'tpu': expected 'cpu', 'cuda' or 'cuda:0'"):
        minigan.device("tpu")
    with pytest.raises(ValueError, match="minigan uses one GPU"):
        minigan.device("cuda:1")
    with pytest.raises(ValueError, match="as in 'cuda:0'"):
        minigan.device("cuda:x")
    with pytest.raises(TypeError, match="takes a string"):
        minigan.device(3)


def test_the_usual_device_line_works():
    device = minigan.device("cuda" if minigan.cuda.is_available() else "cpu")
    x = minigan.randn(2, 3, device=device)
    assert x.device.type == device.type
    assert x.to(device) is x


def test_cuda_is_available_is_quick_and_quiet_without_a_gpu():
    # a fresh interpreter, so the answer is not cached; where CuPy is missing it must say False
    code = ("import time; t = time.perf_counter(); import minigan; "
            "a = minigan.cuda.is_available(); print(a, minigan.cuda.device_count(), time.perf_counter() - t)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                         env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert run.returncode == 0, run.stderr
    available, count, _ = run.stdout.split()
    assert available == str(backend.cupy_available()) and count == ("1" if available == "True" else "0")
    assert run.stderr == ""
    start = time.perf_counter()
    for _ in range(100):
        minigan.cuda.is_available()
    assert time.perf_counter() - start < 0.1          # cached: no driver call each time


def test_tensor_device_facts_on_the_cpu():
    x = minigan.zeros(2)
    assert x.device == minigan.device("cpu") and not x.is_cuda
    assert x.cpu() is x and x.to("cpu") is x and x.to("numpy") is x


@pytest.mark.skipif(backend.cupy_available(), reason="this machine has a GPU")
def test_cuda_without_a_gpu_is_a_clear_error():
    for f in (lambda: minigan.zeros(2).cuda(), lambda: minigan.zeros(2, device="cuda"),
              lambda: minigan.zeros(2).to("cuda:0"), lambda: minigan.cuda.FloatTensor(2)):
        with pytest.raises(backend.BackendError, match="CuPy"):
            f()


# ----------------------------------------------------------------------------- .to
def test_to_parses_pytorch_argument_forms():
    x = minigan.tensor([1.0, 2.0])
    d = minigan.zeros(1, dtype=minigan.float64)
    assert x.to(minigan.float64).dtype == np.float64
    assert x.to("cpu", minigan.float64).dtype == np.float64
    assert x.to(device="cpu", dtype=minigan.float64).dtype == np.float64
    assert x.to(d).dtype == np.float64                       # to(other): its dtype and device
    assert x.to(minigan.float32) is x and x.to("cpu", minigan.float32) is x
    c = x.to(minigan.float32, copy=True)
    assert c is not x and c.array is not x.array
    assert x.to(minigan.float32, non_blocking=True) is x
    with pytest.raises(TypeError, match="unexpected keyword"):
        x.to(colour="red")
    with pytest.raises(TypeError, match=r"expected a device \('cpu', 'cuda', 'cuda:0'\) or a dtype"):
        x.to("tpu")


def test_to_dtype_keeps_the_graph():
    # .to(dtype) used to return a new leaf: w silently got no gradient
    w = minigan.tensor([1.0, -2.0], requires_grad=True)
    h = w * 3.0
    out = h.to(minigan.float64)
    assert out.grad_fn is not None and out.dtype == np.float64
    (out * out).sum().backward()
    assert w.grad is not None and w.grad.dtype == np.float32
    np.testing.assert_allclose(w.grad.numpy(), 18.0 * np.array([1.0, -2.0]))
    same = h.to(h.dtype)                                     # same dtype: the tensor itself
    assert same is h


@FAST
@given(data=st.data(), shape=shapes())
def test_to_float32_and_back_gradcheck(data, shape):
    x = leaf(data.draw(float64_arrays(shape)))
    # the float32 round trip loses digits, so gradcheck the float64 -> float64 path and its
    # float32 detour separately: the detour's gradient is 1 per element
    assert minigan.gradcheck(lambda t: t.to(minigan.float64, copy=True) * t, [x])
    y = x.to(minigan.float32)
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.numpy().astype(np.float32), rtol=1e-6)
    assert x.grad.dtype == np.float64


def test_integer_conversions_and_type():
    x = minigan.tensor([1.7, -2.2, 0.0], requires_grad=True)
    assert x.long().dtype == np.int64 and not x.long().requires_grad
    assert x.int().dtype == np.int32 and x.bool().dtype == np.bool_
    np.testing.assert_array_equal(x.long().numpy(), [1, -2, 0])        # truncation, as in PyTorch
    np.testing.assert_array_equal(x.bool().numpy(), [True, True, False])
    assert x.type() == "minigan.FloatTensor" and x.long().type() == "minigan.LongTensor"
    assert x.type(minigan.float64).dtype == np.float64
    assert x.type("torch.LongTensor").dtype == np.int64
    assert x.type_as(minigan.tensor([1])).dtype == np.int64
    assert minigan.tensor([1, 0]).float().dtype == np.float32


def test_dtype_names():
    assert minigan.float is minigan.float32 and minigan.double is minigan.float64
    assert minigan.long is minigan.int64 and minigan.int == np.int32 and minigan.bool == np.bool_
    assert minigan.uint8 == np.uint8
    assert minigan.zeros(2, dtype=minigan.long).dtype == np.int64
    assert minigan.zeros(2, dtype=minigan.bool).dtype == np.bool_


# ----------------------------------------------------------------------------- factories
FACTORIES = {
    "zeros": lambda **k: minigan.zeros(2, 3, **k),
    "ones": lambda **k: minigan.ones((2, 3), **k),
    "empty": lambda **k: minigan.empty(2, 3, **k),
    "full": lambda **k: minigan.full((2, 3), 0.5, **k),
    "randn": lambda **k: minigan.randn(2, 3, **k),
    "rand": lambda **k: minigan.rand(2, 3, **k),
    "tensor": lambda **k: minigan.tensor([[1.0, 2, 3], [4, 5, 6]], **k),
    "zeros_like": lambda **k: minigan.zeros_like(minigan.ones(2, 3), **k),
    "ones_like": lambda **k: minigan.ones_like(minigan.ones(2, 3), **k),
    "full_like": lambda **k: minigan.full_like(minigan.ones(2, 3), 2.0, **k),
    "randn_like": lambda **k: minigan.randn_like(minigan.ones(2, 3), **k),
    "rand_like": lambda **k: minigan.rand_like(minigan.ones(2, 3), **k),
    "empty_like": lambda **k: minigan.empty_like(minigan.ones(2, 3), **k),
}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_factories_take_device_dtype_and_requires_grad(name):
    make = FACTORIES[name]
    t = make(device="cpu", dtype=minigan.float64, requires_grad=True)
    assert t.shape == (2, 3) and t.dtype == np.float64 and t.requires_grad and t.is_leaf
    assert t.device == minigan.device("cpu")
    d = make(device=minigan.device("cpu"))
    assert d.dtype == np.float32 and not d.requires_grad


def test_factory_values():
    assert minigan.full((2,), 3).dtype == np.int64            # PyTorch: an int fill gives int64
    np.testing.assert_array_equal(minigan.full_like(minigan.zeros(2), 7).numpy(), [7.0, 7.0])
    assert minigan.arange(5).dtype == np.int64 and minigan.arange(0, 1, 0.25).dtype == np.float32
    np.testing.assert_array_equal(minigan.arange(2, 8, 2).numpy(), [2, 4, 6])
    minigan.manual_seed(1)
    r = minigan.randint(0, 10, (1000,))
    assert r.dtype == np.int64 and r.numpy().min() >= 0 and r.numpy().max() <= 9
    assert set(r.numpy().tolist()) == set(range(10))
    assert minigan.randint(5, (3, 2)).shape == (3, 2)
    p = minigan.randperm(10)
    assert p.dtype == np.int64 and sorted(p.numpy().tolist()) == list(range(10))
    minigan.manual_seed(2)
    a = minigan.randperm(50)
    minigan.manual_seed(2)
    np.testing.assert_array_equal(minigan.randperm(50).numpy(), a.numpy())
    with pytest.raises(TypeError, match="floating-point"):
        minigan.arange(3, requires_grad=True)
    with pytest.raises(ValueError, match="low < high"):
        minigan.randint(3, 3, (2,))
    with pytest.raises(TypeError, match=r"zeros\(2, 3\)"):
        minigan.zeros(2.5)


def test_new_methods_follow_the_tensor():
    x = minigan.zeros(2, dtype=minigan.float64)
    for t in (x.new_zeros(3), x.new_ones((3,)), x.new_full((3,), 2.0), x.new_empty(3),
              x.new_tensor([1, 2, 3])):
        assert t.shape == (3,) and t.dtype == np.float64 and t.device == x.device
    np.testing.assert_array_equal(x.new_full((3,), 2.0).numpy(), [2.0, 2.0, 2.0])
    assert x.new_ones(2, dtype=minigan.int64).dtype == np.int64
    data = np.array([1.0, 2.0])
    n = x.new_tensor(data)
    n[0] = 5.0
    assert data[0] == 1.0                                    # new_tensor copies


# ----------------------------------------------------------------------------- legacy constructors
def test_legacy_tensor_constructor_gives_the_default_dtype():
    assert minigan.Tensor(np.zeros(3)).dtype == np.float32           # float64 array -> float32
    assert minigan.Tensor([1, 2]).dtype == np.float32               # a list of ints -> float32
    assert minigan.Tensor(np.arange(3)).dtype == np.float32
    assert minigan.Tensor(2, 3).shape == (2, 3) and minigan.Tensor(2, 3).dtype == np.float32
    f32 = np.zeros(3, dtype=np.float32)
    assert minigan.Tensor(f32).array is f32                          # already float32: shared
    assert minigan.FloatTensor([1, 2]).dtype == np.float32
    assert minigan.FloatTensor(4, 1).shape == (4, 1)
    labels = minigan.LongTensor([3, 1])
    assert labels.dtype == np.int64 and labels.numpy().tolist() == [3, 1]
    assert minigan.LongTensor(5).shape == (5,)
    minigan.set_default_dtype(minigan.float64)
    assert minigan.Tensor([1.0]).dtype == np.float64


def test_as_tensor_and_from_numpy_share_memory():
    a = np.arange(3.0)
    t = minigan.as_tensor(a)
    assert t.array is a and t.dtype == np.float64
    assert minigan.from_numpy(a).array is a
    assert minigan.as_tensor([1, 2]).dtype == np.int64
    with pytest.raises(TypeError, match="numpy.ndarray"):
        minigan.from_numpy([1.0])
    assert minigan.is_tensor(t) and not minigan.is_tensor(a)


# ----------------------------------------------------------------------------- on a GPU
@needs_gpu
def test_to_cuda_is_differentiable_and_the_gradient_comes_back_to_the_cpu():
    w = minigan.tensor([1.0, -2.0, 0.5], requires_grad=True)
    g = w.to("cuda")
    assert g.is_cuda and g.device == minigan.device("cuda:0") and not g.is_leaf
    loss = (g * g).sum().cpu()
    loss.backward()
    assert w.grad.device == minigan.device("cpu")
    np.testing.assert_allclose(w.grad.numpy(), 2 * w.numpy())
    assert "device='cuda:0'" in repr(g)


@needs_gpu
def test_gpu_factories_and_moves():
    for t in (minigan.zeros(2, device="cuda"), minigan.randn(2, device=minigan.device("cuda:0")),
              minigan.tensor([1.0], device="cuda"), minigan.cuda.FloatTensor(2, 3),
              minigan.cuda.LongTensor([1, 2]), minigan.randint(0, 5, (3,), device="cuda"),
              minigan.ones(2).cuda(), minigan.arange(3, device="cuda")):
        assert t.is_cuda and t.device.type == "cuda"
    labels = minigan.tensor([1, 2]).cuda()
    assert labels.dtype == np.int64 and labels.cpu().numpy().tolist() == [1, 2]
    x = minigan.zeros(3, device="cuda")
    x.copy_(minigan.tensor([1.0, 2.0, 3.0]))                       # copy_ moves across devices
    np.testing.assert_array_equal(x.numpy(), [1.0, 2.0, 3.0])
    assert x.type() == "minigan.cuda.FloatTensor"


@needs_gpu
def test_gpu_version_counter_and_in_place():
    w = minigan.tensor([1.0, 2.0], device="cuda", requires_grad=True)
    x = minigan.tensor([3.0, 4.0], device="cuda")
    y = (w * x).sum()
    x.add_(1.0)
    with pytest.raises(RuntimeError, match="MulBackward"):
        y.backward()
    with minigan.no_grad():
        w -= 0.5
    np.testing.assert_array_equal(w.numpy(), [0.5, 1.5])
