"""Ops that choose elements: ``where(cond, a, b)`` and index assignment ``t[index] = v``.

    where:   out = a where cond, b elsewhere     d out/d a = cond,  d out/d b = not cond
    setitem: out = a, with out[index] = v        d out/d a = 1 outside index, 0 inside;
                                                 d out/d v = the gradient at index (summed
                                                 over what v was broadcast to)
"""
from .backend import get_array_module
from .function import Function
from .ops import GetItem, broadcast_shape, times_mask, unbroadcast


class Where(Function):
    """``cond`` is a setting (a boolean array), not an input: it gets no gradient. The
    backward multiplies by the constant masks only, so it also runs on Tensors."""
    differentiable_backward = True

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
        xp = get_array_module(ctx.cond)
        cond = xp.broadcast_to(ctx.cond, g.shape)
        ga = unbroadcast(times_mask(g, cond.astype(g.dtype)), sa) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(times_mask(g, (~cond).astype(g.dtype)), sb) if ctx.needs_input_grad[1] else None
        return ga, gb


class SetItem(Function):
    """The out-of-place form of ``a[index] = v``; in-place assignment on a tensor inside a
    graph records it. Its backward multiplies the gradient by a constant mask that is 0 at
    ``index`` and picks the gradient at ``index`` for v (a GetItem), so it runs on Tensors too.
    (With an integer-array index that names one element twice, NumPy keeps the last write;
    each of the duplicated v elements then gets the gradient.)"""
    differentiable_backward = True

    @staticmethod
    def forward(ctx, a, v, index):
        ctx.index, ctx.v_shape, ctx.xp = index, v.shape, get_array_module(a)
        out = a.copy()
        out[index] = v
        return out

    @staticmethod
    def backward(ctx, g):
        ga = gv = None
        if ctx.needs_input_grad[0]:
            keep = ctx.xp.ones(g.shape, dtype=g.dtype)
            keep[ctx.index] = 0
            ga = times_mask(g, keep)
        if ctx.needs_input_grad[1]:
            gv = unbroadcast(GetItem.run(g, index=ctx.index), ctx.v_shape)
        return ga, gv
