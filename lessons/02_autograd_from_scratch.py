"""Lesson 02: automatic differentiation, by hand and then by minigan.

What you learn here:
  * a computation is a graph: leaves (the inputs), and one node per operation;
  * the forward pass computes every node's value, from the leaves to the output;
  * reverse mode walks the graph backwards. Each node multiplies the gradient arriving from
    above by its *local* derivative (the chain rule), and where a value feeds several nodes
    the gradients coming back along the different paths are *added*;
  * ``backward()`` does exactly that, in a topological order it computes itself; you can see the
    recorded nodes through ``grad_fn`` and the order through ``minigan.autograd.topological_order``;
  * gradients accumulate in ``.grad`` and the graph is freed after one backward pass;
  * a gradient can have a gradient: ``create_graph=True`` records the backward pass itself;
  * on tensors, backward computes vector-Jacobian products v^T J without ever building the
    Jacobian J; each op's backward is its VJP (for a matrix product: Ā = Ȳ B^T, B̄ = A^T Ȳ).

The example:  f(a, b, c) = (a*b + c) * tanh(a)   at a = 0.8, b = -1.5, c = 2.0.

Notation: a, b, c the leaves (``A``, ``B``, ``C`` as floats; ``a``, ``b``, ``c`` as tensors);
u, v, w, f the intermediate values and the output (``u``/``tu``, ...); x̄ the adjoint df/dx
(``a_bar``, ..., and ``.grad``); for tensors, J the Jacobian and v the vector of a
vector-Jacobian product (``v_np``); Ȳ the adjoint of a tensor Y.

Source: minigan/autograd.py, minigan/function.py, minigan/ops.py

Run:  python lessons/02_autograd_from_scratch.py [--quick] [--backend cupy]
"""
# %% [markdown]
# # Autograd from scratch
# We name every intermediate value:  u = a*b,  v = u + c,  w = tanh(a),  f = v*w.

# %%
import math

import numpy

from _common import check, save, setup

import minigan
from minigan.autograd import topological_order

args = setup("02_autograd_from_scratch", "A computational graph differentiated by hand, step by step, and then by "
                       "minigan's backward(): the same numbers.")
A, B, C = 0.8, -1.5, 2.0

# %% [markdown]
# ## 1. Forward pass by hand (plain Python floats)

# %%
u = A * B
v = u + C
w = math.tanh(A)
f = v * w
print("forward pass (leaves first, output last):")
for name, formula, value in [("u", "a*b", u), ("v", "u + c", v), ("w", "tanh(a)", w), ("f", "v*w", f)]:
    print(f"  {name} = {formula:8s} = {value: .6f}")

# %% [markdown]
# ## 2. Backward pass by hand
# Write `x̄` for d f / d x (the *adjoint* of x). Start with f̄ = 1 and visit the nodes in reverse.
# Each node passes  (its adjoint) x (its local derivative)  to each of its inputs.

# %%
print("\nbackward pass (output first):")
f_bar = 1.0
print(f"  f̄ = 1  (df/df)")
# f = v * w: local derivatives df/dv = w, df/dw = v
v_bar = f_bar * w
w_bar = f_bar * v
print(f"  f = v*w    local: df/dv = w = {w:.6f},  df/dw = v = {v:.6f}")
print(f"             v̄ = f̄ * w = {v_bar:.6f},   w̄ = f̄ * v = {w_bar:.6f}")
# v = u + c: local derivatives 1 and 1 (addition copies the gradient)
u_bar = v_bar * 1.0
c_bar = v_bar * 1.0
print(f"  v = u + c  local: dv/du = 1, dv/dc = 1  ->  ū = {u_bar:.6f},  c̄ = {c_bar:.6f}")
# u = a * b: local derivatives du/da = b, du/db = a
a_bar_via_u = u_bar * B
b_bar = u_bar * A
print(f"  u = a*b    local: du/da = b = {B},  du/db = a = {A}")
print(f"             ā (via u) = ū * b = {a_bar_via_u:.6f},   b̄ = ū * a = {b_bar:.6f}")
# w = tanh(a): local derivative 1 - tanh(a)^2
local_tanh = 1.0 - w * w
a_bar_via_w = w_bar * local_tanh
print(f"  w = tanh a local: dw/da = 1 - tanh(a)^2 = {local_tanh:.6f}")
print(f"             ā (via w) = w̄ * (1 - w^2) = {a_bar_via_w:.6f}")
# a reaches f along two paths (through u and through w): the two contributions add up
a_bar = a_bar_via_u + a_bar_via_w
print(f"  a feeds two nodes, so its adjoint is the sum:  ā = {a_bar_via_u:.6f} + {a_bar_via_w:.6f} = {a_bar:.6f}")

# the closed form, to make sure the bookkeeping is right:
# df/da = b tanh(a) + (a b + c)(1 - tanh(a)^2),  df/db = a tanh(a),  df/dc = tanh(a)
check(abs(a_bar - (B * w + v * (1 - w * w))) < 1e-12, "the step-by-step adjoint of a equals the closed-form derivative")
check(abs(b_bar - A * w) < 1e-12 and abs(c_bar - w) < 1e-12, "the adjoints of b and c equal a*tanh(a) and tanh(a)")

# %% [markdown]
# ## 3. The same computation with minigan tensors
# Leaves that want gradients are made with `requires_grad=True`. Every operation on them records
# a graph node, visible as `grad_fn`. float64 keeps the comparison with the hand computation
# exact to ~1e-15.

# %%
a = minigan.tensor(A, dtype=minigan.float64, requires_grad=True)
b = minigan.tensor(B, dtype=minigan.float64, requires_grad=True)
c = minigan.tensor(C, dtype=minigan.float64, requires_grad=True)
tu = a * b
tv = tu + c
tw = a.tanh()
tf = tv * tw
for t in (tu, tv, tw):
    t.retain_grad()          # keep the adjoints of the intermediate nodes too (leaves keep theirs)
names = {id(a): "a", id(b): "b", id(c): "c", id(tu): "u", id(tv): "v", id(tw): "w", id(tf): "f"}

print(f"\nf = {tf.item():.6f}  (by hand: {f:.6f})")
print(f"f.grad_fn = {tf.grad_fn!r}: made by {tf.grad_fn.name} from "
      f"{[names[id(t)] for t in tf.grad_fn.inputs]}")
check(abs(tf.item() - f) < 1e-12, "minigan's forward pass gives the hand-computed f")
check(tf.grad_fn.name == "Mul" and a.grad_fn is None, "f was made by a Mul node; the leaves have no grad_fn")

# %% [markdown]
# ## 4. The order backward() uses
# `topological_order(f)` lists every tensor after all of the tensors it was computed from;
# backward walks that list from the end (f) to the start (the leaves).

# %%
order = topological_order(tf)
print("\ntopological order (backward visits it right to left):")
print("  " + "  ->  ".join(f"{names[id(t)]}[{t.grad_fn.name if t.grad_fn else 'leaf'}]" for t in order))
position = {id(t): i for i, t in enumerate(order)}
inputs_first = all(position[id(p)] < position[id(t)]
                   for t in order if t.grad_fn is not None for p in t.grad_fn.inputs if p is not None)
check(inputs_first, "in the topological order every tensor comes after its inputs")
check(len(order) == 7 and order[-1] is tf, "the graph has 7 tensors (3 leaves, 4 ops) and f comes last")
check(sorted(t.grad_fn.name for t in order if t.grad_fn) == ["Add", "Mul", "Mul", "Tanh"],
      "the recorded ops are Mul, Add, Tanh, Mul")

# %% [markdown]
# ## 5. backward() gives the hand-computed adjoints

# %%
tf.backward()
table = [("a", a, a_bar), ("b", b, b_bar), ("c", c, c_bar), ("u", tu, u_bar), ("v", tv, v_bar), ("w", tw, w_bar)]
print("\n  node   by hand      minigan backward()")
for name, t, hand in table:
    print(f"  {name}    {hand: .9f}   {t.grad.item(): .9f}")
worst = max(abs(t.grad.item() - hand) for _, t, hand in table)
check(worst < 1e-12, "backward() reproduces every hand-computed adjoint (to 1e-12)")

# %% [markdown]
# ## 6. Two rules of the engine
# * the graph is used once: its saved values are freed by backward() (pass retain_graph=True to
#   keep them);
# * gradients *accumulate* in .grad: optimizers zero them before each step.

# %%
try:
    tf.backward()
    second_pass_failed = False
except RuntimeError as e:
    second_pass_failed = True
    print("\na second backward() through the same graph fails:\n  ", e)
check(second_pass_failed, "a graph is freed after one backward pass")

g = (a * b + c) * a.tanh()
g.backward(retain_graph=True)
once = a.grad.item()           # the earlier a_bar plus this one: still accumulating
g.backward()
print(f"after two more backward passes, a.grad = {a.grad.item():.6f} = 3 x {a_bar:.6f}")
check(abs(once - 2 * a_bar) < 1e-12 and abs(a.grad.item() - 3 * a_bar) < 1e-12,
      "each backward() adds to .grad instead of replacing it")

# %% [markdown]
# ## 7. The graph, with values (blue) and adjoints (red)

# %%
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyBboxPatch  # noqa: E402

pos = {"a": (0, 2.2), "b": (0, 1.1), "c": (0, 0), "u": (2, 1.6), "w": (2, 3.2), "v": (4, 0.8), "f": (6, 2)}
label = {"a": "a (leaf)", "b": "b (leaf)", "c": "c (leaf)", "u": "u = a*b", "w": "w = tanh(a)",
         "v": "v = u + c", "f": "f = v*w"}
value = {"a": A, "b": B, "c": C, "u": u, "v": v, "w": w, "f": f}
adjoint = {"a": a_bar, "b": b_bar, "c": c_bar, "u": u_bar, "v": v_bar, "w": w_bar, "f": 1.0}
edges = [("a", "u", "b"), ("b", "u", "a"), ("a", "w", "1-w²"), ("u", "v", "1"), ("c", "v", "1"),
         ("v", "f", "w"), ("w", "f", "v")]
fig, ax = plt.subplots(figsize=(10, 5))
for src, dst, local in edges:
    (x0, y0), (x1, y1) = pos[src], pos[dst]
    ax.annotate("", xy=(x1 - 0.55, y1), xytext=(x0 + 0.55, y0),
                arrowprops=dict(arrowstyle="->", color="gray", lw=1.3))
    ax.text((x0 + x1) / 2, (y0 + y1) / 2 + 0.12, f"local: {local}", fontsize=8, color="dimgray", ha="center")
for key, (x, y) in pos.items():
    ax.add_patch(FancyBboxPatch((x - 0.55, y - 0.38), 1.1, 0.76, boxstyle="round,pad=0.02",
                                fc="lightyellow", ec="black"))
    ax.text(x, y + 0.17, label[key], ha="center", fontsize=9, weight="bold")
    ax.text(x, y - 0.05, f"value {value[key]:.3f}", ha="center", fontsize=8, color="tab:blue")
    ax.text(x, y - 0.25, f"adjoint {adjoint[key]:.3f}", ha="center", fontsize=8, color="tab:red")
ax.set_xlim(-0.8, 6.8)
ax.set_ylim(-0.6, 3.8)
ax.axis("off")
ax.set_title("f = (a*b + c) * tanh(a): forward values and reverse-mode adjoints df/dx\n"
             "(edge labels: the local derivative of the node at the arrow's head w.r.t. its input)",
             fontsize=10)
save(fig, args, "graph.png")

# %% [markdown]
# ## Gradients of gradients
# A gradient is itself computed by operations (multiplications by local derivatives, sums), so
# it can be differentiated again, if those operations are recorded too. That is what
# ``create_graph=True`` asks for. minigan writes each op's backward once, in operations that
# work on raw arrays *and* on Tensors: an ordinary ``backward()`` runs them on arrays (fast,
# nothing recorded), ``create_graph=True`` runs them on Tensors, which records a graph of the
# gradient (``minigan/autograd.py``, ``minigan/function.py``: ``Function.run``). The WGAN-GP
# critic needs exactly this: its loss contains the norm of d(critic)/d(input).
#
# By hand, with t = tanh(a):  df/da = b t + (ab + c)(1 - t^2), and
#     d2f/da2 = 2 b (1 - t^2) - 2 (ab + c) t (1 - t^2).

# %%
a2 = minigan.tensor(A, dtype=minigan.float64, requires_grad=True)
b2 = minigan.tensor(B, dtype=minigan.float64)
c2 = minigan.tensor(C, dtype=minigan.float64)
f2 = (a2 * b2 + c2) * a2.tanh()
(dfda,) = minigan.autograd.grad(f2, a2, create_graph=True)      # a Tensor with a graph of its own
(d2fda2,) = minigan.autograd.grad(dfda, a2)
t = math.tanh(A)
by_hand = 2 * B * (1 - t * t) - 2 * (A * B + C) * t * (1 - t * t)
print(f"d2f/da2: minigan {d2fda2.item():.6f}, by hand {by_hand:.6f}")


def first_derivative(a_value):
    """df/da at a_value from an ordinary (first-order) backward pass."""
    x = minigan.tensor(a_value, dtype=minigan.float64, requires_grad=True)
    ((x * b2 + c2) * x.tanh()).backward()
    return x.grad.item()


h = 1e-5     # an independent reference: central differences of first derivatives
numeric = (first_derivative(A + h) - first_derivative(A - h)) / (2 * h)
check(abs(d2fda2.item() - by_hand) < 1e-12,
      "the second derivative from create_graph=True equals the one derived by hand")
check(abs(d2fda2.item() - numeric) < 1e-6,
      "it also matches central differences of first-order gradients (no shared code path)")

# %% [markdown]
# ## 8. Beyond scalars: vector-Jacobian products
# A network works on tensors. For y = f(x) with x holding n numbers and y holding m, the
# derivative is the m x n Jacobian J, J[i, j] = dy_i / dx_j. Reverse mode never builds J. Given
# v, the gradient of some scalar loss L with respect to y (same shape as y: ȳ = v), one backward
# pass computes the *vector-Jacobian product*
#     x̄ = v^T J,   i.e.  x̄_j = Σ_i v_i dy_i/dx_j,
# the gradient of L with respect to x. `y.backward(v)` does exactly that; a scalar loss is the
# case m = 1, v = 1. Each op's backward is its VJP, written without J:
#   * Y = A @ B:               Ā = Ȳ B^T,   B̄ = A^T Ȳ
#   * y = tanh(x), elementwise: x̄ = ȳ * (1 - y^2)   (J is diagonal: never stored)
#   * y = x + b, b broadcast over the rows: b̄ = Σ over the rows of ȳ (b was copied m times,
#     so its adjoint adds the copies' adjoints, the rule of section 2 again)
# One VJP costs about one forward pass, whatever m is; the whole Jacobian needs m of them, one
# per output (v = e_i). We check all of it against a Jacobian built by central differences,
# which shares no code with backward().

# %%
rng = numpy.random.default_rng(args.seed)
A_np, B_np, b_np = rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal(2)
v_np = rng.standard_normal((3, 2))


def layer(A_, B_, b_):
    return (A_ @ B_ + b_).tanh()                          # Y = tanh(A B + b): (3, 2)


def as_tensors(*arrays, grad=False):
    return [minigan.tensor(x, dtype=minigan.float64, requires_grad=grad) for x in arrays]


tA, tB, tb = as_tensors(A_np, B_np, b_np, grad=True)
Y = layer(tA, tB, tb)
Y.backward(minigan.tensor(v_np))       # one pass: v^T J for A, B and b at once

# the rules above, in NumPy
Y_np = numpy.tanh(A_np @ B_np + b_np)
pre_bar = v_np * (1 - Y_np ** 2)                          # through tanh
rules = {"A": pre_bar @ B_np.T, "B": A_np.T @ pre_bar, "b": pre_bar.sum(axis=0)}

# the Jacobian of Y (6 numbers) with respect to each input, by central differences
inputs_np = {"A": A_np, "B": B_np, "b": b_np}


def numeric_jacobian(name, h=1e-6):
    base = inputs_np[name]
    jac = numpy.zeros((Y_np.size, base.size))
    for j in range(base.size):
        bumped = []
        for sign in (1, -1):
            moved = dict(inputs_np)
            moved[name] = base.copy()
            moved[name].reshape(-1)[j] += sign * h
            bumped.append(numpy.tanh(moved["A"] @ moved["B"] + moved["b"]).reshape(-1))
        jac[:, j] = (bumped[0] - bumped[1]) / (2 * h)
    return jac


grads = {"A": tA.grad.numpy(), "B": tB.grad.numpy(), "b": tb.grad.numpy()}
print("\nY = tanh(A @ B + b), A (3, 4), B (4, 2), b (2,) broadcast over the 3 rows; v of Y's shape (3, 2)")
worst_vjp = worst_rule = 0.0
for name in ("A", "B", "b"):
    jac = numeric_jacobian(name)
    vjp = (v_np.reshape(-1) @ jac).reshape(inputs_np[name].shape)
    worst_vjp = max(worst_vjp, float(numpy.abs(grads[name] - vjp).max()))
    worst_rule = max(worst_rule, float(numpy.abs(grads[name] - rules[name]).max()))
    print(f"  {name}: Jacobian {jac.shape[0]} x {jac.shape[1]}; |backward(v) - v^T J| = "
          f"{numpy.abs(grads[name] - vjp).max():.1e}")
check(worst_vjp < 1e-8, "Y.backward(v) gives v^T J for every input, J built by central differences")
check(worst_rule < 1e-12, "the VJP rules: Ā = Ȳ B^T, B̄ = A^T Ȳ, and b̄ sums Ȳ over the rows b was broadcast to")

# the whole Jacobian from backward(): one VJP per output element, v = e_i
rows, passes = [], 0
for i in range(Y_np.size):
    tA2, tB2, tb2 = as_tensors(A_np, B_np, b_np, grad=True)
    e_i = numpy.zeros(Y_np.size)
    e_i[i] = 1.0
    layer(tA2, tB2, tb2).backward(minigan.tensor(e_i.reshape(Y_np.shape)))
    rows.append(tA2.grad.numpy().reshape(-1))
    passes += 1
jac_backward = numpy.array(rows)
print(f"  the full 6 x 12 Jacobian for A took {passes} backward passes (one per output element)")
check(passes == Y_np.size and numpy.abs(jac_backward - numeric_jacobian("A")).max() < 1e-8,
      "m backward passes with v = e_1 .. e_m give the whole m x n Jacobian, row by row")

print("\nNext: lesson 03 checks derivatives like these against finite differences.")
