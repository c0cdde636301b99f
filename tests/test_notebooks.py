"""Every lesson runs as a real notebook: converted with jupytext, executed by a Jupyter kernel
(nbclient), in quick mode through MINIGAN_QUICK=1, in a working folder that is not lessons/.

Needs the notebooks extra (pip install -e ".[notebooks]"); CI installs it.
"""
import os

import pytest

from .helpers import REPO, mnist_dir
from .test_lessons import LESSONS

TIMEOUT_S = 300


@pytest.mark.slow
@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_runs_as_a_notebook(path, tmp_path, monkeypatch):
    jupytext = pytest.importorskip("jupytext", reason="the notebooks extra is not installed")
    nbclient = pytest.importorskip("nbclient", reason="the notebooks extra is not installed")
    notebook = jupytext.read(path)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    work = tmp_path / "elsewhere"                    # not lessons/, not the repository root
    work.mkdir()
    # the kernel inherits this environment: quick mode, lessons/ importable (for _common), the data
    monkeypatch.setenv("MINIGAN_QUICK", "1")
    monkeypatch.setenv("MINIGAN_THREADS", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO / "lessons"), str(REPO),
                                                      os.environ.get("PYTHONPATH", "")]))
    if mnist_dir() is not None:
        monkeypatch.setenv("MINIGAN_DATA_DIR", str(mnist_dir()))
    client = nbclient.NotebookClient(notebook, timeout=TIMEOUT_S, kernel_name="python3",
                                     resources={"metadata": {"path": str(work)}})
    client.execute()
    text = "".join(out.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
                   for out in cell.get("outputs", []) if out.get("output_type") == "stream")
    assert "(quick mode" in text, f"{path.name} did not run in quick mode as a notebook"
    assert "checked:" in text, f"{path.name} asserted no fact as a notebook"
