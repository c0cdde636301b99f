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
"""
from . import autograd, backend, versions
from .tensor import Tensor


class Function:
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
        if tensors and out.dtype != tensors[0].dtype and not getattr(cls, "changes_dtype", False):
            raise RuntimeError(f"{cls.__name__}.forward returned {out.dtype} for {tensors[0].dtype} "
                               "inputs: an op must not change the dtype")
        result = Tensor._make(out, requires_grad=record)
        if record:
            inputs = tuple(a if isinstance(a, Tensor) else None for a in args)
            result.grad_fn = autograd.Node(cls, ctx, inputs)
            versions.record(ctx, inputs, result)   # in-place changes of saved values: see versions.py
        return result


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
