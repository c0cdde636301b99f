"""Exercises for lesson 02 (autograd from scratch): adjoints by hand, vector-Jacobian products,
gradients of broadcasting, and the topological order.

Complete each function below, then run this file:
    python lessons/exercises/ex02_autograd_from_scratch.py          # checks your functions
    python lessons/exercises/ex02_autograd_from_scratch.py --key    # checks the teacher's key
"""
import sys
from pathlib import Path

if __package__ in (None, ""):                   # run as a file: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy  # noqa: E402

import minigan  # noqa: E402
from lessons.exercises._runner import expect, expect_close, main  # noqa: E402

EXERCISES = [("2.1", "forward_and_adjoints"), ("2.2", "matmul_vjp"), ("2.3", "unbroadcast"),
             ("2.4", "topological_order")]


# --------------------------------------------------------------------------- exercise 2.1
def forward_and_adjoints(a, b, c):
    """Exercise 2.1: the lesson's graph, f(a, b, c) = (a*b + c) * tanh(a), by hand.

    Return the tuple (f, a_bar, b_bar, c_bar) of Python floats, where x_bar = df/dx. Use only
    ``math`` and the chain rule, node by node, as in the lesson: u = a*b, v = u + c, w = tanh(a),
    f = v*w. Remember that a reaches f along two paths (through u and through w): the two
    contributions add up.
    """
    raise NotImplementedError("exercise 2.1: the forward pass, then the adjoints in reverse order")


def check_forward_and_adjoints(fn):
    rng = numpy.random.default_rng(21)
    for a, b, c in [(0.8, -1.5, 2.0)] + [tuple(rng.uniform(-2, 2, 3)) for _ in range(5)]:
        ta, tb, tc = (minigan.tensor(float(v), dtype=minigan.float64, requires_grad=True) for v in (a, b, c))
        tf = (ta * tb + tc) * ta.tanh()
        tf.backward()
        got = fn(float(a), float(b), float(c))
        expect(len(got) == 4, f"expected a tuple (f, a_bar, b_bar, c_bar), got {got!r}")
        want = [tf.item(), ta.grad.item(), tb.grad.item(), tc.grad.item()]
        expect_close(numpy.array(got, dtype=float), numpy.array(want),
                     f"(f, a_bar, b_bar, c_bar) at a={a:.3f}, b={b:.3f}, c={c:.3f} against minigan's backward()",
                     rtol=1e-10)


# --------------------------------------------------------------------------- exercise 2.2
def matmul_vjp(A, B, G):
    """Exercise 2.2: the vector-Jacobian product of a matrix product.

    C = A @ B with A of shape (n, k), B of shape (k, m). A later loss L sends back G = dL/dC
    (shape (n, m)). Return (dL/dA, dL/dB) as NumPy arrays. This is what every reverse-mode
    engine does instead of building the (n*m) x (n*k) Jacobian.

    Derive it from C_ij = sum_l A_il B_lj: dL/dA_il = sum_j G_ij B_lj, i.e. a matrix product;
    check the shapes of your answer against those of A and B.
    """
    raise NotImplementedError("exercise 2.2: write dL/dA and dL/dB as two matrix products")


def check_matmul_vjp(fn):
    rng = numpy.random.default_rng(22)
    for n, k, m in [(2, 3, 4), (1, 5, 1), (4, 1, 3), (3, 3, 3)]:
        A, B, G = rng.standard_normal((n, k)), rng.standard_normal((k, m)), rng.standard_normal((n, m))
        tA, tB = minigan.tensor(A, requires_grad=True), minigan.tensor(B, requires_grad=True)
        (tA @ tB).backward(minigan.tensor(G))
        dA, dB = fn(A, B, G)
        expect_close(dA, tA.grad.numpy(), f"dL/dA for A {A.shape}, B {B.shape}", rtol=1e-12)
        expect_close(dB, tB.grad.numpy(), f"dL/dB for A {A.shape}, B {B.shape}", rtol=1e-12)


# --------------------------------------------------------------------------- exercise 2.3
def unbroadcast(g, shape):
    """Exercise 2.3: the gradient of an input that was broadcast.

    In y = x + b with x of shape (4, 3) and b of shape (3,), NumPy broadcasting uses every entry
    of b four times (once per row). So b's gradient is the gradient of y *summed* over the copies.
    Given g = dL/dy (the broadcast shape) and the input's own ``shape``, return dL/d(input), an
    array of exactly ``shape``.

    The broadcasting rule: ``shape`` is first padded with 1s on the left to g.ndim dimensions;
    then every axis where the padded shape has 1 and g does not was copied. Sum over those axes
    (``keepdims=True`` for the size-1 ones), and drop the padded leading axes.
    Examples: g (4, 3) to (3,): sum over axis 0; g (2, 4, 3) to (4, 1): sum over axes 0 and 2.
    """
    raise NotImplementedError("exercise 2.3: sum g over the axes that broadcasting copied")


def check_unbroadcast(fn):
    rng = numpy.random.default_rng(23)
    for big, small in [((4, 3), (3,)), ((4, 3), (4, 1)), ((2, 4, 3), (4, 1)), ((2, 4, 3), (1, 1, 3)),
                       ((5,), ()), ((2, 3), (2, 3)), ((3, 1, 2), (3, 4, 1))]:
        x = rng.standard_normal(big)
        b = rng.standard_normal(small)
        tx = minigan.tensor(x, requires_grad=True)
        tb = minigan.tensor(b, requires_grad=True)
        y = tx + tb
        g = rng.standard_normal(y.shape)
        y.backward(minigan.tensor(g))
        expect_close(fn(g, small), tb.grad.numpy(), f"unbroadcast of a {g.shape} gradient to {small}", rtol=1e-12)


# --------------------------------------------------------------------------- exercise 2.4
def topological_order(inputs_of, output):
    """Exercise 2.4: the order in which reverse mode may visit a graph.

    ``inputs_of`` maps each node (a string) to the list of nodes it is computed from (leaves map
    to []). Return a list of every node that ``output`` depends on, ``output`` included, each
    exactly once and each *after* all of its inputs (so the reverse of the list is a valid
    order for the backward pass). Nodes ``output`` does not depend on must not appear.

    Hint: a depth-first search from ``output``; append a node after all its inputs are placed.
    Example: {"f": ["v", "w"], "v": ["u", "c"], "u": ["a", "b"], "w": ["a"], "a": [], "b": [], "c": []}
    with output "f" gives e.g. ["a", "b", "u", "c", "v", "w", "f"].
    """
    raise NotImplementedError("exercise 2.4: a depth-first search that appends a node after its inputs")


def _reachable(inputs_of, output):
    seen, stack = set(), [output]
    while stack:
        n = stack.pop()
        if n not in seen:
            seen.add(n)
            stack.extend(inputs_of[n])
    return seen


def check_topological_order(fn):
    lesson = {"f": ["v", "w"], "v": ["u", "c"], "u": ["a", "b"], "w": ["a"], "a": [], "b": [], "c": [],
              "unused": ["a"]}
    rng = numpy.random.default_rng(24)
    graphs = [(lesson, "f")]
    for _ in range(20):                  # random DAGs: node i may only use nodes < i
        n = int(rng.integers(2, 12))
        g = {f"n{i}": [f"n{j}" for j in range(i) if rng.random() < 0.3] for i in range(n)}
        graphs.append((g, f"n{n - 1}"))
    for graph, output in graphs:
        order = list(fn(graph, output))
        want = _reachable(graph, output)
        expect(len(order) == len(set(order)), f"a node appears twice in {order}")
        expect(set(order) == want, f"expected exactly the nodes {sorted(want)}, got {sorted(order)}")
        place = {n: i for i, n in enumerate(order)}
        for n in order:
            for i in graph[n]:
                expect(place[i] < place[n], f"{n} comes before its input {i} in {order}")
        expect(order[-1] == output, f"the output {output} must come last, got {order}")


if __name__ == "__main__":
    sys.exit(main())
