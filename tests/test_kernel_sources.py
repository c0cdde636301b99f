"""Source rules: kernels take their array module from their inputs, and no framework hides underneath.

Every kernel (minigan/functional/*.py and minigan/ops.py) must get ``xp`` from
``get_array_module(...)`` so that one line runs on NumPy and on CuPy; naming numpy there would
silently pull GPU arrays back to the CPU (or fail). The whole package must be written from
scratch: no torch, tensorflow, jax, autograd or scipy.
"""
import ast
from pathlib import Path

import minigan

PACKAGE = Path(minigan.__file__).parent
FORBIDDEN_FRAMEWORKS = {"torch", "tensorflow", "jax", "autograd", "scipy"}


def kernel_files():
    return sorted(PACKAGE.joinpath("functional").rglob("*.py")) + [PACKAGE / "ops.py"]


def numpy_uses(source):
    """(line, what) for every import of numpy and every use of the names ``np``/``numpy``
    (code only: comments and docstrings may talk about NumPy)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, f"import {a.name}") for a in node.names if a.name.split(".")[0] == "numpy"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "numpy":
            found.append((node.lineno, f"from {node.module} import ..."))
        elif isinstance(node, ast.Name) and node.id in ("np", "numpy"):
            found.append((node.lineno, f"name {node.id}"))
        elif isinstance(node, ast.Attribute) and node.attr == "numpy":    # backend.numpy, t.numpy()
            found.append((node.lineno, "attribute .numpy"))
    return found


def framework_imports(source):
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] in FORBIDDEN_FRAMEWORKS]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            if (node.module or "").split(".")[0] in FORBIDDEN_FRAMEWORKS:
                found.append((node.lineno, node.module))
    return found


def _report(hits):
    return "\n".join(f"{path.relative_to(PACKAGE.parent)}:{line}: {what}" for path, line, what in hits)


def test_the_checks_themselves_catch_violations():
    bad = ("import numpy as np\nfrom numpy import zeros\nimport numpy.linalg\nx = np.zeros(3)\n"
           "y = numpy.ones(2)\nz = backend.numpy.empty(1)\n")
    assert [line for line, _ in numpy_uses(bad)] == [1, 2, 3, 4, 5, 6]
    ok = '"""Runs on numpy. and np. arrays."""\nfrom ..backend import get_array_module  # not numpy.\n'
    assert numpy_uses(ok) == []
    assert [m for _, m in framework_imports("import torch.nn\nfrom jax import numpy\nimport scipy\n"
                                            "from . import autograd\nfrom .autograd import no_grad\n")] == \
        ["torch.nn", "jax", "scipy"]


def test_the_kernel_files_are_found():
    names = {p.name for p in kernel_files()}
    assert {"ops.py", "activation.py", "linear.py", "loss.py", "__init__.py"} <= names


def test_kernels_never_name_numpy():
    hits = [(path, line, what) for path in kernel_files()
            for line, what in numpy_uses(path.read_text(encoding="utf-8"))]
    assert not hits, ("kernels must take their array module from their inputs "
                      "(xp = get_array_module(...)), not name numpy:\n" + _report(hits))


def test_no_framework_underneath():
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) >= 20
    hits = [(path, line, module) for path in files
            for line, module in framework_imports(path.read_text(encoding="utf-8"))]
    assert not hits, "minigan is written from scratch; these files import a framework:\n" + _report(hits)
