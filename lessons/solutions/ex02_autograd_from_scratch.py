"""The teacher's key to lessons/exercises/ex02_autograd_from_scratch.py (run this file to check it)."""
import math
import sys
from pathlib import Path

if __package__ in (None, ""):                   # run as a file: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def forward_and_adjoints(a, b, c):
    """Exercise 2.1: forward u, v, w, f; then f_bar = 1 and the chain rule node by node."""
    u = a * b
    v = u + c
    w = math.tanh(a)
    f = v * w
    v_bar, w_bar = w, v                  # f = v*w
    u_bar = c_bar = v_bar                # v = u + c
    b_bar = u_bar * a                    # u = a*b
    a_bar = u_bar * b + w_bar * (1 - w * w)   # a's two paths: through u and through w = tanh(a)
    return f, a_bar, b_bar, c_bar


def matmul_vjp(A, B, G):
    """Exercise 2.2: dL/dA = G B^T (n, k), dL/dB = A^T G (k, m)."""
    return G @ B.T, A.T @ G


def unbroadcast(g, shape):
    """Exercise 2.3: sum over the padded leading axes, then over the axes where shape has 1."""
    shape = tuple(shape)
    lead = g.ndim - len(shape)
    g = g.sum(axis=tuple(range(lead))) if lead else g
    copied = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return g.sum(axis=copied, keepdims=True) if copied else g


def topological_order(inputs_of, output):
    """Exercise 2.4: depth-first search, each node appended after all of its inputs."""
    order, placed = [], set()

    def visit(node):
        if node in placed:
            return
        placed.add(node)
        for i in inputs_of[node]:
            visit(i)
        order.append(node)

    visit(output)
    return order


if __name__ == "__main__":
    from lessons.exercises._runner import run_key_file
    sys.exit(run_key_file(__file__))
