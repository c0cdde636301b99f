"""Reverse-mode automatic differentiation: the graph, the backward pass, and grad mode.

Every tensor made by a differentiable operation remembers the :class:`Node` that made it:
which :class:`~minigan.function.Function` ran, the inputs it ran on, and a
:class:`Context` holding whatever its backward needs. ``loss.backward()`` then

1. lists the graph's tensors in topological order (inputs before the tensors made from
   them), with an explicit stack rather than recursion, so a graph thousands of ops deep
   does not hit Python's recursion limit;
2. walks that list backwards, from the loss to the leaves. Each op turns the gradient of
   its output into gradients of its inputs (the chain rule); gradients that reach one
   tensor along several paths are added up;
3. stores the sum in ``.grad`` of every leaf that requires grad (parameters, inputs);
4. frees the saved arrays, unless ``retain_graph=True``, because a graph is normally used
   once and the saved activations are most of the memory a training step uses.

Gradients of gradients. Each op's backward is written once, in operations that NumPy/CuPy
arrays and minigan Tensors both understand (``g * out``, ``g @ weight``, ``.sum(axis)``,
``.reshape``) and in other ops' ``Function.run``, which computes on arrays when given arrays
and records a graph node when given Tensors. So the same formula serves two purposes:

* an ordinary ``backward()`` hands every backward raw arrays: no graph is built, nothing is
  wrapped, and the first-order path is as fast as plain array code;
* ``backward(create_graph=True)`` and ``grad(..., create_graph=True)`` hand it Tensors: the
  gradient of each input comes out as a Tensor with its own graph, which can be
  differentiated again. The WGAN-GP critic's loss needs exactly this: the norm of
  d(critic)/d(input) is part of the loss, so its gradient with respect to the weights is a
  derivative of a derivative.

For the second mode, ``ctx.saved_tensors`` gives back the op's inputs and output as the
Tensors they are in the graph (so the backward formula is differentiated with respect to
them); anything else an op saved (a mask, an index) is a constant. An op whose backward
cannot be differentiated this way leaves ``Function.differentiable_backward`` False, and
``create_graph=True`` through it raises an error naming it. Conv2d's input gradient is the
transposed convolution and the other way round, and the weight gradient is one more op
(:class:`~minigan.functional.conv.Conv2dWeight`) whose own backward is made of the two: the
convolution ops close on themselves, and second derivatives come out of the same three
kernels that the first derivatives use.
"""
import contextlib
import threading

from . import versions


# --------------------------------------------------------------------------- grad mode
class _GradMode(threading.local):
    enabled = True


_grad_mode = _GradMode()


def is_grad_enabled():
    """True unless inside ``no_grad()``."""
    return _grad_mode.enabled


@contextlib.contextmanager
def set_grad_enabled(mode):
    previous = _grad_mode.enabled
    _grad_mode.enabled = bool(mode)
    try:
        yield
    finally:
        _grad_mode.enabled = previous


def no_grad():
    """Context manager (or decorator) in which no graph is recorded: use it for sampling,
    evaluation, and parameter updates."""
    return set_grad_enabled(False)


def enable_grad():
    return set_grad_enabled(True)


# --------------------------------------------------------------------------- graph nodes
class Context:
    """What an op's forward leaves for its backward.

    ``needs_input_grad[i]`` tells backward whether input ``i`` wants a gradient, so it can
    skip work (a ``None`` gradient is fine for an input that needs none). ``graph`` is True
    while a backward runs on Tensors to build a graph (``create_graph=True``).
    """

    def __init__(self, needs_input_grad):
        self.needs_input_grad = needs_input_grad
        self.saved_arrays = ()
        self.graph = False
        self._as_tensors = None

    def save_for_backward(self, *arrays):
        self.saved_arrays = arrays

    @property
    def saved_tensors(self):
        """What forward saved: raw arrays, or, while building a graph, the op's inputs and
        output as graph Tensors (other saved arrays stay constants)."""
        if self._as_tensors is None:
            return self.saved_arrays
        return tuple(self._as_tensors.get(id(a), a) if a is not None else None for a in self.saved_arrays)


class Node:
    """One recorded op: the Function class, its context, and its inputs (``None`` for
    arguments that are not tensors)."""

    __slots__ = ("fn", "ctx", "inputs", "freed")

    def __init__(self, fn, ctx, inputs):
        self.fn, self.ctx, self.inputs, self.freed = fn, ctx, inputs, False

    @property
    def name(self):
        return self.fn.__name__

    def __repr__(self):
        return f"<{self.name}Backward>"


# --------------------------------------------------------------------------- the backward pass
def topological_order(roots):
    """Tensors reachable from ``roots`` (one tensor or several) through recorded ops, each
    after all of its inputs."""
    order, seen = [], set()
    stack = [(r, False) for r in (roots if isinstance(roots, (list, tuple)) else [roots])]
    while stack:
        tensor, inputs_done = stack.pop()
        if inputs_done:
            order.append(tensor)
            continue
        # Mark a tensor seen when it is expanded, not when it is pushed: otherwise an op
        # reached first along another path skips a pushed-but-unexpanded input and lands
        # in the order before it, and that input's gradient from the op would be lost.
        if id(tensor) in seen:
            continue
        seen.add(id(tensor))
        stack.append((tensor, True))
        node = tensor.grad_fn
        if node is not None:
            for parent in node.inputs:
                if parent is not None and parent.requires_grad and id(parent) not in seen:
                    stack.append((parent, False))
    return order


def _as_graph_tensor(g):
    """A gradient as a Tensor (a backward may return a constant array while building a graph)."""
    from .tensor import Tensor
    return g if isinstance(g, Tensor) else Tensor._make(g)


def _run(roots, root_grads, retain_graph, create_graph, wanted=None):
    """The backward walk shared by :func:`backward` and :func:`grad`.

    ``wanted``: None to accumulate into every leaf's ``.grad``; else a list of tensors whose
    gradients are returned (in a dict keyed by id) and nothing is accumulated. Then only the
    part of the graph that leads to them is differentiated (a critic's weight gradients are
    not computed when only its input gradient is asked for).
    """
    order = topological_order(roots)
    grads = {}
    for r, g in zip(roots, root_grads):
        grads[id(r)] = g if id(r) not in grads else grads[id(r)] + g
    needed = None
    if wanted is not None:
        targets = {id(t) for t in wanted}
        needed = set()
        for t in order:    # inputs first: a tensor is needed if it is wanted or made from one that is
            node = t.grad_fn
            if id(t) in targets or (node is not None and any(
                    p is not None and id(p) in needed for p in node.inputs)):
                needed.add(id(t))
        found = {}
    with set_grad_enabled(create_graph):
        for tensor in reversed(order):
            g = grads.pop(id(tensor), None)
            if g is None:          # no path from a root reached this tensor with a gradient
                continue
            node = tensor.grad_fn
            if wanted is None:
                if node is None or tensor._retains_grad:
                    tensor._accumulate_grad(g)
            elif id(tensor) in targets:
                found[id(tensor)] = g
            if node is None or (needed is not None and (id(tensor) not in needed or not any(
                    p is not None and id(p) in needed for p in node.inputs))):
                continue        # (a wanted tensor's own history is not walked unless it leads on)
            if node.freed:
                raise RuntimeError(
                    f"trying to run backward through the graph a second time (at {node.name}): its "
                    "saved values were freed by the first backward(). Call backward(retain_graph=True) "
                    "(or grad(..., retain_graph=True)) the first time if you need a second pass.")
            versions.check(node)   # a value this op saved was changed in place: see versions.py
            input_grads = _call_backward(tensor, node, g, create_graph, needed)
            for parent, pg in zip(node.inputs, input_grads):
                if parent is None or pg is None or not parent.requires_grad:
                    continue
                if pg.shape != parent.shape or pg.dtype != parent.dtype:  # a bug in an op's backward
                    raise RuntimeError(f"{node.name}.backward returned a {pg.dtype} gradient of shape "
                                       f"{tuple(pg.shape)} for a {parent.dtype} input of shape {parent.shape}: "
                                       "a gradient must match its input's shape and dtype")
                if create_graph:
                    pg = _as_graph_tensor(pg)
                key = id(parent)
                grads[key] = pg if key not in grads else grads[key] + pg
            if not retain_graph:
                node.ctx = None      # drops every array the forward saved
                node.freed = True
    return found if wanted is not None else None


def _call_backward(tensor, node, g, create_graph, needed):
    """Run one op's backward: on arrays, or (create_graph) on the Tensors of the graph."""
    ctx = node.ctx
    wants = ctx.needs_input_grad
    if needed is not None:  # skip the gradients of inputs that lead to nothing wanted
        ctx.needs_input_grad = tuple(w and p is not None and id(p) in needed
                                     for w, p in zip(wants, node.inputs))
    try:
        if create_graph:
            if not node.fn.differentiable_backward:
                raise RuntimeError(
                    f"{node.name} does not support create_graph=True: its backward is not written "
                    "in differentiable operations, so its gradient cannot be differentiated again")
            lookup = {id(p.array): p for p in node.inputs if p is not None}
            lookup[id(tensor.array)] = tensor
            ctx.graph, ctx._as_tensors = True, lookup
            out = node.fn.backward(ctx, _as_graph_tensor(g))
        else:
            out = node.fn.backward(ctx, g)
    finally:
        ctx.needs_input_grad, ctx.graph, ctx._as_tensors = wants, False, None
    return out if isinstance(out, tuple) else (out,)


def backward(root, grad, retain_graph=None, create_graph=False):
    """Accumulate d(root)/d(leaf) * grad into ``.grad`` of every leaf that requires grad.

    ``grad`` is an array of root's shape (ones for a scalar loss), or a Tensor when
    ``create_graph`` is True. ``retain_graph`` defaults to ``create_graph``, as in PyTorch.
    """
    if retain_graph is None:
        retain_graph = create_graph
    if create_graph:
        grad = _as_graph_tensor(grad)
    _run([root], [grad], retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=False):
    """The gradients of ``outputs`` with respect to ``inputs``, returned (not accumulated).

    As ``torch.autograd.grad``: ``outputs`` and ``inputs`` are a Tensor or a sequence of
    them; ``grad_outputs`` gives d(something)/d(output) for each output (None: ones, which
    a scalar output allows). Returns a tuple with one gradient per input. With
    ``create_graph=True`` the gradients carry a graph and can be differentiated again;
    ``retain_graph`` defaults to ``create_graph``. An input that the outputs do not depend
    on is an error unless ``allow_unused=True`` (then its gradient is None).
    ``only_inputs`` is accepted for old code and ignored, as in PyTorch.
    """
    from .tensor import Tensor
    from .backend import get_array_module
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    else:
        grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: {len(outputs)} outputs but {len(grad_outputs)} grad_outputs")
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"grad: inputs[{i}] must be a Tensor, got {type(t).__name__}")
        if not t.requires_grad:
            raise RuntimeError(f"grad: inputs[{i}] does not require grad: one of the differentiated "
                               "Tensors must have requires_grad=True")
    roots, root_grads = [], []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not isinstance(out, Tensor):
            raise TypeError(f"grad: outputs[{i}] must be a Tensor, got {type(out).__name__}")
        if not out.requires_grad:
            raise RuntimeError(f"grad: outputs[{i}] does not require grad (it does not depend on any "
                               "tensor with requires_grad=True, or was computed inside no_grad())")
        if g is None:
            if out.numel() != 1:
                raise RuntimeError(f"grad: outputs[{i}] has shape {out.shape}; grad can be implicitly "
                                   "created only for scalar outputs: pass grad_outputs")
            g = Tensor._make(get_array_module(out.array).ones_like(out.array))
        elif not isinstance(g, Tensor):
            raise TypeError(f"grad: grad_outputs[{i}] must be a Tensor or None, got {type(g).__name__}")
        if g.shape != out.shape:
            raise ValueError(f"grad: grad_outputs[{i}] has shape {g.shape} but outputs[{i}] has shape {out.shape}")
        if g.dtype != out.dtype:
            raise TypeError(f"grad: grad_outputs[{i}] is {g.dtype} but outputs[{i}] is {out.dtype}")
        roots.append(out)
        root_grads.append(g if create_graph else g.array)
    if retain_graph is None:
        retain_graph = create_graph
    found = _run(roots, root_grads, retain_graph, create_graph, wanted=inputs)
    result = []
    for i, t in enumerate(inputs):
        g = found.get(id(t))
        if g is None:
            if not allow_unused:
                raise RuntimeError(f"grad: inputs[{i}] was not used in the graph of the outputs; pass "
                                   "allow_unused=True if that is intended (its gradient is then None)")
            result.append(None)
        elif isinstance(g, Tensor):
            result.append(g)
        else:   # a copy: the walk may hand one array to several inputs
            result.append(Tensor._make(get_array_module(g).array(g, dtype=t.dtype, copy=True)))
    return tuple(result)
