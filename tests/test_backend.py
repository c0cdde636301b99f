"""Backend choice (NumPy/CuPy), the MINIGAN_BACKEND variable, a quiet import, and seeding."""
import os
import subprocess
import sys

import numpy as np
import pytest

import minigan
import minigan.nn as nn
from minigan import backend


def _run(code, **env):
    environment = {k: v for k, v in os.environ.items() if k != "MINIGAN_BACKEND"}
    environment.update(env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment,
                          timeout=60)


def test_get_array_module_returns_numpy_for_numpy_arrays():
    assert backend.get_array_module(np.zeros(2)) is np
    assert backend.get_array_module(np.zeros(2), np.ones(3)) is np
    assert backend.get_array_module(1.0, [2.0]) is np
    assert backend.backend_of(np.zeros(1)) == "numpy"


def test_default_backend_is_numpy_and_tensors_live_there():
    assert minigan.get_backend() == "numpy"
    x = minigan.randn(3)
    assert x.backend == "numpy" and isinstance(x.array, np.ndarray)
    assert x.to("numpy") is x and x.cpu() is x


def test_unknown_backend_is_a_value_error():
    with pytest.raises(ValueError) as e:
        minigan.set_backend("tpu")
    assert "'tpu'" in str(e.value) and "numpy" in str(e.value) and "cupy" in str(e.value)
    with pytest.raises(ValueError):
        minigan.set_backend(None)
    assert minigan.get_backend() == "numpy"
    with pytest.raises(TypeError, match="'tpu'"):     # neither a backend nor a dtype
        minigan.tensor([1.0]).to("tpu")


def test_set_backend_is_case_insensitive():
    minigan.set_backend("NumPy")
    assert minigan.get_backend() == "numpy"


def test_set_backend_cupy_without_cupy_mentions_the_extra():
    if backend.cupy_available():
        pytest.skip("CuPy and a GPU are available here, so the missing-CuPy error cannot happen")
    with pytest.raises(RuntimeError) as e:
        minigan.set_backend("cupy")
    assert "minigan[gpu]" in str(e.value) and "pip install" in str(e.value)
    assert minigan.get_backend() == "numpy"          # the failed switch changed nothing
    with pytest.raises(RuntimeError, match=r"minigan\[gpu\]"):
        minigan.tensor([1.0]).to("cupy")


def test_cupy_available_never_raises():
    assert backend.cupy_available() in (True, False)


def test_env_var_selects_numpy():
    r = _run("import minigan; print(minigan.get_backend()); print(minigan.zeros(1).backend)",
             MINIGAN_BACKEND="numpy")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["numpy", "numpy"]


def test_env_var_bogus_gives_a_clear_error():
    r = _run("import minigan; minigan.get_backend()", MINIGAN_BACKEND="bogus")
    assert r.returncode != 0
    assert "ValueError" in r.stderr and "MINIGAN_BACKEND='bogus'" in r.stderr
    assert "numpy" in r.stderr.splitlines()[-1] and "cupy" in r.stderr.splitlines()[-1]


def test_import_prints_nothing():
    r = _run("import minigan, minigan.nn, minigan.functional, minigan.optim")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "" and r.stderr == ""


def test_manual_seed_makes_randn_and_init_reproducible():
    def draw():
        return minigan.randn(5).numpy().copy(), nn.Linear(4, 3).weight.numpy().copy(), minigan.rand(3).numpy().copy()

    minigan.manual_seed(123)
    first = draw()
    minigan.manual_seed(123)
    second = draw()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)        # bit-identical
    minigan.manual_seed(124)
    third = draw()
    for a, b in zip(first, third):
        assert not np.array_equal(a, b)


def test_successive_draws_differ():
    minigan.manual_seed(0)
    assert not np.array_equal(minigan.randn(4).numpy(), minigan.randn(4).numpy())


@pytest.mark.parametrize("bad", [-1, 1.5, "0", None, True])
def test_manual_seed_rejects_bad_seeds(bad):
    with pytest.raises(ValueError):
        minigan.manual_seed(bad)


def test_rng_state_round_trip():
    minigan.manual_seed(7)
    state = backend.get_rng_state()
    a = minigan.randn(4).numpy().copy()
    backend.set_rng_state(state)
    np.testing.assert_array_equal(minigan.randn(4).numpy(), a)


def test_to_numpy_and_to_backend_on_numpy():
    a = np.arange(3.0)
    assert backend.to_numpy(a) is a
    assert backend.to_backend(a, "numpy") is a
