"""The lessons are part of the test suite: each one must run in --quick mode, assert at least one
fact (a line "checked: ..."), and save at least one figure.

    pytest tests/test_lessons.py                 # everything (the per-lesson runs are marked slow)
    pytest tests/test_lessons.py -m "not slow"   # only the fast structural checks

MNIST is taken from $MINIGAN_DATA_DIR, or from ../shared/data/mnist beside the repository when
that folder exists.
"""
import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import mnist_dir

REPO = Path(__file__).resolve().parent.parent
LESSONS_DIR = REPO / "lessons"
LESSONS = sorted(LESSONS_DIR.glob("[0-9][0-9]_*.py"))
EXPECTED_LESSONS = 14
TIMEOUT_S = 120


def lesson_env():
    env = dict(os.environ)
    if mnist_dir() is not None:
        env["MINIGAN_DATA_DIR"] = str(mnist_dir())
    env.setdefault("MPLBACKEND", "Agg")
    # One BLAS thread per lesson: the lessons' matrices are small, and on a busy 2-core machine
    # OpenBLAS's spinning worker threads made a lesson 3 to 10 times slower (measured 2026-11-22:
    # lesson 04 --quick took 6 s with one thread and 20-40 s with two while other jobs ran).
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def test_all_lessons_are_there():
    names = [p.name for p in LESSONS]
    assert len(LESSONS) == EXPECTED_LESSONS, f"expected {EXPECTED_LESSONS} numbered lessons, found {len(LESSONS)}: {names}"
    numbers = [int(p.name[:2]) for p in LESSONS]
    assert numbers == list(range(1, len(LESSONS) + 1)), f"lessons are not numbered 01, 02, ... in order: {names}"


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_structure(path):
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    docstring = ast.get_docstring(tree)
    assert docstring and len(docstring.strip()) > 40, f"{path.name} needs a module docstring saying what the student learns"
    assert "# %%" in source, f"{path.name} needs '# %%' cell markers (for Jupyter/jupytext and editors)"
    assert "check(" in source, f"{path.name} asserts no fact with check(...)"
    assert "torch" not in {n.split(".")[0] for node in ast.walk(tree)
                           if isinstance(node, (ast.Import, ast.ImportFrom))
                           for n in ([a.name for a in node.names] if isinstance(node, ast.Import)
                                     else [node.module or ""])}, f"{path.name} imports PyTorch"


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_help(path):
    result = subprocess.run([sys.executable, str(path), "--help"], cwd=REPO, env=lesson_env(),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"{path.name} --help failed:\n{result.stderr[-3000:]}"
    assert "--quick" in result.stdout and "--backend" in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_runs_quick(path, tmp_path):
    out = tmp_path / path.stem
    try:
        result = subprocess.run([sys.executable, str(path), "--quick", "--out", str(out)], cwd=REPO,
                                env=lesson_env(), capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"{path.name} --quick did not finish in {TIMEOUT_S} s; last output:\n"
                    f"{(e.stdout or b'')[-3000:]!r}")
    assert result.returncode == 0, (f"{path.name} --quick exited with {result.returncode}\n"
                                    f"--- stdout (end) ---\n{result.stdout[-3000:]}\n"
                                    f"--- stderr (end) ---\n{result.stderr[-3000:]}")
    assert "checked:" in result.stdout, f"{path.name} asserted no fact (no 'checked:' line in its output)"
    pngs = sorted(out.rglob("*.png"))
    assert pngs, f"{path.name} saved no PNG figure under {out}"
