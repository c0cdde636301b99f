"""Each PyTorch-style example runs a few steps on the shared MNIST files and writes its image
(and, for the course's two models, a checkpoint that minigan.load reads back)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

import minigan

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ["mlp_gan", "dcgan", "cgan", "lsgan", "wgan", "infogan", "wgan_gp"]


@pytest.mark.slow
@pytest.mark.parametrize("name", EXAMPLES)
def test_example_runs_a_few_steps(name, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT),
           "MINIGAN_DATA_DIR": os.environ.get("MINIGAN_DATA_DIR", "/work/shared/data/mnist")}
    script = ROOT / "examples" / "pytorch_style" / f"{name}.py"
    assert script.read_text().startswith('"""') and "import minigan as torch" in script.read_text()
    proc = subprocess.run([sys.executable, str(script), "--steps", "2", "--out", str(tmp_path / "out")],
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    pngs = list((tmp_path / "out").glob("*.png"))
    assert pngs and pngs[0].stat().st_size > 0
    ckpt = tmp_path / "out" / "checkpoint.pth"
    if name in ("mlp_gan", "dcgan"):
        state = minigan.load(ckpt)
        assert state["epoch"] == 0 and len(state[next(k for k in state if k.endswith("G"))]) > 0
