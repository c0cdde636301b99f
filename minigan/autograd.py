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

Backward runs on raw arrays, which is fast and easy to read. Gradients of gradients
(``create_graph=True``, needed later for the WGAN gradient penalty) will be built by ops
that also define a tensor-level backward; the engine has the flag in place and says
clearly which op does not support it yet.
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
    skip work (a ``None`` gradient is fine for an input that needs none).
    """

    def __init__(self, needs_input_grad):
        self.needs_input_grad = needs_input_grad
        self.saved_tensors = ()

    def save_for_backward(self, *arrays):
        self.saved_tensors = arrays


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
def topological_order(root):
    """Tensors reachable from ``root`` through recorded ops, each after all of its inputs."""
    order, seen = [], set()
    stack = [(root, False)]
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


def backward(root, grad, retain_graph=False, create_graph=False):
    """Accumulate d(root)/d(leaf) * grad into ``.grad`` of every leaf that requires grad.

    ``grad`` is an array of root's shape (ones for a scalar loss).
    """
    if create_graph:
        raise NotImplementedError(
            "backward(create_graph=True) is not supported yet: minigan's ops compute their "
            "backward on raw arrays. Gradients of gradients arrive with the WGAN-GP lesson.")
    grads = {id(root): grad}
    for tensor in reversed(topological_order(root)):
        g = grads.pop(id(tensor), None)
        if g is None:          # no path from root reached this tensor with a gradient
            continue
        node = tensor.grad_fn
        if node is None or tensor._retains_grad:
            tensor._accumulate_grad(g)
        if node is None:
            continue
        if node.freed:
            raise RuntimeError(
                f"trying to run backward through the graph a second time (at {node.name}): its "
                "saved values were freed by the first backward(). Call backward(retain_graph=True) "
                "the first time if you need a second pass.")
        versions.check(node)   # a value this op saved was changed in place: see versions.py
        input_grads = node.fn.backward(node.ctx, g)
        if not isinstance(input_grads, tuple):
            input_grads = (input_grads,)
        for parent, pg in zip(node.inputs, input_grads):
            if parent is None or pg is None or not parent.requires_grad:
                continue
            if pg.shape != parent.shape or pg.dtype != parent.dtype:  # a bug in an op's backward
                raise RuntimeError(f"{node.name}.backward returned a {pg.dtype} gradient of shape "
                                   f"{tuple(pg.shape)} for a {parent.dtype} input of shape {parent.shape}: "
                                   "a gradient must match its input's shape and dtype")
            key = id(parent)
            grads[key] = pg if key not in grads else grads[key] + pg
        if not retain_graph:
            node.ctx = None      # drops every array the forward saved
            node.freed = True
