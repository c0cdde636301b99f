"""minigan.save / minigan.load as tutorial code uses them: a checkpoint dict of state dicts,
numbers, lists and strings, through the safe loader and the atomic write."""
import pickle

import numpy as np
import pytest

import minigan
import minigan.nn as nn
import minigan.optim as optim


def test_checkpoint_dict_round_trip(tmp_path):
    minigan.manual_seed(0)
    G = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    opt = optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    G(minigan.randn(5, 3)).sum().backward()
    opt.step()
    ckpt = {"epoch": 3, "G": G.state_dict(), "optG": opt.state_dict(), "losses": [0.5, 0.25],
            "name": "dcgan", "z": minigan.randn(2, 3)}
    path = tmp_path / "ckpt.pth"
    minigan.save(ckpt, path)
    back = minigan.load(path, map_location="cpu")
    assert back["epoch"] == 3 and back["losses"] == [0.5, 0.25] and back["name"] == "dcgan"
    np.testing.assert_array_equal(np.asarray(back["z"]), ckpt["z"].numpy())
    G2 = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    G2.load_state_dict(back["G"])
    for (k, a), (_, b) in zip(G.state_dict().items(), G2.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)
    opt2 = optim.Adam(G2.parameters(), lr=1.0)
    opt2.load_state_dict(back["optG"])
    assert opt2.param_groups[0]["lr"] == 2e-4
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.pth"]   # no temporary file left behind


def test_load_runs_no_code(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))
    path = tmp_path / "evil.pth"
    path.write_bytes(pickle.dumps({"x": Evil()}))
    with pytest.raises(ValueError, match="refusing to load builtins.print"):
        minigan.load(path)


def test_map_location_names_a_device(tmp_path):
    minigan.save({"w": minigan.ones(2)}, tmp_path / "a.pth")
    assert isinstance(minigan.load(tmp_path / "a.pth", map_location=minigan.device("cpu"))["w"], np.ndarray)
    with pytest.raises(ValueError, match="unknown device"):
        minigan.load(tmp_path / "a.pth", map_location="tpu")
