"""The elementary differentiable ops behind Tensor's operators, each forward beside its backward.

Notation: ``g`` is d(loss)/d(out), the gradient flowing in from above; each backward
returns d(loss)/d(input) for every input. Binary ops broadcast like NumPy, so their
backward sums the gradient back down to each input's shape (:func:`unbroadcast`). The shape
rules (:func:`broadcast_shape`, :func:`check_matmul`, :func:`check_reshape`, ...) sit beside
their ops; Tensor's operators and methods call them once, before ``apply`` (see function.py).

Every backward here is written in operations that arrays and Tensors share, or in other
ops' ``run``: the same lines give first derivatives on arrays and, under
``create_graph=True``, differentiable gradients on Tensors (see :mod:`minigan.autograd`).
Masks (where an input was clipped, which input of a maximum was larger) are read from
``ctx.saved_arrays``: they are constants, with derivative zero wherever they are defined.

The rule for where an op lives: every elementwise op (arithmetic, powers, exp/log, and the
activations ReLU, LeakyReLU, tanh and sigmoid), every reduction, shape op and indexing op
is here, behind Tensor's operators and methods; the layer-level kernels that a network is
built from (linear, convolutions, batch norm, the losses) and the checked function forms
(``F.relu``, ``F.leaky_relu``, ...) are in :mod:`minigan.functional`.

The activations multiply g by a constant mask (ReLU, LeakyReLU: their second derivative
is zero wherever it exists) or write their derivative from the output (tanh, sigmoid),
which under ``create_graph=True`` is the graph's output tensor.
"""
from . import backend, parallel, workspace
from .backend import get_array_module
from .function import Function
from .tensor import Tensor


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


def times_mask(g, mask):
    """``g * mask`` for a constant 0/1 (or 0/slope/1) mask array of g's shape.

    On arrays the mask is a fresh buffer and is overwritten with the product (no second
    allocation); on Tensors it is an ordinary multiplication by a constant."""
    if isinstance(g, Tensor):
        return g * mask.astype(g.dtype)
    local = mask.astype(g.dtype) if mask.dtype != g.dtype else mask
    local *= g
    return local


def accumulate(a, b):
    """a + b, written into ``a`` when it is an array (a fresh buffer the caller owns); on
    Tensors an ordinary, recorded addition."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return a + b
    a += b
    return a


def transpose_last(x):
    """Swap the last two axes (a matrix transpose, batched): a view on arrays."""
    if x.ndim == 2:
        return x.T
    dims = tuple(range(x.ndim - 2)) + (x.ndim - 1, x.ndim - 2)
    return Permute.run(x, dims=dims)


class _Binary(Function):
    """The broadcasting binary ops (their shapes: :func:`broadcast_shape`, checked by Tensor's
    operators before ``apply``)."""

    differentiable_backward = True


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
    differentiable_backward = True

    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, g):
        return -g


class Pow(Function):
    differentiable_backward = True

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
            return g * 0
        p = a.dtype.type(ctx.exponent)
        return g * p * a ** (p - 1)


class Exp(Function):
    differentiable_backward = True

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
    differentiable_backward = True

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return get_array_module(a).log(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / a


class Sqrt(Function):
    differentiable_backward = True

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
    differentiable_backward = True

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
    differentiable_backward = True

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
        (inside,) = ctx.saved_arrays
        return times_mask(g, inside)


class Maximum(_Binary):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return get_array_module(a, b).maximum(a, b)

    @staticmethod
    def backward(ctx, g):
        # the larger input gets the gradient; on a tie each gets half (as PyTorch does)
        a, b = ctx.saved_arrays
        share_a = ((a > b) + 0.5 * (a == b)).astype(g.dtype)
        ga = unbroadcast(g * share_a, a.shape) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(g * (1 - share_a), b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


def check_matmul(a, b):
    """The shapes ``a @ b`` accepts (NumPy's and PyTorch's rule); a ValueError saying why not."""
    inner_a = a[-1] if len(a) else None
    inner_b = (b[-2] if len(b) > 1 else b[0]) if len(b) else None
    if len(a) == 0 or len(b) == 0 or inner_a != inner_b:
        raise ValueError(f"matmul: cannot multiply shapes {a} @ {b}: the last "
                         f"dimension of the left ({inner_a}) must equal the "
                         f"{'second-to-last' if len(b) > 1 else 'only'} dimension of the right "
                         f"({inner_b})")
    if len(a) > 2 or len(b) > 2:
        broadcast_shape(f"matmul {a} @ {b} (batch dimensions)", a[:-2], b[:-2])


class MatMul(Function):
    differentiable_backward = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, g):
        # out = A B  =>  dA = g B^T,  dB = A^T g  (vectors are treated as 1-row / 1-column matrices)
        a, b = ctx.saved_tensors
        a2 = a if a.ndim > 1 else a.reshape(1, -1)
        b2 = b if b.ndim > 1 else b.reshape(-1, 1)
        if a.ndim == 1 or b.ndim == 1:     # put back the axis that a vector operand dropped
            g = g.reshape(broadcast_shape("matmul", a2.shape[:-2], b2.shape[:-2]) + (a2.shape[-2], b2.shape[-1]))
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = unbroadcast(g @ transpose_last(b2), a2.shape).reshape(a.shape)
        if ctx.needs_input_grad[1]:
            gb = unbroadcast(transpose_last(a2) @ g, b2.shape).reshape(b.shape)
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
    differentiable_backward = True

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        ctx.shape, ctx.axis, ctx.keepdims = a.shape, axis, keepdims
        return a.sum(axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        # every summed element gets the same gradient
        return BroadcastTo.run(_expand_reduced(g, ctx.shape, ctx.axis, ctx.keepdims), shape=ctx.shape)


class Mean(Function):
    differentiable_backward = True

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        ctx.shape, ctx.axis, ctx.keepdims = a.shape, axis, keepdims
        out = a.mean(axis=axis, keepdims=keepdims)
        ctx.count = a.size // max(out.size, 1) if a.size else 1
        return out

    @staticmethod
    def backward(ctx, g):
        g = _expand_reduced(g, ctx.shape, ctx.axis, ctx.keepdims) / g.dtype.type(ctx.count)
        return BroadcastTo.run(g, shape=ctx.shape)


class BroadcastTo(Function):
    """A read-only broadcast view; its gradient sums back over the stretched axes (and the
    two, Sum and BroadcastTo, are each other's backward)."""
    differentiable_backward = True

    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        return get_array_module(a).broadcast_to(a, shape)

    @staticmethod
    def backward(ctx, g):
        return unbroadcast(g, ctx.shape)


def check_reshape(old, shape):
    """Whether a tensor of shape ``old`` can be viewed as ``shape`` (a tuple, at most one -1);
    a ValueError saying why not."""
    numel = 1
    for s in old:
        numel *= s
    size = 1
    for s in shape:
        if s != -1:
            size *= s
    ok = (shape.count(-1) <= 1 and all(s >= 0 or s == -1 for s in shape)
          and (size == numel if -1 not in shape else (size > 0 and numel % size == 0)))
    if not ok:
        raise ValueError(f"reshape: cannot view a tensor of shape {old} ({numel} elements) "
                         f"as shape {shape}")


class Reshape(Function):
    differentiable_backward = True

    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        return a.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape)


class Permute(Function):
    differentiable_backward = True

    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = dims
        return a.transpose(dims)

    @staticmethod
    def backward(ctx, g):
        inverse = [0] * len(ctx.dims)
        for i, d in enumerate(ctx.dims):
            inverse[d] = i
        return Permute.run(g, dims=tuple(inverse))


def _is_basic_index(index):
    """True for ints, slices, None and Ellipsis: indexing that never repeats an element."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, slice)) for p in parts)


class GetItem(Function):
    differentiable_backward = True

    @staticmethod
    def forward(ctx, a, index):
        ctx.shape, ctx.index = a.shape, index
        return a[index]

    @staticmethod
    def backward(ctx, g):
        return IndexAdd.run(g, shape=ctx.shape, index=ctx.index)


class IndexAdd(Function):
    """GetItem's backward as an op: zeros of ``shape`` with ``g`` added at ``index``. Its own
    backward is GetItem again (the two are each other's adjoint)."""
    differentiable_backward = True

    @staticmethod
    def forward(ctx, g, shape, index):
        ctx.index = index
        xp = get_array_module(g)
        out = xp.zeros(shape, dtype=g.dtype)
        if _is_basic_index(index):
            out[index] = g
        else:   # integer/boolean arrays may pick one element twice: add, don't overwrite
            xp.add.at(out, index, g)
        return out

    @staticmethod
    def backward(ctx, g):
        return GetItem.run(g, index=ctx.index)


def check_concatenate(shapes, axis):
    """Whether tensors of these shapes join along ``axis`` (counted from 0: ``cat`` has checked
    it) and are equal everywhere else; a ValueError saying which tensor does not fit."""
    first = shapes[0]
    nd = len(first)
    if nd == 0:
        raise ValueError("concatenate: zero-dimensional tensors cannot be joined; use stack")
    for i, shape in enumerate(shapes):
        if len(shape) != nd or any(shape[d] != first[d] for d in range(nd) if d != axis):
            raise ValueError(f"concatenate along axis {axis}: tensor {i} has shape {shape}, "
                             f"which does not match tensor 0's shape {first} outside that axis")


class Concatenate(Function):
    differentiable_backward = True

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
            grads.append(GetItem.run(g, index=tuple(index)))
            start += n
        return tuple(grads)


class Cast(Function):
    differentiable_backward = True

    changes_dtype = True

    @staticmethod
    def forward(ctx, a, dtype, order="K"):
        ctx.dtype = a.dtype
        return a.astype(dtype, order=order)     # "K": the input's layout; "C": row-major

    @staticmethod
    def backward(ctx, g):
        return Cast.run(g, dtype=ctx.dtype)


# --------------------------------------------------------------------------- activations
class ReLU(Function):
    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        xp = get_array_module(x)
        out = workspace.empty_like(x)
        parallel.over_batch(lambda s: xp.maximum(x[s], 0, out=out[s]), x)    # by chunks of the batch
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        # relu'(x) = 1 where x > 0, else 0 (0 at the kink, as PyTorch); out > 0 exactly where x > 0
        (out,) = ctx.saved_arrays
        xp = get_array_module(out)
        if isinstance(g, Tensor):
            return times_mask(g, out > 0)
        gx = workspace.empty_like(out)

        def rows(s):   # the 0/1 mask written straight as floats (no bool temporary), then times g
            xp.greater(out[s], 0, out=gx[s])
            gx[s] *= g[s]

        parallel.over_batch(rows, out)
        return gx


class LeakyReLU(Function):
    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, negative_slope=0.01):
        xp = get_array_module(x)
        ctx.slope = x.dtype.type(negative_slope)
        if not 0 <= negative_slope <= 1:
            positive = x > 0
            ctx.save_for_backward(positive)
            return xp.where(positive, x, x * ctx.slope)
        positive, out = workspace.empty_like(x, dtype=bool), workspace.empty_like(x)

        def rows(s):
            # for a slope in [0, 1], max(x, slope*x) is x when x > 0 and slope*x otherwise:
            # one maximum written over slope*x (where() is slower, NOTES.md)
            xp.greater(x[s], 0, out=positive[s])
            xp.multiply(x[s], ctx.slope, out=out[s])
            xp.maximum(x[s], out[s], out=out[s])

        parallel.over_batch(rows, x)     # by chunks of the batch, the three passes in cache
        ctx.save_for_backward(positive)
        return out

    @staticmethod
    def backward(ctx, g):
        # local slope: 1 where x > 0, negative_slope elsewhere (x = 0 included, as PyTorch);
        # built in place from the saved mask: 1*(1 - s) + s = 1 and 0*(1 - s) + s = s
        (positive,) = ctx.saved_arrays
        xp = get_array_module(positive)
        local = workspace.empty_like(positive, dtype=ctx.slope.dtype)

        def rows(s):
            xp.multiply(positive[s], 1 - ctx.slope, out=local[s])    # the mask read as 0/1
            local[s] += ctx.slope
            if not isinstance(g, Tensor):
                local[s] *= g[s]

        parallel.over_batch(rows, positive)
        return g * local if isinstance(g, Tensor) else local


class Tanh(Function):
    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        out = get_array_module(x).tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors     # tanh'(x) = 1 - tanh(x)^2
        return g * (1 - out * out)


class Sigmoid(Function):
    differentiable_backward = True

    @staticmethod
    def forward(ctx, x):
        # Stable for large |x|: with e = exp(-|x|) <= 1 nothing overflows.
        #   x >= 0:  1 / (1 + e)         x < 0:  e / (1 + e)
        xp = get_array_module(x)
        e = xp.exp(-xp.abs(x))
        out = xp.where(x >= 0, x.dtype.type(1), e) / (1 + e)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors     # sigmoid' = sigmoid (1 - sigmoid)
        return g * out * (1 - out)


class Softplus(Function):
    """softplus(x) = (1/beta) log(1 + exp(beta x)), and x itself where beta x > threshold
    (PyTorch's form and defaults, beta = 1, threshold = 20: there the two agree to float
    precision). A smooth ReLU, and the GAN losses' building block: -log D = softplus(-logit).

        d/dx = sigmoid(beta x)   (1 where beta x > threshold)

    The backward is written in the engine's ops (Sigmoid, a multiplication by a constant mask),
    so it is differentiable again."""
    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, beta=1.0, threshold=20.0):
        xp = get_array_module(x)
        dt = x.dtype.type
        ctx.beta, ctx.threshold = dt(beta), dt(threshold)
        bx = x * ctx.beta
        linear = bx > ctx.threshold
        # exp of at most the threshold: nothing overflows where the linear branch is taken anyway
        out = xp.where(linear, x, xp.log1p(xp.exp(xp.minimum(bx, ctx.threshold))) / ctx.beta)
        ctx.save_for_backward(x)
        return out

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        raw = x.array if isinstance(x, Tensor) else x
        linear = raw * ctx.beta > ctx.threshold                 # constants: where the slope is 1,
        keep, ones = (~linear).astype(raw.dtype), linear.astype(raw.dtype)   # and where sigmoid
        return g * (Sigmoid.run(x * ctx.beta) * keep + ones)


# --------------------------------------------------------------------------- softmax along one dimension
class LogSoftmax(Function):
    """Computed stably (log-sum-exp):

        log_softmax(x)_i = x_i - m - log sum_j exp(x_j - m),   m = max_j x_j
        softmax(x)_i     = exp(log_softmax(x)_i)

    Subtracting the maximum changes nothing mathematically and keeps every exponent <= 0, so
    no logit, however large, overflows. Backward, with p = softmax(x) and g = d(loss)/d(out):

        log_softmax:  dx = g - p * sum_j g_j
        softmax:      dx = p * (g - sum_j g_j p_j)       (:class:`Softmax`)

    Both backwards use only ``* - .sum(axis, keepdims)`` on the saved output (arrays or Tensors).
    """
    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, dim=-1):
        xp = get_array_module(x)
        shifted = x - x.max(axis=dim, keepdims=True)
        out = shifted - xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True))
        ctx.save_for_backward(out)
        ctx.p, ctx.dim = xp.exp(out), dim          # p = softmax(x), kept for a first-order backward
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        p = out.exp() if ctx.graph else ctx.p      # building a graph: p as a function of the output
        return g - p * g.sum(axis=ctx.dim, keepdims=True)


class Softmax(Function):
    differentiable_backward = True

    @staticmethod
    def forward(ctx, x, dim=-1):
        xp = get_array_module(x)
        e = xp.exp(x - x.max(axis=dim, keepdims=True))
        out = e / e.sum(axis=dim, keepdims=True)
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, g):
        (p,) = ctx.saved_tensors
        return p * (g - (g * p).sum(axis=ctx.dim, keepdims=True))


# --------------------------------------------------------------------------- choosing elements
# Ops that choose elements: ``where(cond, a, b)`` and index assignment ``t[index] = v``.
# 
#     where:   out = a where cond, b elsewhere     d out/d a = cond,  d out/d b = not cond
#     setitem: out = a, with out[index] = v        d out/d a = 1 outside index, 0 inside;
#                                                  d out/d v = the gradient at index (summed
#                                                  over what v was broadcast to)


def check_where(cond, a, b):
    """The shapes where(cond, a, b) accepts: all three broadcast together."""
    broadcast_shape("where (condition)", tuple(cond), broadcast_shape("where", a, b))


class Where(Function):
    """``cond`` is a setting (a boolean array), not an input: it gets no gradient. The
    backward multiplies by the constant masks only, so it also runs on Tensors."""
    differentiable_backward = True

    @staticmethod
    def forward(ctx, a, b, cond):
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


# --------------------------------------------------------------------------- moving between backends
class ToBackend(Function):
    """Move an array to another backend; the gradient moves back: d(out)/d(in) = identity.

    Its backward is the move back, as an op (``ToBackend.run``), so it can be differentiated
    again.
    """
    differentiable_backward = True

    @staticmethod
    def forward(ctx, a, target):
        ctx.source = backend.backend_of(a)
        return backend.to_backend(a, target)

    @staticmethod
    def backward(ctx, g):
        return ToBackend.run(g, target=ctx.source)
