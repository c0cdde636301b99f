"""A DCGAN training step on the GPU copies nothing between host and device.

Every copy between NumPy (host) and CuPy (device) memory that Python code can ask for goes
through a few entry points: ``cupy.asarray`` / ``cupy.array`` / ``cupy.asanyarray`` of a host
array and ``ndarray.set`` (host to device), ``ndarray.get`` (which ``cupy.asnumpy`` calls),
``item``, ``tolist`` and the conversions ``float()``, ``int()``, ``bool()`` (device to host).
The test wraps each of them with a counter, runs one warm-up step and one counted step, and
expects zero: a copy inside the step makes the host wait for the device every step (a
synchronisation), which is the first thing the GPU profile (benchmarks/NOTES.md) looks for.

Needs CuPy and a working NVIDIA GPU; skipped elsewhere, with the reason.
"""
import traceback

import numpy as np
import pytest

import minigan
from minigan import backend

pytestmark = [
    pytest.mark.cupy,
    pytest.mark.skipif(not backend.cupy_available(),
                       reason="needs CuPy and a working NVIDIA GPU (pip install 'minigan[gpu]')"),
]

TO_DEVICE = ("asarray", "array", "asanyarray")                          # module functions
ARRAY_METHODS = ("get", "set", "item", "tolist", "__float__", "__int__", "__bool__", "__complex__")


@pytest.fixture
def transfers(monkeypatch):
    """A list that records (what, where) for every host<->device copy requested from now on."""
    import cupy
    seen = []

    def where():
        return "".join(traceback.format_stack(limit=8)[:-2])

    for name in TO_DEVICE:
        original = getattr(cupy, name)

        def counted(obj, *args, _original=original, _name=name, **kwargs):
            if not isinstance(obj, cupy.ndarray):      # cupy.asarray(a device array) copies nothing
                seen.append((f"cupy.{_name}", where()))
            return _original(obj, *args, **kwargs)

        monkeypatch.setattr(cupy, name, counted)
    for name in ARRAY_METHODS:
        original = getattr(cupy.ndarray, name)

        def counted_method(self, *args, _original=original, _name=name, **kwargs):
            seen.append((f"ndarray.{_name}", where()))
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(cupy.ndarray, name, counted_method)
    return seen


def test_the_counters_see_a_copy_each_way(transfers):
    import cupy
    a = cupy.asarray(np.ones(3, dtype=np.float32))
    float(a.sum())
    assert [what for what, _ in transfers] == ["cupy.asarray", "ndarray.__float__"]


def test_one_dcgan_training_step_makes_no_host_device_copy(transfers):
    from minigan.models import build_gan
    from minigan.training.gan import GAN
    previous = backend.get_backend()
    backend.set_backend("cupy")
    try:
        minigan.manual_seed(0)
        G, D = build_gan("dcgan")
        G.to("cupy"), D.to("cupy")
        gan = GAN(G, D, 100)
        batch = minigan.tensor(np.tanh(np.random.default_rng(0).standard_normal((32, 1, 28, 28)))
                               .astype(np.float32)).to("cupy")
        gan.train_step(batch)                 # warm-up: kernels compiled, label columns cached
        transfers.clear()
        values = gan.train_step(batch)
        copies = list(transfers)
    finally:
        backend.set_backend(previous)
    assert set(values) == {"d_loss", "d_x", "d_g_z", "g_loss"}
    assert not copies, f"{len(copies)} host<->device copies in one step; the first: {copies[0][0]} at\n{copies[0][1]}"
