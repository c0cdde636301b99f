"""Ops that choose elements: ``where(cond, a, b)`` and index assignment ``t[index] = v``.

    where:   out = a where cond, b elsewhere     d out/d a = cond,  d out/d b = not cond
    setitem: out = a, with out[index] = v        d out/d a = 1 outside index, 0 inside;
                                                 d out/d v = the gradient at index (summed
                                                 over what v was broadcast to)
"""
from .function import Function
from .ops import broadcast_shape, unbroadcast


class Where(Function):
    """``cond`` is a setting (a boolean array), not an input: it gets no gradient. The
    backward multiplies by the constant masks only, so it also runs on Tensors."""

    @classmethod
    def apply(cls, a, b, cond):
        shape = broadcast_shape("where", a.shape, b.shape)
        broadcast_shape("where (condition)", tuple(cond.shape), shape)
        return super().apply(a, b, cond=cond)

    @staticmethod
    def forward(ctx, a, b, cond):
        from .backend import get_array_module
        xp = get_array_module(a, b, cond)
        ctx.shapes, ctx.cond = (a.shape, b.shape), cond
        return xp.where(cond, a, b)

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.shapes
        ga = unbroadcast(g * ctx.cond, sa) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(g * ~ctx.cond, sb) if ctx.needs_input_grad[1] else None
        return ga, gb


class SetItem(Function):
    """The out-of-place form of ``a[index] = v``; in-place assignment on a tensor inside a
    graph records it. Its backward copies the gradient and writes zeros at ``index``, which is
    array item assignment: for gradients of gradients it needs a Tensor form of that step.
    (With an integer-array index that names one element twice, NumPy keeps the last write;
    each of the duplicated v elements then gets the gradient.)"""

    @staticmethod
    def forward(ctx, a, v, index):
        ctx.index, ctx.v_shape = index, v.shape
        out = a.copy()
        out[index] = v
        return out

    @staticmethod
    def backward(ctx, g):
        ga = gv = None
        if ctx.needs_input_grad[0]:
            ga = g.copy()
            ga[ctx.index] = 0
        if ctx.needs_input_grad[1]:
            gv = unbroadcast(g[ctx.index], ctx.v_shape)
        return ga, gv
