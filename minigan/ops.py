"""The elementary differentiable ops behind Tensor's operators, each forward beside its backward.

Notation: ``g`` is d(loss)/d(out), the gradient flowing in from above; each backward
returns d(loss)/d(input) for every input. Binary ops broadcast like NumPy, so their
backward sums the gradient back down to each input's shape (:func:`unbroadcast`).
"""
from .backend import get_array_module
from .function import Function


def broadcast_shape(op, a, b):
    """The shape NumPy's broadcasting gives ``a`` and ``b``; a ValueError saying why not."""
    out = []
    for i in range(1, max(len(a), len(b)) + 1):
        da = a[-i] if i <= len(a) else 1
        db = b[-i] if i <= len(b) else 1
        if da != db and da != 1 and db != 1:
            raise ValueError(f"{op}: shapes {tuple(a)} and {tuple(b)} do not broadcast: dimension "
                             f"{-i} is {da} in one and {db} in the other (each pair of trailing "
                             "dimensions must be equal, or one of them 1)")
        out.append(max(da, db) if min(da, db) != 0 else 0)
    return tuple(reversed(out))


def unbroadcast(grad, shape):
    """Sum ``grad`` over the dimensions that broadcasting added or stretched, back to ``shape``."""
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


class _Binary(Function):
    """Shared shape check for the broadcasting binary ops."""

    @classmethod
    def apply(cls, a, b, **kwargs):
        broadcast_shape(cls.__name__.lower(), a.shape, b.shape)
        return super().apply(a, b, **kwargs)


class Add(_Binary):
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = a.shape, b.shape
        return a + b

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.shapes
        return unbroadcast(g, sa), unbroadcast(g, sb)


class Sub(_Binary):
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = a.shape, b.shape
        return a - b

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.shapes
        return unbroadcast(g, sa), (unbroadcast(-g, sb) if ctx.needs_input_grad[1] else None)


class Mul(_Binary):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = unbroadcast(g * b, a.shape) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(g * a, b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


class Div(_Binary):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, g):
        # d(a/b)/da = 1/b,  d(a/b)/db = -a/b^2
        a, b = ctx.saved_tensors
        ga = unbroadcast(g / b, a.shape) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(-g * a / (b * b), b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


class Neg(Function):
    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, g):
        return -g


class Pow(Function):
    @staticmethod
    def forward(ctx, a, exponent):
        ctx.save_for_backward(a)
        ctx.exponent = exponent
        return a ** a.dtype.type(exponent)

    @staticmethod
    def backward(ctx, g):
        # d(a^p)/da = p a^(p-1)
        (a,) = ctx.saved_tensors
        if ctx.exponent == 0:               # a^0 = 1 is constant, also at a = 0 (where a^-1 is inf)
            return get_array_module(g).zeros_like(g)
        p = a.dtype.type(ctx.exponent)
        return g * p * a ** (p - 1)


class Exp(Function):
    @staticmethod
    def forward(ctx, a):
        out = get_array_module(a).exp(a)
        ctx.save_for_backward(out)        # d(e^a)/da = e^a: keep the output, not the input
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out


class Log(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return get_array_module(a).log(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / a


class Sqrt(Function):
    @staticmethod
    def forward(ctx, a):
        out = get_array_module(a).sqrt(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        # d(sqrt a)/da = 1 / (2 sqrt a)
        (out,) = ctx.saved_tensors
        return g / (2 * out)


class Abs(Function):
    @staticmethod
    def forward(ctx, a):
        xp = get_array_module(a)
        ctx.save_for_backward(xp.sign(a))   # the derivative at 0 is taken as 0, as in PyTorch
        return xp.abs(a)

    @staticmethod
    def backward(ctx, g):
        (sign,) = ctx.saved_tensors
        return g * sign


class Clip(Function):
    @staticmethod
    def forward(ctx, a, min=None, max=None):
        xp = get_array_module(a)
        inside = xp.ones(a.shape, dtype=bool)
        if min is not None:
            inside &= a >= min
        if max is not None:
            inside &= a <= max
        ctx.save_for_backward(inside)
        return xp.clip(a, min, max)

    @staticmethod
    def backward(ctx, g):
        # slope 1 inside [min, max], 0 where the value was clipped
        (inside,) = ctx.saved_tensors
        return g * inside


class Maximum(_Binary):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return get_array_module(a, b).maximum(a, b)

    @staticmethod
    def backward(ctx, g):
        # the larger input gets the gradient; on a tie each gets half (as PyTorch does)
        a, b = ctx.saved_tensors
        share_a = (a > b) + 0.5 * (a == b)
        ga = unbroadcast(g * share_a.astype(g.dtype), a.shape) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(g * (1 - share_a).astype(g.dtype), b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


class MatMul(Function):
    @classmethod
    def apply(cls, a, b):
        inner_a = a.shape[-1] if a.ndim else None
        inner_b = (b.shape[-2] if b.ndim > 1 else b.shape[0]) if b.ndim else None
        if a.ndim == 0 or b.ndim == 0 or inner_a != inner_b:
            raise ValueError(f"matmul: cannot multiply shapes {a.shape} @ {b.shape}: the last "
                             f"dimension of the left ({inner_a}) must equal the "
                             f"{'second-to-last' if b.ndim > 1 else 'only'} dimension of the right "
                             f"({inner_b})")
        if a.ndim > 2 or b.ndim > 2:
            broadcast_shape(f"matmul {a.shape} @ {b.shape} (batch dimensions)", a.shape[:-2], b.shape[:-2])
        return super().apply(a, b)

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, g):
        # out = A B  =>  dA = g B^T,  dB = A^T g  (vectors are treated as 1-row / 1-column matrices)
        a, b = ctx.saved_tensors
        a2 = a if a.ndim > 1 else a[None, :]
        b2 = b if b.ndim > 1 else b[:, None]
        g2 = g.reshape((a2 @ b2).shape) if (a.ndim == 1 or b.ndim == 1) else g
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = unbroadcast(g2 @ b2.swapaxes(-1, -2), a2.shape).reshape(a.shape)
        if ctx.needs_input_grad[1]:
            gb = unbroadcast(a2.swapaxes(-1, -2) @ g2, b2.shape).reshape(b.shape)
        return ga, gb


def _expand_reduced(g, shape, axis, keepdims):
    """Put back the reduced axes of ``g`` (as size 1) so it broadcasts against ``shape``."""
    if axis is None or keepdims:
        return g.reshape([1] * len(shape)) if (axis is None and not keepdims) else g
    axes = (axis,) if isinstance(axis, int) else axis
    axes = sorted(a % len(shape) for a in axes)
    full = list(g.shape)
    for ax in axes:
        full.insert(ax, 1)
    return g.reshape(full)


class Sum(Function):
    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        ctx.shape, ctx.axis, ctx.keepdims = a.shape, axis, keepdims
        return a.sum(axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        # every summed element gets the same gradient
        xp = get_array_module(g)
        return xp.broadcast_to(_expand_reduced(g, ctx.shape, ctx.axis, ctx.keepdims), ctx.shape)


class Mean(Function):
    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        ctx.shape, ctx.axis, ctx.keepdims = a.shape, axis, keepdims
        out = a.mean(axis=axis, keepdims=keepdims)
        ctx.count = a.size // max(out.size, 1) if a.size else 1
        return out

    @staticmethod
    def backward(ctx, g):
        xp = get_array_module(g)
        g = _expand_reduced(g, ctx.shape, ctx.axis, ctx.keepdims) / g.dtype.type(ctx.count)
        return xp.broadcast_to(g, ctx.shape)


class Reshape(Function):
    @classmethod
    def apply(cls, a, shape):
        known = [s for s in shape if s != -1]
        size = 1
        for s in known:
            size *= s
        ok = (shape.count(-1) <= 1 and all(s >= 0 or s == -1 for s in shape)
              and (size == a.numel() if -1 not in shape else (size > 0 and a.numel() % size == 0)))
        if not ok:
            raise ValueError(f"reshape: cannot view a tensor of shape {a.shape} ({a.numel()} elements) "
                             f"as shape {shape}")
        return super().apply(a, shape=shape)

    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        return a.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape)


class Permute(Function):
    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = dims
        return a.transpose(dims)

    @staticmethod
    def backward(ctx, g):
        inverse = [0] * len(ctx.dims)
        for i, d in enumerate(ctx.dims):
            inverse[d] = i
        return g.transpose(inverse)


def _is_basic_index(index):
    """True for ints, slices, None and Ellipsis: indexing that never repeats an element."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, slice)) for p in parts)


class GetItem(Function):
    @staticmethod
    def forward(ctx, a, index):
        ctx.shape, ctx.index = a.shape, index
        return a[index]

    @staticmethod
    def backward(ctx, g):
        xp = get_array_module(g)
        out = xp.zeros(ctx.shape, dtype=g.dtype)
        if _is_basic_index(ctx.index):
            out[ctx.index] = g
        else:   # integer/boolean arrays may pick one element twice: add, don't overwrite
            xp.add.at(out, ctx.index, g)
        return out


class Concatenate(Function):
    @staticmethod
    def forward(ctx, *arrays, axis=0):
        xp = get_array_module(*arrays)
        ctx.axis = axis
        ctx.sizes = [a.shape[axis] for a in arrays]
        return xp.concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx, g):
        grads, start = [], 0
        for n in ctx.sizes:   # one slice (a view) per input
            index = [slice(None)] * g.ndim
            index[ctx.axis] = slice(start, start + n)
            grads.append(g[tuple(index)])
            start += n
        return tuple(grads)

    @classmethod
    def apply(cls, *tensors, axis=0):
        first = tensors[0]
        nd = first.ndim
        if nd == 0:
            raise ValueError("concatenate: zero-dimensional tensors cannot be joined; use stack")
        ax = axis % nd
        for i, t in enumerate(tensors):
            if t.ndim != nd or any(t.shape[d] != first.shape[d] for d in range(nd) if d != ax):
                raise ValueError(f"concatenate along axis {axis}: tensor {i} has shape {t.shape}, "
                                 f"which does not match tensor 0's shape {first.shape} outside that axis")
        return super().apply(*tensors, axis=ax)


class Cast(Function):
    changes_dtype = True

    @staticmethod
    def forward(ctx, a, dtype):
        ctx.dtype = a.dtype
        return a.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return g.astype(ctx.dtype)
