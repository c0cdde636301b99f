"""The package's layers, read from its imports (every import, at the top of a file or inside a
function): core (backend, tensor, autograd, function, ops, ...) -> functional -> nn -> optim ->
models -> data -> metrics -> training -> cli. Dependencies point down; the only circle allowed is the
core's tensor/function/ops trio; nothing below nn/ imports nn/, models/, training/ or argparse."""
import ast
from pathlib import Path

import minigan

PACKAGE = Path(minigan.__file__).parent
# the core: the Tensor, the Function pattern and the ops Tensor's methods call, and the graph
# walk (autograd.grad makes Tensors); they import each other, nothing else may
CORE_TRIO = {"minigan.tensor", "minigan.function", "minigan.ops", "minigan.autograd"}
KNOWN_UPWARD = set()


def module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports():
    """{module: set of minigan modules and top-level libraries it imports}. ``from pkg import
    mod`` counts as importing pkg.mod (not pkg's __init__) when mod is a module."""
    modules = {module_name(p) for p in PACKAGE.rglob("*.py")}
    graph = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[:len(base) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module
                submodules = {f"{target}.{a.name}" for a in node.names} & modules
                found |= submodules if submodules else {target}
        graph[name] = found
    for name, found in graph.items():
        graph[name] = {m for m in found if m in modules or not m.startswith("minigan")}
    return graph


def layer(module):
    """The layer of a minigan module: 0 for the core, then functional, nn, optim, models, data,
    utils.data and vision (PyTorch-style data), shapes (explain/trace), metrics, training, evaluate (the evaluate command), cli; the
    package's __init__ and __main__ sit on top."""
    top = module.split(".")[1] if "." in module else ""
    order = ["", "functional", "nn", "optim", "models", "data", "utils", "vision", "shapes", "metrics", "training", "evaluate",
             "cli", "__main__"]
    return order.index(top) if top in order else 0


def upward_imports():
    bad = []
    for name, found in imports().items():
        if name in ("minigan", "minigan.__main__"):
            continue
        for target in found:
            if target.startswith("minigan") and target != "minigan" and layer(target) > layer(name):
                bad.append((name, target))
    return sorted(bad)


def test_no_module_imports_a_layer_above_its_own():
    bad = [pair for pair in upward_imports() if pair not in KNOWN_UPWARD]
    assert not bad, "imports that point up the layers (module -> what it imports): " + repr(bad)


def test_nothing_below_nn_imports_nn_models_training_or_argparse():
    for name, found in imports().items():
        if name in ("minigan", "minigan.__main__") or layer(name) >= layer("minigan.nn"):
            continue
        for target in found:
            if (name, target) in KNOWN_UPWARD:
                continue
            top = target.split(".")[1] if target.startswith("minigan.") else target
            assert top not in ("nn", "models", "training", "argparse", "cli", "shapes"), f"{name} imports {target}"


def test_no_circle_beyond_the_core_trio():
    graph = {n: {m for m in found if m.startswith("minigan") and m != "minigan"} for n, found in imports().items()}
    # strongly connected components (Tarjan), each one a circle when it has more than one module
    index, low, stack, on, circles = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(component)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    allowed = [c for c in circles if c <= CORE_TRIO]
    others = [sorted(c) for c in circles if c not in allowed]
    assert not others, f"import circles beyond tensor/function/ops: {others}"


def test_the_reader_sees_imports_inside_functions():
    # upward imports like to hide inside functions: autograd.grad imports Tensor in its body
    assert "minigan.tensor" in imports()["minigan.autograd"]
