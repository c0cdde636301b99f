"""Atomic writes and the safe loader."""
import os
import pickle

import numpy as np
import pytest

import minigan
from minigan.io import atomic_write, load, save


def test_save_load_round_trip_converts_tensors_to_arrays(tmp_path):
    obj = {"w": minigan.randn(2, 3), "list": [1, "two", (3.0,)], "arr": np.arange(4)}
    save(obj, tmp_path / "x.pkl")
    back = load(tmp_path / "x.pkl")
    assert isinstance(back["w"], np.ndarray) and np.array_equal(back["w"], obj["w"].numpy())
    assert back["list"] == [1, "two", (3.0,)] and np.array_equal(back["arr"], np.arange(4))


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "ckpt.pkl"
    save({"epoch": 1}, path)
    with pytest.raises(RuntimeError, match="disk full"):
        with atomic_write(path) as f:
            f.write(b"half a checkpoint")
            raise RuntimeError("disk full")
    assert load(path) == {"epoch": 1}
    assert os.listdir(tmp_path) == ["ckpt.pkl"]


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo owned",))


def test_load_refuses_code_and_garbage(tmp_path):
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps(_Evil()))
    with pytest.raises(ValueError, match="refusing to load"):
        load(path)
    path.write_bytes(b"not a pickle at all")
    with pytest.raises(ValueError, match="not a minigan file"):
        load(path)
    with pytest.raises(FileNotFoundError, match="no such file"):
        load(tmp_path / "missing.pkl")
