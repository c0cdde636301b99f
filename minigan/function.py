"""The pattern every differentiable op follows: a Function with forward and backward.

An op is a class with two static methods that work on raw arrays::

    class Mul(Function):
        @staticmethod
        def forward(ctx, a, b):           # arrays in, array out
            ctx.save_for_backward(a, b)   # keep what backward will need
            return a * b

        @staticmethod
        def backward(ctx, grad):          # d(loss)/d(out) in
            a, b = ctx.saved_tensors
            return grad * b, grad * a     # d(loss)/d(a), d(loss)/d(b) out

``Mul.apply(x, y)`` takes Tensors, unwraps them, runs ``forward``, wraps the result, and,
when a gradient is wanted, records a graph node so that ``backward`` is called later.

``backward`` returns one gradient per positional argument of ``forward`` (``None`` for an
argument that is not a tensor or needs none). Keyword arguments are settings (an axis, a
stride) and never get gradients.

One backward, two uses. ``backward`` is written in operations that arrays and Tensors share
(``g * b``, ``g @ w``, ``.sum(axis)``, ``.reshape``) and in other ops' :meth:`Function.run`,
which runs ``forward`` on arrays when given arrays and records the op when given Tensors.
An ordinary backward passes arrays (fast, no graph); ``create_graph=True`` passes Tensors,
so the gradient is itself differentiable (see :mod:`minigan.autograd`). An op that follows
this rule, and saves only its inputs, its output and constants (masks, indices), sets
``differentiable_backward = True``.

Where arguments are checked. ``apply`` checks only what every op needs: floating-point
tensors of one dtype on one backend (:func:`check_inputs`). An op's own rules (shapes that
must fit, settings in range) are checked once per call by the public function the user
called (a Tensor operator or method, a function of :mod:`minigan.functional`, a layer's
``forward``) before it calls ``apply``, with a check function kept beside the op
(``ops.check_matmul``, ``conv_arithmetic.check_conv_settings``). ``forward`` and ``backward``
assume valid arguments: the ops that a backward runs, whose shapes are right by
construction, pay for no checks, and a message names what the user called (``matmul``,
``conv2d``, a layer's printout), not an internal op.
"""
import numpy

from . import autograd, backend, versions
from .tensor import Tensor


class Function:
    differentiable_backward = False   # True once backward is written in dual operations (see above)

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args, **kwargs):
        tensors = [a for a in args if isinstance(a, Tensor)]
        check_inputs(cls.__name__, tensors)
        needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        record = autograd.is_grad_enabled() and any(needs)
        ctx = autograd.Context(needs if record else (False,) * len(args))
        out = cls.forward(ctx, *[a.array if isinstance(a, Tensor) else a for a in args], **kwargs)
        if isinstance(out, numpy.generic):   # NumPy ops on 0-d arrays return scalars: keep an array,
            scalar, out = out, numpy.asarray(out)   # and the one that backward will look up
            ctx.saved_arrays = tuple(out if s is scalar else s for s in ctx.saved_arrays)
        if tensors and out.dtype != tensors[0].dtype and not getattr(cls, "changes_dtype", False):
            raise RuntimeError(f"{cls.__name__}.forward returned {out.dtype} for {tensors[0].dtype} "
                               "inputs: an op must not change the dtype")
        result = Tensor._make(out, requires_grad=record)
        if record:
            inputs = tuple(a if isinstance(a, Tensor) else None for a in args)
            result.grad_fn = autograd.Node(cls, ctx, inputs)
            versions.record(ctx, inputs, result)   # in-place changes of saved values: see versions.py
        return result

    @classmethod
    def run(cls, *args, **kwargs):
        """The op on whatever it is given: Tensors (recorded, as ``apply``) or raw arrays
        (just ``forward``, nothing recorded). Backward formulas call other ops this way."""
        if any(isinstance(a, Tensor) for a in args):
            return cls.apply(*args, **kwargs)
        return cls.forward(autograd.Context((False,) * len(args)), *args, **kwargs)


def check_inputs(op, tensors):
    """Differentiable ops take floating-point tensors of one dtype on one backend."""
    if not tensors:
        return
    first = tensors[0]
    for t in tensors:
        if t.array.dtype.kind != "f":
            raise TypeError(f"{op} needs floating-point tensors, got {t.array.dtype}; convert "
                            "with .float() (float32) or .double() (float64)")
    for t in tensors[1:]:
        if t.array.dtype != first.array.dtype:
            raise TypeError(f"{op} got tensors of dtypes {first.array.dtype} and {t.array.dtype}: "
                            "minigan never upcasts silently; convert one with .float() or .double()")
        if backend.backend_of(t.array) != backend.backend_of(first.array):
            raise TypeError(f"{op} got one tensor on {backend.backend_of(first.array)} and one on "
                            f"{backend.backend_of(t.array)}: move them to one backend with .to(...)")
