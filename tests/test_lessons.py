"""The lessons are part of the test suite: each one must run in --quick mode, assert at least one
fact (a line "checked: ..."), and save at least one figure.

Two contracts guard the lessons against silent decay:
  * the Source line: every lesson's docstring names, on one line ``Source: <path>[, <path> ...]``,
    the repository files it explains, and each of them must exist;
  * the checks guard: ``tests/lesson_checks/<lesson>.txt`` lists, in order, the ``checked: ...``
    lines the lesson prints in quick mode at seed 0, numbers replaced by ``#``. A lesson whose
    check is removed, reworded or weakened no longer prints that list, and its test fails; so a
    change of a lesson's checks is a change of this file too, made on purpose.

    pytest tests/test_lessons.py                 # everything (the per-lesson runs are marked slow)
    pytest tests/test_lessons.py -m "not slow"   # only the fast structural checks

Each lesson's quick run happens once, in a real Jupyter kernel (converted with jupytext,
executed by nbclient, in a working folder that is not lessons/) when the notebooks extra is
installed, else as a script; one lesson also runs as a script with its command-line options.

MNIST is taken from $MINIGAN_DATA_DIR, or from ../shared/data/mnist beside the repository when
that folder exists.
"""
import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import mnist_dir

REPO = Path(__file__).resolve().parent.parent
LESSONS_DIR = REPO / "lessons"
LESSONS = sorted(LESSONS_DIR.glob("[0-9][0-9]_*.py"))
AT_LEAST_LESSONS = 14          # lessons 01-14 exist; later ones (15, ...) may be added
CHECKS_DIR = REPO / "tests" / "lesson_checks"
TIMEOUT_S = 120
NOTEBOOK_CELL_TIMEOUT_S = 300
NUMBER = re.compile(r"\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def normalise_check(line):
    """A printed 'checked: ...' line with every number replaced by '#' (the form the files hold)."""
    return NUMBER.sub("#", line.strip())


def printed_checks(stdout):
    """The normalised 'checked:' lines of a lesson's output, in order."""
    return [normalise_check(line) for line in stdout.splitlines() if line.strip().startswith("checked:")]


def source_paths(docstring):
    """The paths named by the docstring's one 'Source:' line (None when there is no such line)."""
    lines = [line.strip() for line in docstring.splitlines() if line.strip().startswith("Source:")]
    if len(lines) != 1:
        return None if not lines else lines
    return [part.strip() for part in lines[0][len("Source:"):].split(",")]


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
    assert len(LESSONS) >= AT_LEAST_LESSONS, f"expected at least {AT_LEAST_LESSONS} numbered lessons, found {len(LESSONS)}: {names}"
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
def test_lesson_names_its_source(path):
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    paths = source_paths(docstring)
    assert paths is not None, (f"{path.name}: its docstring needs one line 'Source: <path>[, <path> ...]' naming "
                               "the repository files the lesson explains")
    assert all(isinstance(p, str) for p in paths), f"{path.name} has several 'Source:' lines: {paths}"
    assert paths and all(paths), f"{path.name}: the Source line names no file (or has an empty entry): {paths}"
    missing = [p for p in paths if not (REPO / p).exists()]
    assert not missing, f"{path.name}: the Source line names files that do not exist: {missing}"


def test_every_lesson_has_a_checks_file():
    missing = [p.stem for p in LESSONS if not (CHECKS_DIR / f"{p.stem}.txt").is_file()]
    assert not missing, f"no tests/lesson_checks/<lesson>.txt for {missing}"
    orphans = sorted({f.stem for f in CHECKS_DIR.glob("*.txt")} - {p.stem for p in LESSONS})
    assert not orphans, f"tests/lesson_checks/ holds files for lessons that do not exist: {orphans}"


def test_check_normalisation():
    # the rule the files are written with: numbers (integers, decimals, exponents) become '#'
    assert normalise_check("  checked: 1e-6 < err < 0.08 at 28 -> 14 ") == "checked: # < err < # at # -> #"
    assert printed_checks("x\n  checked: a 3x3 output\nchecked? no\n") == ["checked: a #x# output"]


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_help(path):
    result = subprocess.run([sys.executable, str(path), "--help"], cwd=REPO, env=lesson_env(),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"{path.name} --help failed:\n{result.stderr[-3000:]}"
    assert "--quick" in result.stdout and "--backend" in result.stdout


def run_as_script(path, out):
    """``python lessons/<lesson>.py --quick --seed 0 --out OUT``; its stdout (the test fails on an error)."""
    try:
        # seed 0 explicitly: the checks files record the quick run at seed 0
        result = subprocess.run([sys.executable, str(path), "--quick", "--seed", "0", "--out", str(out)], cwd=REPO,
                                env=lesson_env(), capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"{path.name} --quick did not finish in {TIMEOUT_S} s; last output:\n"
                    f"{(e.stdout or b'')[-3000:]!r}")
    assert result.returncode == 0, (f"{path.name} --quick exited with {result.returncode}\n"
                                    f"--- stdout (end) ---\n{result.stdout[-3000:]}\n"
                                    f"--- stderr (end) ---\n{result.stderr[-3000:]}")
    return result.stdout


def run_as_notebook(path, out, work, monkeypatch):
    """The lesson converted by jupytext and executed by a Jupyter kernel (nbclient) in the folder
    ``work`` (not lessons/), its options from the environment: quick mode, seed 0 (the default),
    figures into ``out``. Returns the text the cells printed."""
    import jupytext
    import nbclient
    notebook = jupytext.read(path)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    # the kernel inherits this environment: lessons/ importable (for _common), the data, BLAS on one thread
    for name, value in lesson_env().items():
        if os.environ.get(name) != value:
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("MINIGAN_QUICK", "1")
    monkeypatch.setenv("MINIGAN_THREADS", "1")
    monkeypatch.setenv("MINIGAN_OUT", str(out))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(LESSONS_DIR), str(REPO), os.environ.get("PYTHONPATH", "")]))
    client = nbclient.NotebookClient(notebook, timeout=NOTEBOOK_CELL_TIMEOUT_S, kernel_name="python3",
                                     resources={"metadata": {"path": str(work)}})
    client.execute()
    return "".join(output.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
                   for output in cell.get("outputs", []) if output.get("output_type") == "stream")


def notebooks_extra_installed():
    try:
        import ipykernel  # noqa: F401
        import jupytext  # noqa: F401
        import nbclient  # noqa: F401
    except ImportError:
        return False
    return True


def assert_a_quick_run(path, stdout, out):
    """What a quick run of a lesson must show, however it ran: quick mode, its checks exactly as
    tests/lesson_checks/<lesson>.txt lists them, at least one figure saved under ``out``."""
    assert "(quick mode" in stdout, f"{path.name} did not run in quick mode"
    assert "checked:" in stdout, f"{path.name} asserted no fact (no 'checked:' line in its output)"
    expected_file = CHECKS_DIR / f"{path.stem}.txt"
    assert expected_file.is_file(), f"{path.name} has no checks file {expected_file.relative_to(REPO)}"
    expected = [line for line in expected_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    printed = printed_checks(stdout)
    header = re.search(r"\(quick mode, backend (\w+)\)", stdout)
    if header and header.group(1) != "numpy":
        # another backend may add checks of its own (e.g. lesson 01's GPU round trip); the
        # numpy list must still appear in full and in order
        remaining = iter(printed)
        missing = [line for line in expected if not any(line == p for p in remaining)]
        assert not missing, f"{path.name} no longer prints these checks: {missing}"
    else:
        assert printed == expected, (
            f"{path.name}'s checks differ from {expected_file.relative_to(REPO)} (a check removed, reworded "
            f"or added: update the file on purpose)\n--- expected ---\n" + "\n".join(expected)
            + "\n--- printed ---\n" + "\n".join(printed))
    pngs = sorted(out.rglob("*.png"))
    assert pngs, f"{path.name} saved no PNG figure under {out}"


@pytest.mark.slow
@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_runs_quick(path, tmp_path, monkeypatch):
    # Each lesson runs once: as a notebook in a Jupyter kernel when the notebooks extra is
    # installed (the README's install has it, and CI), else as a script. Running every lesson
    # both ways doubled the suite's longest part (about 170 s on a 2-core machine) to test the
    # same lesson code twice; the script's own entry point (its command-line options) is shared
    # by all lessons in _common.setup and is run by test_a_lesson_runs_as_a_script below.
    out = tmp_path / path.stem
    if notebooks_extra_installed():
        work = tmp_path / "elsewhere"                    # not lessons/, not the repository root
        work.mkdir()
        stdout = run_as_notebook(path, out, work, monkeypatch)
    else:
        stdout = run_as_script(path, out)
    assert_a_quick_run(path, stdout, out)


@pytest.mark.parametrize("stem", ["08_convolution_output_size"])
def test_a_lesson_runs_as_a_script(stem, tmp_path):
    path = LESSONS_DIR / f"{stem}.py"
    out = tmp_path / stem
    assert_a_quick_run(path, run_as_script(path, out), out)
