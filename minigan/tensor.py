"""The Tensor: an array (NumPy or CuPy) plus what autograd needs to differentiate through it.

A Tensor holds
  ``array``         the array itself (``numpy.ndarray`` or ``cupy.ndarray``),
  ``requires_grad`` whether gradients should flow to it,
  ``grad``          after ``backward()``, a Tensor of the same shape with d(loss)/d(this),
  ``grad_fn``       the :class:`~minigan.autograd.Node` of the op that made it (None for leaves).

Every arithmetic method below is one line that calls a Function from :mod:`minigan.ops`,
where the forward and the backward of each op stand side by side.
"""
import numpy

from . import autograd, backend

float32 = numpy.dtype("float32")
float64 = numpy.dtype("float64")
int64 = numpy.dtype("int64")
bool_ = numpy.dtype("bool")

_default_dtype = float32


def _as_dtype(dtype):
    try:
        return numpy.dtype(dtype)
    except TypeError:
        raise TypeError(f"{dtype!r} is not a dtype: use minigan.float32, minigan.float64, ...") from None


def set_default_dtype(dtype):
    """Dtype of floating-point tensors made from Python numbers (float32 unless changed)."""
    global _default_dtype
    dtype = _as_dtype(dtype)
    if dtype not in (float32, float64):
        raise TypeError(f"the default dtype must be float32 or float64, got {dtype}")
    _default_dtype = dtype


def get_default_dtype():
    return _default_dtype


def is_array(x):
    """True for a NumPy or CuPy ndarray."""
    return isinstance(x, numpy.ndarray) or (backend.backend_of(x) == "cupy" and hasattr(x, "shape"))


def _to_array(data, dtype=None):
    """An array for ``data`` on its own backend (arrays) or the active one (Python data)."""
    if isinstance(data, Tensor):
        data = data.array
    if is_array(data):
        arr = data
    else:
        arr = numpy.asarray(data)
        if arr.dtype == object:
            raise TypeError(f"cannot make a tensor from {type(data).__name__}: expected numbers, "
                            "nested lists of numbers, or an array")
        if dtype is None and arr.dtype.kind == "f" and not isinstance(data, (numpy.ndarray, numpy.generic)):
            arr = arr.astype(_default_dtype)       # Python floats -> the default dtype
        arr = backend.to_backend(arr, backend.get_backend())
    if dtype is not None and arr.dtype != dtype:
        arr = arr.astype(_as_dtype(dtype))
    return arr


class Tensor:
    # Makes numpy defer to Tensor's reflected operators in ``ndarray + tensor``.
    __array_priority__ = 1000

    def __init__(self, data, requires_grad=False, dtype=None):
        self.array = _to_array(data, dtype)
        self.grad = None
        self.grad_fn = None
        self._retains_grad = False
        self._requires_grad = False
        self.requires_grad = requires_grad

    @property
    def data(self):
        """The raw array, for now (PyTorch's detached-tensor meaning is coming; engine code
        uses ``.array``)."""
        return self.array

    @data.setter
    def data(self, value):
        self.array = value

    @classmethod
    def _make(cls, array, requires_grad=False):
        """Wrap an op's output array without checks or copies (used by Function.apply)."""
        if isinstance(array, numpy.generic):    # NumPy reductions return scalars, not arrays
            array = numpy.asarray(array)
        t = Tensor.__new__(Tensor)
        t.array, t.grad, t.grad_fn, t._retains_grad, t._requires_grad = array, None, None, False, requires_grad
        return t

    # ---------------------------------------------------------------- autograd state
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        if value and self.array.dtype.kind != "f":
            raise TypeError(f"only floating-point tensors can require grad; this one is "
                            f"{self.array.dtype}. Convert it first with .float() or .double()")
        self._requires_grad = bool(value)

    def requires_grad_(self, value=True):
        self.requires_grad = value
        return self

    @property
    def is_leaf(self):
        return self.grad_fn is None

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor too (leaves always keep theirs)."""
        self._retains_grad = True
        return self

    def _accumulate_grad(self, g):
        if isinstance(g, Tensor):      # create_graph=True: the gradient keeps its own graph
            self.grad = g if self.grad is None else self.grad + g
            return
        if self.grad is None:
            # A copy: backward may hand the same array to several inputs, and .grad must be
            # this tensor's own (an optimizer or a student may change it in place).
            xp = backend.get_array_module(g)
            self.grad = Tensor._make(xp.array(g, dtype=self.array.dtype, copy=True))
        else:
            self.grad.array += g

    def backward(self, gradient=None, retain_graph=None, create_graph=False):
        """Fill ``.grad`` of every leaf this tensor depends on with d(self)/d(leaf).

        On a scalar (a loss) no argument is needed. On any other tensor pass ``gradient``,
        the gradient of some scalar with respect to this tensor (same shape). With
        ``create_graph=True`` each ``.grad`` carries a graph of its own and can be
        differentiated again; ``retain_graph`` defaults to ``create_graph``.
        """
        if not self.requires_grad:
            raise RuntimeError("backward() on a tensor that does not require grad: none of the "
                               "tensors it was computed from has requires_grad=True (or it was "
                               "computed inside no_grad())")
        xp = backend.get_array_module(self.array)
        if gradient is None:
            if self.array.size != 1:
                raise ValueError(f"backward() without a gradient needs a scalar (one element), but "
                                 f"this tensor has shape {self.shape}; reduce it first (e.g. "
                                 ".sum() or .mean()) or pass gradient= of the same shape")
            grad = xp.ones_like(self.array)
        else:
            grad = gradient.array if isinstance(gradient, Tensor) else xp.asarray(gradient, dtype=self.dtype)
            if tuple(grad.shape) != self.shape:
                raise ValueError(f"backward(gradient=...): expected a gradient of shape {self.shape}, "
                                 f"got {tuple(grad.shape)}")
            if grad.dtype != self.dtype:
                raise TypeError(f"backward(gradient=...): expected dtype {self.dtype}, got {grad.dtype}")
        if create_graph and isinstance(gradient, Tensor):
            grad = gradient                 # a gradient that requires grad stays in the graph
        autograd.backward(self, grad, retain_graph=retain_graph, create_graph=create_graph)

    def detach(self):
        """The same data, cut from the graph (no copy)."""
        return Tensor._make(self.array)

    # ---------------------------------------------------------------- array facts
    @property
    def shape(self):
        return tuple(self.array.shape)

    @property
    def dtype(self):
        return self.array.dtype

    @property
    def ndim(self):
        return self.array.ndim

    def size(self, dim=None):
        return self.shape if dim is None else self.shape[dim]

    def numel(self):
        return int(self.array.size)

    def dim(self):
        return self.array.ndim

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    @property
    def backend(self):
        """``"numpy"`` or ``"cupy"``: where the data lives."""
        return backend.backend_of(self.array)

    def numpy(self):
        """The values as a NumPy array (copied from the GPU when needed; shared on NumPy)."""
        return backend.to_numpy(self.array)

    def item(self):
        if self.array.size != 1:
            raise ValueError(f"item() needs a tensor with one element, got shape {self.shape}")
        return self.array.item()

    def tolist(self):
        return self.numpy().tolist()

    def to(self, target):
        """Move to a backend (``"numpy"``/``"cupy"``) or convert to a dtype; a new leaf tensor
        that keeps ``requires_grad``."""
        if isinstance(target, str) and target.lower() in backend.BACKENDS:
            arr = backend.to_backend(self.array, target)
        else:
            arr = self.array.astype(_as_dtype(target))
        if arr is self.array:
            return self
        return Tensor(arr, requires_grad=self.requires_grad)

    def cupy(self):
        return self.to("cupy")

    def cpu(self):
        return self.to("numpy")

    def float(self):
        return self._cast(float32)

    def double(self):
        return self._cast(float64)

    def _cast(self, dtype):
        if self.dtype == dtype:
            return self
        if self.dtype.kind != "f":      # e.g. integer labels: nothing to differentiate
            return Tensor._make(self.array.astype(dtype))
        return ops.Cast.apply(self, dtype=dtype)

    def __repr__(self):
        body = numpy.array2string(self.numpy(), separator=", ", prefix="tensor(", precision=4)
        extras = []
        if self.dtype not in (_default_dtype, int64):
            extras.append(f"dtype={self.dtype}")
        if self.backend == "cupy":
            extras.append("backend='cupy'")
        if self.grad_fn is not None:
            extras.append(f"grad_fn={self.grad_fn!r}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extras) + ")"

    def __bool__(self):
        if self.array.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.shape} is ambiguous: "
                             "use .any() or .all()")
        return bool(self.array)

    __hash__ = object.__hash__

    # ---------------------------------------------------------------- arithmetic
    def _other(self, other):
        """``other`` as a Tensor; a Python number takes this tensor's dtype (no upcast)."""
        if isinstance(other, Tensor):
            return other
        if isinstance(other, (bool, int, float)):
            xp = backend.get_array_module(self.array)
            return Tensor._make(xp.asarray(other, dtype=self.dtype))
        if is_array(other) or isinstance(other, numpy.generic):
            return Tensor._make(other if is_array(other) else numpy.asarray(other))
        raise TypeError(f"unsupported operand: Tensor and {type(other).__name__}")

    def __add__(self, other):
        return ops.Add.apply(self, self._other(other))

    def __radd__(self, other):
        return ops.Add.apply(self._other(other), self)

    def __sub__(self, other):
        return ops.Sub.apply(self, self._other(other))

    def __rsub__(self, other):
        return ops.Sub.apply(self._other(other), self)

    def __mul__(self, other):
        return ops.Mul.apply(self, self._other(other))

    def __rmul__(self, other):
        return ops.Mul.apply(self._other(other), self)

    def __truediv__(self, other):
        return ops.Div.apply(self, self._other(other))

    def __rtruediv__(self, other):
        return ops.Div.apply(self._other(other), self)

    def __pow__(self, exponent):
        if isinstance(exponent, Tensor):
            raise TypeError("tensor ** tensor is not supported: the exponent must be a number "
                            "(write exp(b * log(a)) for a tensor exponent)")
        return ops.Pow.apply(self, exponent=float(exponent))

    def __rpow__(self, base):
        # c ** x = exp(x * log c), for a positive number c
        import math
        if not isinstance(base, (int, float)) or base <= 0:
            raise ValueError(f"number ** tensor needs a positive number as base, got {base!r}")
        return (self * math.log(base)).exp()

    def __matmul__(self, other):
        return ops.MatMul.apply(self, self._other(other))

    def __rmatmul__(self, other):
        return ops.MatMul.apply(self._other(other), self)

    def __neg__(self):
        return ops.Neg.apply(self)

    # comparisons give boolean tensors and are not differentiable
    def _compare(self, other, op):
        other = other.array if isinstance(other, Tensor) else other
        return Tensor._make(op(self.array, other))

    def __lt__(self, other):
        return self._compare(other, lambda a, b: a < b)

    def __le__(self, other):
        return self._compare(other, lambda a, b: a <= b)

    def __gt__(self, other):
        return self._compare(other, lambda a, b: a > b)

    def __ge__(self, other):
        return self._compare(other, lambda a, b: a >= b)

    def __eq__(self, other):
        return self._compare(other, lambda a, b: a == b)

    def __ne__(self, other):
        return self._compare(other, lambda a, b: a != b)

    def any(self):
        return bool(self.array.any())

    def all(self):
        return bool(self.array.all())

    # ---------------------------------------------------------------- reductions
    def sum(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        axis, keepdims = _axis_args(axis, keepdims, dim, keepdim)
        return ops.Sum.apply(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        axis, keepdims = _axis_args(axis, keepdims, dim, keepdim)
        return ops.Mean.apply(self, axis=axis, keepdims=keepdims)

    # ---------------------------------------------------------------- shapes
    def reshape(self, *shape):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return ops.Reshape.apply(self, shape=tuple(shape))

    view = reshape

    def flatten(self, start_dim=0, end_dim=-1):
        nd = max(self.ndim, 1)
        s, e = start_dim % nd, end_dim % nd
        shape = self.shape[:s] + (-1,) + self.shape[e + 1:]
        return self.reshape(shape)

    def permute(self, *dims):
        dims = dims[0] if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
        if sorted(d % max(self.ndim, 1) for d in dims) != list(range(self.ndim)):
            raise ValueError(f"permute: dims {tuple(dims)} are not a permutation of the "
                             f"{self.ndim} dimensions of a tensor of shape {self.shape}")
        return ops.Permute.apply(self, dims=tuple(d % self.ndim for d in dims))

    def transpose(self, dim0=0, dim1=1):
        """Swap two dimensions (PyTorch's meaning; ``.T`` reverses all of them)."""
        dims = list(range(self.ndim))
        dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
        return self.permute(dims)

    @property
    def T(self):
        return self.permute(tuple(reversed(range(self.ndim))))

    def __getitem__(self, index):
        if isinstance(index, Tensor):
            index = index.array
        elif isinstance(index, tuple):
            index = tuple(i.array if isinstance(i, Tensor) else i for i in index)
        if not (self.requires_grad and autograd.is_grad_enabled()):
            return Tensor._make(self.array[index])   # integer tensors can be indexed too
        return ops.GetItem.apply(self, index=index)

    # ---------------------------------------------------------------- elementwise math
    def exp(self):
        return ops.Exp.apply(self)

    def log(self):
        return ops.Log.apply(self)

    def sqrt(self):
        return ops.Sqrt.apply(self)

    def abs(self):
        return ops.Abs.apply(self)

    def clip(self, min=None, max=None):
        if min is None and max is None:
            raise ValueError("clip needs at least one of min and max")
        return ops.Clip.apply(self, min=min, max=max)

    clamp = clip

    def maximum(self, other):
        return ops.Maximum.apply(self, self._other(other))

    def tanh(self):
        return ops.Tanh.apply(self)

    def sigmoid(self):
        return ops.Sigmoid.apply(self)

    def relu(self):
        return ops.ReLU.apply(self)


def _axis_args(axis, keepdims, dim, keepdim):
    """Accept NumPy's (axis, keepdims) and PyTorch's (dim, keepdim) spellings."""
    if dim is not None:
        axis = dim
    if keepdim is not None:
        keepdims = keepdim
    if isinstance(axis, list):
        axis = tuple(axis)
    return axis, bool(keepdims)


# ---------------------------------------------------------------------- factories
def tensor(data, dtype=None, requires_grad=False):
    """A new leaf tensor holding a copy of ``data`` (numbers, nested lists, or an array).

    Python floats become the default dtype (float32); arrays keep their dtype unless
    ``dtype`` is given. Like ``torch.tensor`` on the default device, the tensor lives on the
    active backend: a NumPy array is copied to the GPU when the backend is "cupy". (The
    ``Tensor(array)`` constructor, by contrast, wraps an array where it already is.)
    """
    if isinstance(data, Tensor):
        data = data.array
    arr = _to_array(data, dtype)
    moved = backend.to_backend(arr, backend.get_backend())
    if moved is not arr:
        return Tensor(moved, requires_grad=requires_grad)
    if arr is data:
        arr = arr.copy()
    return Tensor(arr, requires_grad=requires_grad)


def _new(fill, shape, dtype, requires_grad):
    shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
    dtype = _default_dtype if dtype is None else _as_dtype(dtype)
    return Tensor(fill(tuple(int(s) for s in shape), dtype), requires_grad=requires_grad)


def zeros(*shape, dtype=None, requires_grad=False):
    return _new(lambda s, d: backend.active_module().zeros(s, dtype=d), shape, dtype, requires_grad)


def ones(*shape, dtype=None, requires_grad=False):
    return _new(lambda s, d: backend.active_module().ones(s, dtype=d), shape, dtype, requires_grad)


def full(shape, value, dtype=None, requires_grad=False):
    return _new(lambda s, d: backend.active_module().full(s, value, dtype=d), (shape,), dtype, requires_grad)


def randn(*shape, dtype=None, requires_grad=False):
    """Standard normal samples from the active backend's seeded generator."""
    return _new(lambda s, d: backend.generator().standard_normal(s, dtype=d), shape, dtype, requires_grad)


def rand(*shape, dtype=None, requires_grad=False):
    """Uniform samples in [0, 1) from the active backend's seeded generator."""
    return _new(lambda s, d: backend.generator().random(s, dtype=d), shape, dtype, requires_grad)


def zeros_like(t, dtype=None):
    return Tensor(backend.get_array_module(t.array).zeros_like(t.array, dtype=dtype))


def ones_like(t, dtype=None):
    return Tensor(backend.get_array_module(t.array).ones_like(t.array, dtype=dtype))


def cat(tensors, axis=0, *, dim=None):
    """Join tensors along an existing axis (``concatenate`` in NumPy, ``cat`` in PyTorch)."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat/concatenate needs at least one tensor")
    return ops.Concatenate.apply(*tensors, axis=axis if dim is None else dim)


concatenate = cat


def stack(tensors, axis=0, *, dim=None):
    """Join tensors along a new axis."""
    axis = axis if dim is None else dim
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack needs at least one tensor")
    nd = tensors[0].ndim + 1
    axis = axis % nd
    return cat([t.reshape(t.shape[:axis] + (1,) + t.shape[axis:]) for t in tensors], axis=axis)


def maximum(a, b):
    return a.maximum(b) if isinstance(a, Tensor) else b._other(a).maximum(b)


from . import ops  # noqa: E402  (ops needs Tensor, defined above)


def empty_like_shape(shape, dtype=None):
    """An uninitialised float array of ``shape`` on the active backend (for layer weights that an
    initialiser fills next)."""
    dtype = _default_dtype if dtype is None else _as_dtype(dtype)
    return backend.active_module().empty(tuple(shape), dtype=dtype)
