"""The Tensor: an array (NumPy or CuPy) plus what autograd needs to differentiate through it.

A Tensor holds
  ``array``         the raw array itself (``numpy.ndarray`` or ``cupy.ndarray``): what the
                    engine's kernels and the lessons that show arrays work on,
  ``requires_grad`` whether gradients should flow to it,
  ``grad``          after ``backward()``, a Tensor of the same shape with d(loss)/d(this),
  ``grad_fn``       the :class:`~minigan.autograd.Node` of the op that made it (None for leaves),
  ``_version``      how many in-place changes it has had (see :mod:`minigan.versions`).

``t.data`` has PyTorch's meaning: a Tensor sharing ``t``'s storage, detached from the graph,
with ``requires_grad=False`` (``nn.init.normal_(m.weight.data, 0.0, 0.02)``,
``p.data.clamp_(-c, c)``). It is not the raw array; that is ``t.array``.

In-place changes (``p -= lr * p.grad``, ``x += y``, ``add_``, ``fill_``, ``t[i] = v``, ...)
follow PyTorch's rules: inside ``no_grad()`` (or on a tensor outside any graph) they write
into the storage, so every alias sees them; changing a leaf that requires grad outside
``no_grad()`` is an error; on a tensor inside a graph they are recorded like any op, and a
value that an earlier op saved for its backward, changed in place afterwards, makes that
backward an error rather than a wrong gradient. (Inside a graph minigan gives the tensor the
new values as a new array instead of overwriting the old one, so old aliases made with
``.detach()`` keep the old values; the error rule above is PyTorch's all the same.)

Every arithmetic method below is one line that calls a Function from :mod:`minigan.ops`,
where the forward and the backward of each op stand side by side.

Where this Tensor deliberately differs from PyTorch's, and why:
  * float32 and float64 tensors are never mixed (PyTorch promotes): a silent upcast doubles
    memory and time; ``.float()``/``.double()`` say what is meant. Integer and boolean
    tensors beside a float one are converted to its dtype, as in PyTorch.
  * ``exp``, ``log``, ``sqrt``, ``mean`` and activations of an integer tensor are a TypeError
    asking for ``.float()`` (PyTorch converts silently).
  * ``.data`` shares the version counter (PyTorch's does not), so a saved value changed
    through ``.data`` is an error at backward instead of a wrong gradient; ``p.data = t``
    checks shape, dtype and device (PyTorch lets them change).
  * dtypes are NumPy dtypes (``minigan.float32 == numpy.float32``) and print as such.
  * ``minigan.Tensor(2, 3)`` and ``FloatTensor(2, 3)`` are zeros (PyTorch: uninitialised);
    ``minigan.Tensor(array)`` shares an array that is already of the default dtype.
  * ``expand`` and ``clone`` make new arrays (``expand`` is a view in PyTorch).
  * In-place ops on a tensor inside a graph give it a new array (see above); a view made by
    ``reshape``/indexing does not share its base's version counter.
  * The 2-norm's gradient at a zero vector is nan (PyTorch: 0).
"""
import collections
import numbers

import numpy

from . import autograd, backend, versions, workspace

float32 = numpy.dtype("float32")
float64 = numpy.dtype("float64")
int64 = numpy.dtype("int64")
int32 = numpy.dtype("int32")
uint8 = numpy.dtype("uint8")
bool_ = numpy.dtype("bool")

_default_dtype = float32

# PyTorch's legacy type names, for .type() and the FloatTensor/LongTensor constructors
_TYPE_NAMES = {float32: "FloatTensor", float64: "DoubleTensor", int64: "LongTensor",
               int32: "IntTensor", uint8: "ByteTensor", bool_: "BoolTensor"}

# what max(dim=...) / min(dim=...) return, as PyTorch's torch.return_types.max / .min
max_result = collections.namedtuple("max", ["values", "indices"])
min_result = collections.namedtuple("min", ["values", "indices"])

_LEAF_IN_PLACE = ("a leaf Variable that requires grad is being used in an in-place operation: "
                  "change a parameter in place inside  with minigan.no_grad():  (as an optimizer "
                  "step does), or through its .data")


def _as_dtype(dtype):
    if isinstance(dtype, str):
        name = dtype.split(".")[-1]
        for d, legacy in _TYPE_NAMES.items():     # "torch.LongTensor", "minigan.FloatTensor"
            if name == legacy:
                return d
        dtype = {"float": "float32", "double": "float64", "long": "int64", "int": "int32"}.get(name, name)
    try:
        return numpy.dtype(dtype)
    except TypeError:
        raise TypeError(f"{dtype!r} is not a dtype: use minigan.float32, minigan.float64, "
                        "minigan.int64, minigan.bool, ...") from None


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


def _is_int(x):
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def _to_array(data, dtype=None, where=None):
    """An array for ``data`` on its own backend (arrays) or the active one (Python data);
    on backend ``where`` when that is given."""
    if isinstance(data, Tensor):
        data = data.array
    if is_array(data):
        arr = data
    else:
        if isinstance(data, (list, tuple)) and any(isinstance(d, Tensor) for d in data):
            data = [d.numpy() if isinstance(d, Tensor) else d for d in data]
        arr = numpy.asarray(data)
        if arr.dtype == object:
            raise TypeError(f"cannot make a tensor from {type(data).__name__}: expected numbers, "
                            "nested lists of numbers, or an array")
        if dtype is None and arr.dtype.kind == "f" and not isinstance(data, (numpy.ndarray, numpy.generic)):
            arr = arr.astype(_default_dtype)       # Python floats -> the default dtype
        arr = backend.to_backend(arr, backend.get_backend() if where is None else where)
    if where is not None:
        arr = backend.to_backend(arr, where)
    if dtype is not None and arr.dtype != dtype:
        arr = arr.astype(_as_dtype(dtype))
    return arr


def _backend_name(device):
    """The backend for a ``device=`` argument (None: the active backend)."""
    if device is None:
        return backend.get_backend()
    name = _device.backend_of_device(device)
    backend.get_module(name)            # the clear error when CuPy is missing
    return name


def _unwrap_index(index):
    if isinstance(index, Tensor):
        return index.array
    if isinstance(index, tuple):
        return tuple(i.array if isinstance(i, Tensor) else i for i in index)
    return index


def _conversion(name, dtype):
    """The method ``x.NAME()``: x as ``dtype`` (x itself when it already is; a float-to-float
    copy keeps the gradient flowing)."""
    def convert(self):
        return self._cast(dtype)
    convert.__name__ = convert.__qualname__ = name
    convert.__doc__ = f"This tensor as {numpy.dtype(dtype).name}."
    return convert


class Tensor:
    # Makes numpy defer to Tensor's reflected operators in ``ndarray + tensor``.
    __array_priority__ = 1000

    def __init__(self, *args, requires_grad=False, dtype=None, device=None):
        """``minigan.Tensor(data)`` is PyTorch's legacy constructor: the values of ``data`` as
        the default dtype (float32), whatever ``data``'s own dtype; ``minigan.Tensor(2, 3)``
        is a tensor of that shape (zeros here; PyTorch leaves it uninitialised). An array that
        is already of the dtype asked for is wrapped without a copy. ``minigan.tensor(data)``
        keeps ``data``'s dtype; subclasses (``nn.Parameter``) keep it too.
        """
        legacy = type(self) is Tensor
        where = None if device is None else _backend_name(device)
        if legacy and dtype is None and args and all(_is_int(a) for a in args):
            xp = backend.get_module(where or backend.get_backend())
            array = xp.zeros(tuple(int(a) for a in args), dtype=_default_dtype)
        elif len(args) == 1:
            if legacy and dtype is None:
                dtype = _default_dtype
            array = _to_array(args[0], dtype, where)
        else:
            raise TypeError(f"Tensor() takes one data argument or the sizes of a shape, got {args!r}")
        self.array = array
        self.grad = None
        self.grad_fn = None
        self._retains_grad = False
        self._requires_grad = False
        self._vc = versions.new_counter()
        self.requires_grad = requires_grad

    @classmethod
    def _make(cls, array, requires_grad=False):
        """Wrap an op's output array without checks or copies (used by Function.apply)."""
        if isinstance(array, numpy.generic):    # NumPy reductions return scalars, not arrays
            array = numpy.asarray(array)
        t = Tensor.__new__(Tensor)
        t.array, t.grad, t.grad_fn, t._retains_grad, t._requires_grad = array, None, None, False, requires_grad
        t._vc = versions.new_counter()
        return t

    def _alias(self):
        """A detached Tensor on the same storage with the same version counter."""
        t = Tensor._make(self.array)
        t._vc = self._vc
        return t

    # ---------------------------------------------------------------- .data
    @property
    def data(self):
        """A Tensor sharing this tensor's storage, detached, with requires_grad=False (PyTorch's
        meaning). Unlike PyTorch's, it shares the version counter too, so that changing a value
        saved for backward through ``.data`` is caught instead of giving a wrong gradient."""
        return self._alias()

    @data.setter
    def data(self, value):
        # PyTorch lets .data = swap in a tensor of any shape or dtype; minigan checks, because
        # a mismatch here is almost always a mistake that would only surface much later.
        if not isinstance(value, Tensor):
            raise TypeError(f"p.data = ... needs a Tensor, got {type(value).__name__}; wrap the "
                            "values first with minigan.tensor(...) (the raw array is p.array)")
        if value.shape != self.shape:
            raise ValueError(f"p.data = t: t has shape {value.shape} but this tensor has shape "
                             f"{self.shape}; the shapes must match")
        if value.dtype != self.dtype:
            raise TypeError(f"p.data = t: t is {value.dtype} but this tensor is {self.dtype}; "
                            f"convert it first with .to({self.dtype})")
        if value.backend != self.backend:
            raise TypeError(f"p.data = t: t is on {value.device} but this tensor is on "
                            f"{self.device}; move it first with .to('{self.device}')")
        self.array = value.array        # as PyTorch: this tensor now shares t's storage

    @property
    def _version(self):
        """How many in-place changes this tensor's storage has had."""
        return self._vc[0]

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

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
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
            # this tensor's own (an optimizer or a student may change it in place). Its memory
            # comes from the workspace, since zero_grad() drops .grad every step.
            self.grad = Tensor._make(workspace.copy(g, self.array.dtype))
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
        """The same data, cut from the graph (no copy; shares the version counter)."""
        return self._alias()

    def detach_(self):
        """Cut this tensor from the graph, in place: it becomes a leaf that needs no grad."""
        self.grad_fn, self._requires_grad = None, False
        return self

    # ---------------------------------------------------------------- in-place changes
    def _graph_in_place(self, *others):
        """True when an in-place change must be recorded (and refused on a grad leaf)."""
        if not autograd.is_grad_enabled():
            return False
        if self.requires_grad and self.is_leaf:
            raise RuntimeError(_LEAF_IN_PLACE)
        return self.requires_grad or any(isinstance(o, Tensor) and o.requires_grad for o in others)

    def _stand_in(self):
        """This tensor as it is before an in-place op: what the recorded op takes as input.
        It has a counter of its own, so the op's own saved copy is not flagged as changed."""
        old = Tensor._make(self.array, requires_grad=self.requires_grad)
        old.grad_fn = self.grad_fn
        return old

    def _take(self, new, recorded):
        """Make ``new`` (same shape and dtype) this tensor's value, in place."""
        if new.shape != self.shape:
            raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast "
                               f"shape {list(new.shape)}: an in-place op cannot change a tensor's shape")
        if new.dtype != self.dtype:
            raise RuntimeError(f"result type {new.dtype} can't be cast to the desired output type "
                               f"{self.dtype}: an in-place op keeps the tensor's dtype")
        if recorded:
            self.array, self.grad_fn, self._requires_grad = new.array, new.grad_fn, new.requires_grad
        else:
            self.array[...] = new.array
        self._vc[0] += 1
        return self

    def _in_place(self, fn, *others):
        """``self = fn(self)`` in place, as PyTorch's in-place methods do."""
        recorded = self._graph_in_place(*others)
        if recorded:
            return self._take(fn(self._stand_in()), True)
        with autograd.no_grad():
            return self._take(fn(self), False)

    def _assign(self, index, value):
        """``self[index] = value`` in place; ``value`` takes this tensor's dtype, as in PyTorch."""
        index = _unwrap_index(index)
        if isinstance(value, Tensor) and value.backend != self.backend:
            raise TypeError(f"cannot assign a tensor on {value.device} into a tensor on "
                            f"{self.device}; move it first with .to('{self.device}')")
        if self._graph_in_place(value):
            value = value.to(self.dtype) if isinstance(value, Tensor) else self._other(value)
            new = ops.SetItem.apply(self._stand_in(), value, index=index)
            return self._take(new, True)
        self.array[index] = value.array if isinstance(value, Tensor) else value
        self._vc[0] += 1
        return self

    def __setitem__(self, index, value):
        self._assign(index, value)

    def add_(self, other, *, alpha=1):
        return self._in_place(lambda t: t + (other if alpha == 1 else other * alpha), other)

    def sub_(self, other, *, alpha=1):
        return self._in_place(lambda t: t - (other if alpha == 1 else other * alpha), other)

    def mul_(self, other):
        return self._in_place(lambda t: t * other, other)

    def div_(self, other):
        return self._in_place(lambda t: t / other, other)

    def pow_(self, exponent):
        return self._in_place(lambda t: t ** exponent)

    def clamp_(self, min=None, max=None):
        return self._in_place(lambda t: t.clamp(min, max))

    clip_ = clamp_

    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def fill_(self, value):
        return self._assign(Ellipsis, value)

    def zero_(self):
        return self._assign(Ellipsis, 0)

    def copy_(self, src, non_blocking=False):
        """Copy ``src``'s values into this tensor (broadcast, converted to this tensor's dtype
        and moved to its device, as in PyTorch); gradients flow back to ``src``."""
        if not isinstance(src, Tensor):
            raise TypeError(f"copy_ needs a Tensor, got {type(src).__name__}")
        return self._assign(Ellipsis, src.to(self.device, self.dtype))

    def _random_fill(self, name, draw):
        if self.dtype.kind != "f":
            raise TypeError(f"{name} fills floating-point tensors; this one is {self.dtype}")
        return self._assign(Ellipsis, Tensor._make(draw(backend.generator(self.backend))))

    def normal_(self, mean=0.0, std=1.0):
        """Fill with samples of N(mean, std^2) from the seeded generator of this tensor's backend."""
        return self._random_fill("normal_", lambda g: g.standard_normal(self.shape, dtype=self.dtype)
                                 * self.dtype.type(std) + self.dtype.type(mean))

    def uniform_(self, a=0.0, b=1.0, **kwargs):
        """Fill with samples of U[a, b) (PyTorch's keywords ``from`` and ``to`` work too)."""
        a, b = kwargs.pop("from", a), kwargs.pop("to", b)
        if kwargs:
            raise TypeError(f"uniform_ got unexpected keyword argument(s) {', '.join(kwargs)}")
        return self._random_fill("uniform_", lambda g: g.random(self.shape, dtype=self.dtype)
                                 * self.dtype.type(b - a) + self.dtype.type(a))

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
        return self.shape if dim is None else self.shape[_dim_index(dim, self.ndim, "size")]

    def numel(self):
        return int(self.array.size)

    nelement = numel

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

    @property
    def device(self):
        """``device(type='cpu')`` (NumPy) or ``device(type='cuda', index=0)`` (CuPy)."""
        return _device.device_of_backend(self.backend)

    @property
    def is_cuda(self):
        return self.backend == "cupy"

    def is_floating_point(self):
        return self.dtype.kind == "f"

    def numpy(self):
        """The values as a NumPy array (copied from the GPU when needed; shared on NumPy)."""
        return backend.to_numpy(self.array)

    def item(self):
        if self.array.size != 1:
            raise ValueError(f"item() needs a tensor with one element, got shape {self.shape}")
        return self.array.item()

    def tolist(self):
        return self.numpy().tolist()

    # ---------------------------------------------------------------- devices and dtypes
    def to(self, *args, **kwargs):
        """``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(other_tensor)`` as in PyTorch:
        this tensor itself when nothing changes, else a new tensor in the graph (gradients flow
        back through the move and the conversion). Devices: ``"cpu"``, ``"cuda"``,
        ``"cuda:0"``, :class:`minigan.device`, or the backend names ``"numpy"``/``"cupy"``."""
        name, dtype, copy = _parse_to_args(args, kwargs, _as_dtype)
        out = self
        if dtype is not None and dtype != out.dtype:
            out = out._cast(dtype)
        if name is not None and name != out.backend:
            out = out._move(name)
        if copy and out is self:
            out = self.clone()
        return out

    def _move(self, name):
        if self.dtype.kind != "f":      # integer labels: nothing to differentiate
            return Tensor._make(backend.to_backend(self.array, name))
        return ops.ToBackend.apply(self, target=name)

    def cuda(self, device=None):
        return self.to("cuda" if device is None else device)

    def cupy(self):
        return self.to("cupy")

    def cpu(self):
        return self.to("cpu")

    # PyTorch's conversion methods: x.float() is x.to(float32), and so on
    float = _conversion("float", float32)
    double = _conversion("double", float64)
    long = _conversion("long", int64)
    int = _conversion("int", int32)
    bool = _conversion("bool", bool_)
    byte = _conversion("byte", uint8)

    def type(self, dtype=None):
        """Without an argument, the legacy type name (``"minigan.FloatTensor"``, or
        ``"minigan.cuda.FloatTensor"`` on the GPU); with a dtype (or such a name), convert."""
        if dtype is None:
            where = "cuda." if self.is_cuda else ""
            return f"minigan.{where}{_TYPE_NAMES.get(self.dtype, str(self.dtype))}"
        return self._cast(_as_dtype(dtype))

    def type_as(self, other):
        return self.to(other.dtype)

    def _cast(self, dtype):
        if self.dtype == dtype:
            return self
        if self.dtype.kind != "f" or dtype.kind != "f":   # to or from integers: no gradient
            return Tensor._make(self.array.astype(dtype))
        return ops.Cast.apply(self, dtype=dtype)

    def __repr__(self):
        body = numpy.array2string(self.numpy(), separator=", ", prefix="tensor(", precision=4)
        extras = []
        if self.backend == "cupy":
            extras.append(f"device='{self.device}'")
        if self.dtype not in (_default_dtype, int64, bool_):
            extras.append(f"dtype={self.dtype}")
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

    def __index__(self):
        if self.array.size != 1 or self.dtype.kind not in "iub":
            raise TypeError(f"only integer tensors of a single element can be converted to an "
                            f"index, got a {self.dtype} tensor of shape {self.shape}")
        return int(self.array.item())

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    __hash__ = object.__hash__

    # ---------------------------------------------------------------- arithmetic
    def _other(self, other):
        """``other`` as a Tensor; a Python number takes this tensor's dtype (no upcast), except
        that a float with an integer tensor becomes the default float dtype (PyTorch's rule)."""
        if isinstance(other, Tensor):
            return other
        if isinstance(other, (bool, int, float)):
            xp = backend.get_array_module(self.array)
            dtype = self.dtype
            if isinstance(other, float) and dtype.kind != "f":
                dtype = _default_dtype
            elif isinstance(other, int) and not isinstance(other, bool) and dtype.kind == "b":
                dtype = int64
            return Tensor._make(xp.asarray(other, dtype=dtype))
        if is_array(other) or isinstance(other, numpy.generic):
            return Tensor._make(other if is_array(other) else numpy.asarray(other))
        raise TypeError(f"unsupported operand: Tensor and {type(other).__name__}")

    def _binary(self, other, op, raw, reflected=False):
        """Run a binary op. Floating-point operands go through the differentiable op; an integer
        or boolean operand beside a float one is converted to the float's dtype (it has no
        gradient); two integer operands are computed directly (nothing to differentiate), with
        true division giving the default float dtype, as in PyTorch."""
        a, b = self, self._other(other)
        if reflected:
            a, b = b, a
        if op is ops.MatMul:      # the op's shape rule, checked once, here (see function.py)
            ops.check_matmul(a.shape, b.shape)
        else:
            ops.broadcast_shape(op.__name__.lower(), a.shape, b.shape)
        fa, fb = a.dtype.kind == "f", b.dtype.kind == "f"
        if fa and fb:
            return op.apply(a, b)
        if fa or fb:
            a, b = (a, b._cast(a.dtype)) if fa else (a._cast(b.dtype), b)
            return op.apply(a, b)
        out = raw(a.array, b.array)
        if out.dtype.kind == "f" and out.dtype != _default_dtype:
            out = out.astype(_default_dtype)
        return Tensor._make(out)

    def __add__(self, other):
        return self._binary(other, ops.Add, lambda a, b: a + b)

    def __radd__(self, other):
        return self._binary(other, ops.Add, lambda a, b: a + b, reflected=True)

    def __sub__(self, other):
        return self._binary(other, ops.Sub, lambda a, b: a - b)

    def __rsub__(self, other):
        return self._binary(other, ops.Sub, lambda a, b: a - b, reflected=True)

    def __mul__(self, other):
        return self._binary(other, ops.Mul, lambda a, b: a * b)

    def __rmul__(self, other):
        return self._binary(other, ops.Mul, lambda a, b: a * b, reflected=True)

    def __truediv__(self, other):
        return self._binary(other, ops.Div, lambda a, b: a / b)

    def __rtruediv__(self, other):
        return self._binary(other, ops.Div, lambda a, b: a / b, reflected=True)

    def __floordiv__(self, other):
        o = self._other(other)
        return Tensor._make(self.array // o.array)     # PyTorch's floor_divide has no gradient

    def __mod__(self, other):
        o = self._other(other)
        return Tensor._make(self.array % o.array)

    def __pow__(self, exponent):
        if isinstance(exponent, Tensor):
            raise TypeError("tensor ** tensor is not supported: the exponent must be a number "
                            "(write exp(b * log(a)) for a tensor exponent)")
        if self.dtype.kind != "f":
            out = self.array ** exponent
            return Tensor._make(out.astype(_default_dtype) if out.dtype.kind == "f" else out)
        return ops.Pow.apply(self, exponent=float(exponent))

    def pow(self, exponent):
        return self ** exponent

    def __rpow__(self, base):
        # c ** x = exp(x * log c), for a positive number c
        import math
        if not isinstance(base, (int, float)) or base <= 0:
            raise ValueError(f"number ** tensor needs a positive number as base, got {base!r}")
        return (self * math.log(base)).exp()

    def __matmul__(self, other):
        return self._binary(other, ops.MatMul, lambda a, b: a @ b)

    def __rmatmul__(self, other):
        return self._binary(other, ops.MatMul, lambda a, b: a @ b, reflected=True)

    def matmul(self, other):
        return self @ other

    def mm(self, mat2):
        """The product of two matrices; 2-D only, as PyTorch's ``mm`` (``matmul`` broadcasts)."""
        if not isinstance(mat2, Tensor):
            raise TypeError(f"mm: mat2 must be a Tensor, got {type(mat2).__name__}")
        for name, t in (("self", self), ("mat2", mat2)):
            if t.ndim != 2:
                raise ValueError(f"mm: {name} must be a matrix (a 2-D tensor), got shape {t.shape}; "
                                 "matmul broadcasts other shapes")
        return self @ mat2

    def bmm(self, mat2):
        """Batched product (B, n, m) @ (B, m, p) -> (B, n, p); 3-D with equal B only, as PyTorch's ``bmm``."""
        if not isinstance(mat2, Tensor):
            raise TypeError(f"bmm: mat2 must be a Tensor, got {type(mat2).__name__}")
        if self.ndim != 3 or mat2.ndim != 3 or self.shape[0] != mat2.shape[0]:
            raise ValueError(f"bmm: expected two 3-D tensors (B, n, m) and (B, m, p) with the same B, got "
                             f"{self.shape} and {mat2.shape}")
        return self @ mat2

    def __abs__(self):                  # abs(t), as PyTorch
        return self.abs()

    def __neg__(self):
        if self.dtype.kind != "f":
            return Tensor._make(-self.array)
        return ops.Neg.apply(self)

    def add(self, other, *, alpha=1):
        return self + (other if alpha == 1 else other * alpha)

    def sub(self, other, *, alpha=1):
        return self - (other if alpha == 1 else other * alpha)

    def mul(self, other):
        return self * other

    def div(self, other):
        return self / other

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

    # PyTorch's method names for the comparisons
    def eq(self, other):
        return self == other

    def ne(self, other):
        return self != other

    def lt(self, other):
        return self < other

    def le(self, other):
        return self <= other

    def gt(self, other):
        return self > other

    def ge(self, other):
        return self >= other

    def masked_fill(self, mask, value):
        """``value`` where the boolean ``mask`` holds (broadcast to this shape), this tensor
        elsewhere; the gradient passes where the mask is False."""
        if isinstance(mask, Tensor) and mask.dtype != bool_:
            raise TypeError(f"masked_fill: mask must be a boolean tensor, got {mask.dtype}; compare first, e.g. x > 0")
        return where(mask, value, self)

    def __invert__(self):
        if self.dtype.kind not in "iub":
            raise TypeError(f"~ needs a boolean or integer tensor, got {self.dtype}")
        return Tensor._make(~self.array)

    def __and__(self, other):
        return self._compare(other, lambda a, b: a & b)

    def __or__(self, other):
        return self._compare(other, lambda a, b: a | b)

    def any(self, dim=None, keepdim=False):
        """Whether any element (along ``dim``) is nonzero: a bool tensor, as in PyTorch
        (``if t.any():`` reads its single value)."""
        return Tensor._make(self.array.any(axis=_dims(dim, self.ndim, "any"), keepdims=bool(keepdim)))

    def all(self, dim=None, keepdim=False):
        """Whether every element (along ``dim``) is nonzero: a bool tensor, as in PyTorch."""
        return Tensor._make(self.array.all(axis=_dims(dim, self.ndim, "all"), keepdims=bool(keepdim)))

    def isfinite(self):
        return Tensor._make(backend.get_array_module(self.array).isfinite(self.array))

    # ---------------------------------------------------------------- reductions
    def sum(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        axis, keepdims = _axis_args(axis, keepdims, dim, keepdim, self.ndim, "sum")
        if self.dtype.kind != "f":      # counting (e.g. correct predictions): int64, as in PyTorch
            return Tensor._make(self.array.sum(axis=axis, keepdims=keepdims, dtype=int64))
        return ops.Sum.apply(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        axis, keepdims = _axis_args(axis, keepdims, dim, keepdim, self.ndim, "mean")
        return ops.Mean.apply(self, axis=axis, keepdims=keepdims)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        """Variance over ``dim`` (all elements when None), dividing by N - correction.
        PyTorch's default is the unbiased estimate (correction=1); ``unbiased=False`` or
        ``correction=0`` divides by N. Composed of tensor ops, so second derivatives come free."""
        if isinstance(dim, bool):             # var(False): PyTorch's var(unbiased) form
            dim, unbiased = None, dim
        if unbiased is not None and correction is not None:
            raise TypeError("var/std: give unbiased= or correction=, not both")
        correction = (1 if unbiased is None else int(unbiased)) if correction is None else correction
        axis = _dims(dim, self.ndim, "var")
        axes = range(self.ndim) if axis is None else ((axis,) if _is_int(axis) else axis)
        n = 1
        for ax in axes:
            n *= self.shape[ax]
        centred = self - self.mean(axis, keepdims=True)
        # N - correction <= 0 gives inf or nan, as in PyTorch
        scale = 1.0 / (n - correction) if n - correction > 0 else float("inf") if n else float("nan")
        return (centred * centred).sum(axis, keepdims=keepdim) * scale

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        """Standard deviation: the square root of :meth:`var` (same arguments and defaults)."""
        return self.var(dim, unbiased, keepdim, correction=correction).sqrt()

    def norm(self, p=2, dim=None, keepdim=False):
        """The p-norm over ``dim`` (all elements when None): ``(sum |x|^p)^(1/p)``;
        ``p="fro"`` is 2, ``p=inf`` the largest |x|, ``p=0`` the number of nonzero elements.
        At a zero vector the 2-norm's gradient is nan here (sqrt'(0)); PyTorch gives 0 there."""
        axis = _dims(dim, self.ndim, "norm")
        if p == "fro":
            p = 2
        if not isinstance(p, (int, float)) or isinstance(p, bool):
            raise ValueError(f"norm: p must be a number, 'fro' or inf, got {p!r}")
        if p == float("inf"):
            return self.abs().amax(axis, keepdim)
        if p == 0:
            return (self != 0).sum(axis, keepdims=keepdim).to(self.dtype)
        if p == 2:
            return (self * self).sum(axis, keepdims=keepdim).sqrt()
        if p == 1:
            return self.abs().sum(axis, keepdims=keepdim)
        return (self.abs() ** p).sum(axis, keepdims=keepdim) ** (1.0 / p)

    def argmax(self, dim=None, keepdim=False):
        """Index of the largest value: in the flattened tensor when ``dim`` is None (an int64
        scalar tensor), else along ``dim``."""
        return self._arg("argmax", dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        return self._arg("argmin", dim, keepdim)

    def _arg(self, name, dim, keepdim):
        xp = backend.get_array_module(self.array)
        if dim is None:
            out = getattr(xp, name)(self.array)
            return Tensor._make(xp.asarray(out, dtype=int64).reshape((1,) * self.ndim if keepdim else ()))
        dim = _dim_index(dim, self.ndim, name)
        out = getattr(xp, name)(self.array, axis=dim)
        if keepdim:
            out = xp.expand_dims(out, dim)
        return Tensor._make(out.astype(int64, copy=False))

    def max(self, dim=None, keepdim=False):
        """No ``dim``: the largest value (a 0-d tensor; on ties the gradient is shared evenly,
        as PyTorch does). With ``dim``: ``(values, indices)`` along it, the gradient going to
        the chosen index. ``x.max(other_tensor)`` is the elementwise maximum."""
        return self._extreme("max", dim, keepdim)

    def min(self, dim=None, keepdim=False):
        """As :meth:`max`, for the smallest value."""
        return self._extreme("min", dim, keepdim)

    def _extreme(self, name, dim, keepdim):
        if isinstance(dim, Tensor):
            return self.maximum(dim) if name == "max" else self.minimum(dim)
        if self.numel() == 0:
            raise ValueError(f"{name}() of an empty tensor: there is no {name}imum")
        if dim is None:
            return self._amax_amin(None, False, "a" + name)
        dim = _dim_index(dim, self.ndim, name)
        indices = self._arg("arg" + name, dim, keepdim=False)
        values = self[self._along(dim, indices.array)]
        if keepdim:
            values, indices = values.unsqueeze(dim), indices.unsqueeze(dim)
        return (max_result if name == "max" else min_result)(values, indices)

    def _along(self, dim, idx):
        """The index tuple that picks ``idx[..]`` along ``dim`` (idx has the other dimensions)."""
        xp = backend.get_array_module(idx)
        dim = dim % self.ndim
        grids = []
        for j, n in enumerate(idx.shape):
            shape = [1] * idx.ndim
            shape[j] = n
            grids.append(xp.arange(n).reshape(shape))
        return tuple(grids[:dim]) + (idx,) + tuple(grids[dim:])

    def amax(self, dim=None, keepdim=False):
        """The largest value over ``dim`` (ties share the gradient evenly, as PyTorch's amax)."""
        return self._amax_amin(dim, keepdim, "amax")

    def amin(self, dim=None, keepdim=False):
        return self._amax_amin(dim, keepdim, "amin")

    def _amax_amin(self, dim, keepdim, name):
        xp = backend.get_array_module(self.array)
        axis = _dims(dim, self.ndim, name)
        best = getattr(xp, name)(self.array, axis=axis, keepdims=True)
        if self.dtype.kind != "f":
            return Tensor._make(best if keepdim else getattr(xp, name)(self.array, axis=axis))
        # the extreme values (others set to 0 by where, so that an inf elsewhere cannot make
        # 0 * inf = nan), weighted by a constant share: 1 / (how many extremes there are)
        mask = self.array == best
        share = (mask / mask.sum(axis=axis, keepdims=True)).astype(self.dtype)
        picked = where(Tensor._make(mask), self, 0.0)
        even = (picked * Tensor._make(share)).sum(axis, keepdims=keepdim)
        # the mean of equal values can be off in the last bit: add back the (constant) difference
        # to the exact extreme, so the value is exact and the gradient stays the even share
        exact = best if keepdim else best.reshape(even.shape)
        with numpy.errstate(invalid="ignore"):            # inf - inf where the extreme is infinite
            fix = xp.where(xp.isfinite(exact), exact - even.array, 0).astype(self.dtype)
        return even + Tensor._make(fix)

    # ---------------------------------------------------------------- shapes
    def reshape(self, *shape):
        shape = tuple(shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape)
        ops.check_reshape(self.shape, shape)
        if self.dtype.kind != "f":
            return Tensor._make(self.array.reshape(shape))
        return ops.Reshape.apply(self, shape=shape)

    view = reshape

    def view_as(self, other):
        return self.reshape(other.shape)

    reshape_as = view_as

    def flatten(self, start_dim=0, end_dim=-1):
        s, e = _dim_index(start_dim, self.ndim, "flatten"), _dim_index(end_dim, self.ndim, "flatten")
        if s > e:
            raise ValueError(f"flatten: start_dim ({start_dim}) comes after end_dim ({end_dim}) in a "
                             f"{self.ndim}-D tensor of shape {self.shape}")
        shape = self.shape[:s] + (-1,) + self.shape[e + 1:]
        return self.reshape(shape)

    def squeeze(self, dim=None):
        """Drop dimensions of size 1 (only ``dim``, when given; a ``dim`` of another size is
        left alone, as in PyTorch)."""
        if dim is None:
            dims = [d for d in range(self.ndim) if self.shape[d] == 1]
        else:
            dims = [_dim_index(d, self.ndim, "squeeze") for d in (dim if isinstance(dim, (tuple, list)) else (dim,))]
            dims = [d for d in dims if self.shape[d] == 1]
        return self.reshape(tuple(n for d, n in enumerate(self.shape) if d not in dims))

    def unsqueeze(self, dim):
        """Insert a dimension of size 1 at ``dim`` (from -ndim-1 to ndim)."""
        d = _dim_index(dim, self.ndim + 1, "unsqueeze")
        return self.reshape(self.shape[:d] + (1,) + self.shape[d:])

    def expand(self, *sizes):
        """This tensor broadcast to ``sizes`` (``-1`` keeps a dimension; new dimensions go in
        front). A new array here; a view in PyTorch, where writing into it is an error anyway."""
        sizes = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes
        lead = len(sizes) - self.ndim
        if lead < 0:
            raise ValueError(f"expand: the number of sizes ({len(sizes)}) must be at least the "
                             f"number of dimensions of the tensor ({self.ndim}), shape {self.shape}")
        target = []
        for i, n in enumerate(sizes):
            have = self.shape[i - lead] if i >= lead else None
            if n == -1:
                if have is None:
                    raise ValueError(f"expand{tuple(sizes)}: -1 is not allowed for a new leading dimension")
                n = have
            if have is not None and have != 1 and have != n:
                raise ValueError(f"expand: the expanded size {n} must match the existing size {have} "
                                 f"at dimension {i} (only size-1 dimensions can be expanded), "
                                 f"shape {self.shape} -> {tuple(sizes)}")
            target.append(int(n))
        xp = backend.get_array_module(self.array)
        if self.dtype.kind != "f":
            return Tensor._make(xp.broadcast_to(self.array, tuple(target)).copy())
        return self + Tensor._make(xp.zeros(tuple(target), dtype=self.dtype))   # Add's backward sums back

    def expand_as(self, other):
        return self.expand(other.shape)

    def repeat(self, *sizes):
        """Tile the tensor ``sizes[i]`` times along dimension i (new dimensions go in front)."""
        sizes = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes
        if len(sizes) < self.ndim:
            raise ValueError(f"repeat: the number of repeats ({len(sizes)}) must be at least the "
                             f"number of dimensions of the tensor ({self.ndim}), shape {self.shape}")
        if any(not _is_int(r) or r < 0 for r in sizes):
            raise ValueError(f"repeat: repeats must be non-negative integers, got {tuple(sizes)}")
        if self.dtype.kind != "f":
            return Tensor._make(backend.get_array_module(self.array).tile(self.array, sizes))
        out = self.reshape((1,) * (len(sizes) - self.ndim) + self.shape)
        for d, r in enumerate(sizes):
            if r != 1:
                out = cat([out] * r, dim=d) if r else out[(slice(None),) * d + (slice(0, 0),)]
        return out

    def contiguous(self):
        """This tensor when its storage is already in row-major order (PyTorch returns self
        then too), else a row-major copy that stays in the graph."""
        if self.array.flags.c_contiguous:
            return self
        if self.dtype.kind != "f":
            return Tensor._make(backend.get_array_module(self.array).ascontiguousarray(self.array))
        return ops.Cast.apply(self, dtype=self.dtype, order="C")

    def chunk(self, chunks, dim=0):
        """Up to ``chunks`` pieces along ``dim``, each ceil(n / chunks) long but the last (so
        there can be fewer pieces, as in PyTorch). Views of the slices, in the graph."""
        if not _is_int(chunks) or chunks < 1:
            raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r}")
        d = _dim_index(dim, self.ndim, "chunk")
        n = self.shape[d]
        return self.split(max(1, -(-n // chunks)), d)

    def split(self, split_size_or_sections, dim=0):
        """Pieces along ``dim``: of ``split_size`` each (the last may be shorter), or of the
        given list of sizes, which must add up to the dimension's length (PyTorch's rule)."""
        d = _dim_index(dim, self.ndim, "split")
        n = self.shape[d]
        if _is_int(split_size_or_sections):
            size = split_size_or_sections
            if size < 1 and n:
                raise ValueError(f"split: split_size must be a positive int, got {size!r}")
            sizes = [min(size, n - start) for start in range(0, n, size)] if n else [0]
        else:
            sizes = list(split_size_or_sections)
            if not all(_is_int(s) and s >= 0 for s in sizes) or sum(sizes) != n:
                raise ValueError(f"split: sizes {sizes} must be ints >= 0 adding up to the length {n} "
                                 f"of dimension {dim} (shape {self.shape})")
        pieces, start = [], 0
        for size in sizes:
            pieces.append(self[(slice(None),) * d + (slice(start, start + size),)])
            start += size
        return tuple(pieces)

    def clone(self):
        """A copy with its own storage, still in the graph (the gradient passes through)."""
        if self.dtype.kind != "f":
            return Tensor._make(self.array.copy())
        return ops.Cast.apply(self, dtype=self.dtype)      # astype copies

    def permute(self, *dims):
        dims = dims[0] if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
        if sorted(d % max(self.ndim, 1) for d in dims) != list(range(self.ndim)):
            raise ValueError(f"permute: dims {tuple(dims)} are not a permutation of the "
                             f"{self.ndim} dimensions of a tensor of shape {self.shape}")
        if self.dtype.kind != "f":
            return Tensor._make(self.array.transpose(tuple(d % self.ndim for d in dims)))
        return ops.Permute.apply(self, dims=tuple(d % self.ndim for d in dims))

    def transpose(self, dim0=0, dim1=1):
        """Swap two dimensions (PyTorch's meaning; ``.T`` reverses all of them)."""
        dims = list(range(self.ndim))
        dim0, dim1 = _dim_index(dim0, self.ndim, "transpose"), _dim_index(dim1, self.ndim, "transpose")
        dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
        return self.permute(dims)

    def t(self):
        """Transpose a matrix; a 0-d or 1-d tensor is returned as it is (PyTorch's rule)."""
        if self.ndim > 2:
            raise ValueError(f"t() expects a tensor with <= 2 dimensions, but this one has "
                             f"{self.ndim} (shape {self.shape}); use transpose(dim0, dim1) or permute")
        return self if self.ndim < 2 else self.transpose(0, 1)

    @property
    def T(self):
        return self.permute(tuple(reversed(range(self.ndim))))

    def __getitem__(self, index):
        index = _unwrap_index(index)
        if not (self.requires_grad and autograd.is_grad_enabled()):
            return Tensor._make(self.array[index])   # integer tensors can be indexed too
        return ops.GetItem.apply(self, index=index)

    # ---------------------------------------------------------------- new tensors like this one
    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        """A copy of ``data`` with this tensor's dtype and device unless given."""
        return tensor(data, dtype=self.dtype if dtype is None else dtype,
                      device=self.device if device is None else device, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        return zeros(*size, **self._like_kwargs(dtype, device, requires_grad))

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        return ones(*size, **self._like_kwargs(dtype, device, requires_grad))

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        return full(size, fill_value, **self._like_kwargs(dtype, device, requires_grad))

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        return empty(*size, **self._like_kwargs(dtype, device, requires_grad))

    def _like_kwargs(self, dtype, device, requires_grad):
        return dict(dtype=self.dtype if dtype is None else dtype,
                    device=self.device if device is None else device, requires_grad=requires_grad)

    # ---------------------------------------------------------------- elementwise math
    def exp(self):
        return ops.Exp.apply(self)

    def log(self):
        return ops.Log.apply(self)

    def sqrt(self):
        return ops.Sqrt.apply(self)

    def abs(self):
        if self.dtype.kind != "f":
            return Tensor._make(abs(self.array))
        return ops.Abs.apply(self)

    def clip(self, min=None, max=None):
        if min is None and max is None:
            raise ValueError("clip needs at least one of min and max")
        if self.dtype.kind != "f":
            return Tensor._make(backend.get_array_module(self.array).clip(self.array, min, max))
        return ops.Clip.apply(self, min=min, max=max)

    clamp = clip

    def maximum(self, other):
        other = self._other(other)
        ops.broadcast_shape("maximum", self.shape, other.shape)
        return ops.Maximum.apply(self, other)

    def minimum(self, other):
        return -((-self).maximum(-self._other(other)))

    def tanh(self):
        return ops.Tanh.apply(self)

    def sigmoid(self):
        return ops.Sigmoid.apply(self)

    def relu(self):
        return ops.ReLU.apply(self)

    def softmax(self, dim=None):
        """exp(x) / sum exp(x) along ``dim`` (required; the kernel and its formulas are in ops)."""
        return ops.Softmax.apply(self, dim=self._softmax_dim("softmax", dim))

    def log_softmax(self, dim=None):
        """log(softmax(x)) along ``dim`` (required), computed without overflow."""
        return ops.LogSoftmax.apply(self, dim=self._softmax_dim("log_softmax", dim))

    def _softmax_dim(self, name, dim):
        if dim is None:
            # PyTorch guesses a dimension here (with a deprecation warning); guessing hides mistakes
            raise TypeError(f"{name}: say along which dimension, e.g. {name}(x, dim=1) for (N, C) scores")
        dim = _dim_index(dim, self.ndim, name)      # an IndexError in PyTorch's words, as every dim
        return dim if self.ndim else None


def _dim_index(dim, ndim, op):
    """``dim`` as a non-negative index below ``ndim``; an IndexError in PyTorch's words.
    The one check of a dimension argument: every op that takes one comes here (a 0-d
    tensor accepts -1 and 0, as in PyTorch)."""
    n = max(ndim, 1)
    if not _is_int(dim):
        raise TypeError(f"{op}: a dimension must be an int, got {dim!r}")
    if not -n <= dim < n:
        raise IndexError(f"{op}: dimension out of range (expected to be in range of "
                         f"[{-n}, {n - 1}], but got {dim})")
    return int(dim) % n


def _dims(dim, ndim, op):
    """A reduction's ``dim``: None (every dimension), an int, or a tuple/list of them,
    checked by :func:`_dim_index`; returns None, an int or a tuple counted from 0. A
    dimension named twice is an error, as in PyTorch."""
    if dim is None:
        return None
    if isinstance(dim, (tuple, list)):
        dims = tuple(_dim_index(d, ndim, op) for d in dim)
        for i, d in enumerate(dims):
            if d in dims[:i]:
                raise ValueError(f"{op}: dim {d} appears multiple times in the list of dims {tuple(dim)}")
        return dims
    return _dim_index(dim, ndim, op)


def _axis_args(axis, keepdims, dim, keepdim, ndim, op):
    """Accept NumPy's (axis, keepdims) and PyTorch's (dim, keepdim) spellings; the axes
    checked against ``ndim`` (:func:`_dims`)."""
    if dim is not None:
        axis = dim
    if keepdim is not None:
        keepdims = keepdim
    return _dims(axis, ndim, op), bool(keepdims)


# ---------------------------------------------------------------------- factories
def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new leaf tensor holding a copy of ``data`` (numbers, nested lists, or an array).

    Python floats become the default dtype (float32), Python ints int64, bools bool; arrays
    keep their dtype unless ``dtype`` is given. Like ``torch.tensor``, the tensor lives on
    ``device``, by default the active backend: a NumPy array is copied to the GPU when the
    backend is "cupy". (:func:`as_tensor` shares an array's memory instead.)
    """
    if isinstance(data, Tensor):
        data = data.array
    where = _backend_name(device)
    arr = _to_array(data, dtype, where)
    if arr is data:
        arr = arr.copy()
    return _wrap(arr, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """``data`` as a tensor, sharing its memory when it already is an array of that dtype and
    device (PyTorch's ``torch.as_tensor``); Python data is converted as :func:`tensor` does."""
    if isinstance(data, Tensor):
        return data.to(*(d for d in (device, dtype) if d is not None))
    where = None if device is None else _backend_name(device)
    return _wrap(_to_array(data, dtype, where), False)


def from_numpy(array):
    """A tensor sharing the memory of a NumPy array, with its dtype (``torch.from_numpy``)."""
    if not isinstance(array, numpy.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    return Tensor._make(array)


def is_tensor(obj):
    return isinstance(obj, Tensor)


def legacy_constructor(args, dtype, where):
    """``FloatTensor(2, 3)`` (zeros of that shape) or ``FloatTensor(data)`` (a copy as ``dtype``)."""
    xp = backend.get_module(where)
    if args and all(_is_int(a) for a in args):
        return Tensor._make(xp.zeros(tuple(int(a) for a in args), dtype=dtype))
    if len(args) != 1:
        raise TypeError(f"expected one data argument or the sizes of a shape, got {args!r}")
    return tensor(args[0], dtype=dtype, device=where)


def FloatTensor(*args):
    """Legacy constructor: a float32 tensor (``FloatTensor(2, 3)`` or ``FloatTensor(data)``)."""
    return legacy_constructor(args, float32, backend.get_backend())


def DoubleTensor(*args):
    return legacy_constructor(args, float64, backend.get_backend())


def LongTensor(*args):
    """Legacy constructor: an int64 tensor (``LongTensor(5)`` or ``LongTensor([1, 2])``)."""
    return legacy_constructor(args, int64, backend.get_backend())


def BoolTensor(*args):
    return legacy_constructor(args, bool_, backend.get_backend())


def _shape_args(shape, name):
    shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
    if not all(_is_int(s) for s in shape):
        raise TypeError(f"{name}() takes the sizes of a shape as ints, e.g. {name}(2, 3) or "
                        f"{name}((2, 3)), got {tuple(shape)!r}")
    if any(s < 0 for s in shape):
        raise ValueError(f"{name}(): sizes cannot be negative, got {tuple(shape)}")
    return tuple(int(s) for s in shape)


def _new(name, fill, shape, dtype, device, requires_grad, size=None):
    """A tensor of ``shape`` from ``fill(xp_or_generator_backend, shape, dtype)``. ``size``:
    PyTorch's keyword spelling of the shape (``zeros(size=(2, 3))``)."""
    if size is not None:
        if shape:
            raise TypeError(f"{name}() got the shape twice: {tuple(shape)!r} and size={size!r}")
        shape = (size,)                 # _shape_args unwraps a tuple
    shape = _shape_args(shape, name)
    dtype = _default_dtype if dtype is None else _as_dtype(dtype)
    return _wrap(fill(_backend_name(device), shape, dtype), requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    """The n x m identity matrix (m = n when not given)."""
    m = n if m is None else m
    return _new("eye", lambda b, s, d: backend.get_module(b).eye(*s, dtype=d), (n, m), dtype, device, requires_grad)


def zeros(*shape, size=None, dtype=None, device=None, requires_grad=False):
    return _new("zeros", lambda b, s, d: backend.get_module(b).zeros(s, dtype=d), shape, dtype, device,
                requires_grad, size)


def ones(*shape, size=None, dtype=None, device=None, requires_grad=False):
    return _new("ones", lambda b, s, d: backend.get_module(b).ones(s, dtype=d), shape, dtype, device,
                requires_grad, size)


def empty(*shape, size=None, dtype=None, device=None, requires_grad=False):
    """Uninitialised values of ``shape`` (fill them before reading them)."""
    return _new("empty", lambda b, s, d: backend.get_module(b).empty(s, dtype=d), shape, dtype, device,
                requires_grad, size)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    """``size`` filled with ``fill_value``; its dtype follows the value when not given, as in
    PyTorch (a float: the default dtype; an int: int64; a bool: bool)."""
    if dtype is None:
        dtype = bool_ if isinstance(fill_value, bool) else int64 if _is_int(fill_value) else None
    size = (size,) if _is_int(size) else tuple(size)
    return _new("full", lambda b, s, d: backend.get_module(b).full(s, fill_value, dtype=d), (size,), dtype,
                device, requires_grad)


def randn(*shape, size=None, dtype=None, device=None, requires_grad=False):
    """Standard normal samples from the seeded generator of ``device``'s backend."""
    return _new("randn", lambda b, s, d: backend.generator(b).standard_normal(s, dtype=d), shape, dtype,
                device, requires_grad, size)


def rand(*shape, size=None, dtype=None, device=None, requires_grad=False):
    """Uniform samples in [0, 1) from the seeded generator of ``device``'s backend."""
    return _new("rand", lambda b, s, d: backend.generator(b).random(s, dtype=d), shape, dtype, device,
                requires_grad, size)


def _integers(name, low, high, size):
    g = backend.generator(name)
    if hasattr(g, "integers"):
        return g.integers(low, high, size=size, dtype=numpy.int64)
    xp = backend.get_module(name)     # a generator without integers(): floor of a uniform draw
    return xp.floor(g.random(size) * (high - low)).astype(numpy.int64) + low


def randint(*args, size=None, dtype=None, device=None, requires_grad=False):
    """Random integers in [low, high): ``randint(high, size)`` or ``randint(low, high, size)``
    (int64 unless ``dtype`` is given), as in PyTorch."""
    if size is not None:
        args = args + (size,)
    if len(args) == 2:
        low, (high, size) = 0, args
    elif len(args) == 3:
        low, high, size = args
    else:
        raise TypeError("randint(high, size) or randint(low, high, size), e.g. randint(0, 10, (64,))")
    if not (_is_int(low) and _is_int(high)) or high <= low:
        raise ValueError(f"randint: need integers low < high, got low={low!r}, high={high!r}")
    size = _shape_args((size,) if _is_int(size) else tuple(size), "randint")
    name = _backend_name(device)
    arr = _integers(name, low, high, size)
    if dtype is not None:
        arr = arr.astype(_as_dtype(dtype))
    return _wrap(arr, requires_grad)


def randperm(n, dtype=None, device=None, requires_grad=False):
    """A random permutation of 0 .. n-1 (int64), from the seeded generator."""
    if not _is_int(n) or n < 0:
        raise ValueError(f"randperm: n must be a non-negative integer, got {n!r}")
    name = _backend_name(device)
    arr = backend.generator(name).permutation(int(n)).astype(int64 if dtype is None else _as_dtype(dtype))
    return _wrap(arr, requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """``arange(end)`` or ``arange(start, end, step)``: int64 when every argument is an int,
    else the default float dtype (PyTorch's rule)."""
    if end is None:
        start, end = 0, start
    if dtype is None:
        dtype = int64 if all(_is_int(v) for v in (start, end, step)) else _default_dtype
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    arr = backend.get_module(_backend_name(device)).arange(start, end, step, dtype=_as_dtype(dtype))
    return _wrap(arr, requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    dtype = _default_dtype if dtype is None else _as_dtype(dtype)
    arr = backend.get_module(_backend_name(device)).linspace(start, end, steps, dtype=dtype)
    return _wrap(arr, requires_grad)


def _like(name, maker, t, dtype, device, requires_grad, *extra):
    if not isinstance(t, Tensor):
        raise TypeError(f"{name} needs a Tensor, got {type(t).__name__}")
    return maker(t.shape, *extra, dtype=t.dtype if dtype is None else dtype,
                 device=t.device if device is None else device, requires_grad=requires_grad)


def zeros_like(input, dtype=None, device=None, requires_grad=False):
    return _like("zeros_like", zeros, input, dtype, device, requires_grad)


def ones_like(input, dtype=None, device=None, requires_grad=False):
    return _like("ones_like", ones, input, dtype, device, requires_grad)


def empty_like(input, dtype=None, device=None, requires_grad=False):
    return _like("empty_like", empty, input, dtype, device, requires_grad)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False):
    return _like("full_like", full, input, dtype, device, requires_grad, fill_value)


def randn_like(input, dtype=None, device=None, requires_grad=False):
    return _like("randn_like", randn, input, dtype, device, requires_grad)


def rand_like(input, dtype=None, device=None, requires_grad=False):
    return _like("rand_like", rand, input, dtype, device, requires_grad)


def cat(tensors, axis=0, *, dim=None):
    """Join tensors along an existing axis (``concatenate`` in NumPy, ``cat`` in PyTorch)."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat/concatenate needs at least one tensor")
    axis = _dim_index(axis if dim is None else dim, tensors[0].ndim, "cat")
    ops.check_concatenate([t.shape for t in tensors], axis)
    if all(t.dtype.kind != "f" for t in tensors):      # integer labels: nothing to differentiate
        xp = backend.get_array_module(*(t.array for t in tensors))
        return Tensor._make(xp.concatenate([t.array for t in tensors], axis=axis))
    return ops.Concatenate.apply(*tensors, axis=axis)


concatenate = cat


def stack(tensors, axis=0, *, dim=None):
    """Join tensors along a new axis."""
    axis = axis if dim is None else dim
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack needs at least one tensor")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise ValueError(f"stack expects each tensor to be equal size, but got {tensors[0].shape} "
                             f"at entry 0 and {t.shape} at entry {i}")
    axis = _dim_index(axis, tensors[0].ndim + 1, "stack")     # a new dimension: ndim + 1 places
    return cat([t.reshape(t.shape[:axis] + (1,) + t.shape[axis:]) for t in tensors], axis=axis)


def maximum(a, b):
    return a.maximum(b) if isinstance(a, Tensor) else b._other(a).maximum(b)


def minimum(a, b):
    return a.minimum(b) if isinstance(a, Tensor) else b._other(a).minimum(b)


def where(condition, input=None, other=None):
    """``where(condition, input, other)``: ``input`` where condition holds, else ``other``
    (either may be a number); differentiable in both. ``where(condition)`` alone gives the
    indices of the true elements, one int64 tensor per dimension."""
    cond = condition.array if isinstance(condition, Tensor) else condition
    if input is None and other is None:
        xp = backend.get_array_module(cond)
        return tuple(Tensor._make(i.astype(int64)) for i in xp.nonzero(cond))
    if input is None or other is None:
        raise TypeError("where(condition, input, other) needs both input and other")
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError("where: at least one of input and other must be a Tensor")
    a = input if isinstance(input, Tensor) else other._other(input)
    b = other if isinstance(other, Tensor) else a._other(other)
    if getattr(cond, "dtype", None) != bool_:
        raise TypeError(f"where: condition must be a boolean tensor, got "
                        f"{getattr(cond, 'dtype', type(cond).__name__)}; compare first, e.g. x > 0")
    ops.check_where(cond.shape, a.shape, b.shape)
    if a.dtype.kind != "f" and b.dtype.kind != "f":
        return Tensor._make(backend.get_array_module(cond, a.array, b.array).where(cond, a.array, b.array))
    return ops.Where.apply(a, b, cond=cond)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True when |input - other| <= atol + rtol * |other| everywhere (a Python bool)."""
    xp = backend.get_array_module(input.array, other.array)
    return bool(xp.allclose(input.array, other.array, rtol=rtol, atol=atol, equal_nan=equal_nan))


def numel(input):
    return input.numel()


def _wrap(array, requires_grad):
    t = Tensor._make(array)
    t.requires_grad = requires_grad          # checked: only floating-point tensors can require grad
    return t


from . import ops  # noqa: E402  (ops needs Tensor, defined above)
from . import device as _device  # noqa: E402


def empty_like_shape(shape, dtype=None):
    """An uninitialised float array of ``shape`` on the active backend (for layer weights that an
    initialiser fills next)."""
    dtype = _default_dtype if dtype is None else _as_dtype(dtype)
    return backend.active_module().empty(tuple(shape), dtype=dtype)


def _parse_to_args(args, kwargs, to_dtype):
    """Read the arguments of ``.to(...)`` as PyTorch does:
    ``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(other_tensor)``, and the keywords
    ``device=``, ``dtype=``, ``non_blocking=``, ``copy=``.

    Returns ``(backend_name or None, dtype or None, copy)``. ``to_dtype`` turns a dtype-like
    value into a NumPy dtype (raising TypeError for anything else).
    """
    kwargs = dict(kwargs)
    where, dtype = kwargs.pop("device", None), kwargs.pop("dtype", None)
    kwargs.pop("non_blocking", None)              # one stream: there is nothing to overlap
    copy = bool(kwargs.pop("copy", False))
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got unexpected keyword argument(s) {', '.join(sorted(kwargs))}")
    args = list(args)
    if args and isinstance(args[0], Tensor):
        other = args.pop(0)
        where, dtype = other.device, other.dtype
    elif args and _device.is_device_like(args[0]):
        where = args.pop(0)
    if args and dtype is None and not isinstance(args[0], bool):
        dtype = args.pop(0)
    if args and isinstance(args[0], bool):       # to(dtype, non_blocking, copy) positional flags
        args.pop(0)
        if args and isinstance(args[0], bool):
            copy = args.pop(0)
    if args:
        raise TypeError(f"to() got unexpected argument(s) {args!r}: expected a device, a dtype, "
                        "a device and a dtype, or a tensor")
    if isinstance(dtype, str):
        try:
            to_dtype(dtype)
        except TypeError:
            raise TypeError(f"to({dtype!r}): expected a device ('cpu', 'cuda', 'cuda:0') or a dtype "
                            "(minigan.float32, minigan.float64, ...)") from None
    name = None if where is None else _device.backend_of_device(where)
    if name is not None:
        backend.get_module(name)      # fail now with the clear message when CuPy is missing
    return name, (None if dtype is None else to_dtype(dtype)), copy
