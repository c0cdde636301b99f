"""Module and Parameter: how layers hold their weights, find each other, print and save.

A Module finds its parameters, buffers and sub-modules by watching attribute assignment
(``self.fc = Linear(...)``), exactly as PyTorch's does, so ``parameters()``,
``state_dict()`` and ``print(model)`` need no bookkeeping from the person writing a model.
"""
import numbers
from collections import OrderedDict

from .. import backend
from ..tensor import Tensor, _as_dtype, _parse_to_args


class Parameter(Tensor):
    """A tensor that is a learnable weight of a Module (requires grad by default)."""

    def __init__(self, data, requires_grad=True):
        super().__init__(data.array if isinstance(data, Tensor) else data, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


def positive_int(owner, name, value):
    """A layer's size argument as a Python int. NumPy integers are welcome (``np.prod(shape)``
    is one); a float or a string is a TypeError, a size below 1 a ValueError."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{owner}: {name} must be a positive integer, got {value!r} ({type(value).__name__})")
    if value < 1:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}")
    return int(value)


def _add_indent(text, spaces):
    lines = text.split("\n")
    return lines[0] if len(lines) == 1 else "\n".join([lines[0]] + [" " * spaces + l for l in lines[1:]])


class Module:
    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    # ---------------------------------------------------------------- registration
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {name!r} before Module.__init__() was called: "
                                 f"call super().__init__() first in {type(self).__name__}.__init__")
        params, buffers, modules = self._parameters, self._buffers, self._modules
        if isinstance(value, Parameter):
            buffers.pop(name, None), modules.pop(name, None), self.__dict__.pop(name, None)
            params[name] = value
        elif isinstance(value, Module):
            params.pop(name, None), buffers.pop(name, None), self.__dict__.pop(name, None)
            modules[name] = value
        elif name in modules:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} to sub-module {name!r}: "
                                "expected a Module or None")
            modules[name] = None
        elif name in params:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} to parameter {name!r}: "
                                "expected a Parameter or None")
            params[name] = None
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign {type(value).__name__} to buffer {name!r}: expected a Tensor")
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        for store in ("_parameters", "_buffers", "_modules"):
            d = self.__dict__.get(store)
            if d is not None and name in d:
                return d[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def register_parameter(self, name, param):
        """Add a parameter; ``None`` records an absent one (e.g. ``bias=False``)."""
        if param is None:
            self._parameters[name] = None
        elif not isinstance(param, Parameter):
            raise TypeError(f"register_parameter({name!r}): expected a Parameter or None, got "
                            f"{type(param).__name__}")
        else:
            self._parameters[name] = param

    def register_buffer(self, name, tensor):
        """Add state that is saved in state_dict() but not trained (e.g. running means)."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer({name!r}): expected a Tensor or None, got {type(tensor).__name__}")
        self._buffers[name] = tensor

    def add_module(self, name, module):
        if not isinstance(module, Module) and module is not None:
            raise TypeError(f"add_module({name!r}): expected a Module, got {type(module).__name__}")
        self._modules[name] = module

    # ---------------------------------------------------------------- running
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # ---------------------------------------------------------------- walking the tree
    def named_modules(self, prefix=""):
        seen, stack = set(), [(prefix, self)]
        while stack:
            name, module = stack.pop(0)
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [((name + "." if name else "") + k, m) for k, m in module._modules.items() if m is not None]
            stack[0:0] = children   # depth first, in definition order (PyTorch's order)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        for name, m in self._modules.items():
            if m is not None:
                yield name, m

    def children(self):
        for _, m in self.named_children():
            yield m

    def _named(self, store, prefix="", recurse=True):
        seen = set()
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for mod_name, module in modules:
            for name, t in getattr(module, store).items():
                if t is None or id(t) in seen:
                    continue
                seen.add(id(t))
                yield (mod_name + "." if mod_name else "") + name, t

    def named_parameters(self, prefix="", recurse=True):
        return self._named("_parameters", prefix, recurse)

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True):
        return self._named("_buffers", prefix, recurse)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def apply(self, fn):
        """Call ``fn(module)`` on every sub-module, then on this one (for custom init)."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ---------------------------------------------------------------- modes and gradients
    def train(self, mode=True):
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self):
        """Evaluation mode: batch norm uses its running statistics instead of the batch's."""
        return self.train(False)

    def zero_grad(self, set_to_none=True):
        """Forget the gradients: ``None`` (PyTorch 2's default), or zeros with ``set_to_none=False``."""
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad.array[...] = 0

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad = requires_grad
        return self

    # ---------------------------------------------------------------- saving and loading
    def state_dict(self):
        """Every parameter and buffer by its dotted name (``G.0.weight``), sharing their data.

        As in PyTorch, a module used in two places is saved under both names (``parameters()``
        lists its weights once), so state dicts carry over between the two libraries."""
        return OrderedDict((name, t.detach()) for name, t in self._state_items())

    def _state_items(self, prefix=""):
        """(dotted name, tensor) for every parameter and buffer: this module's own first, then
        each child's under its name, without skipping a child met before."""
        for store in (self._parameters, self._buffers):
            for name, t in store.items():
                if t is not None:
                    yield prefix + name, t
        for name, module in self._modules.items():
            if module is not None:
                yield from module._state_items(prefix + name + ".")

    def load_state_dict(self, state_dict, strict=True):
        """Copy values into this module's parameters and buffers (in place, so optimizers that
        hold the parameters keep working). Raises on missing, unexpected or mis-shaped entries."""
        targets = dict(self._state_items())
        missing = [k for k in targets if k not in state_dict]
        unexpected = [k for k in state_dict if k not in targets]
        if strict and (missing or unexpected):
            raise ValueError(f"load_state_dict for {type(self).__name__}: missing keys {missing}, "
                             f"unexpected keys {unexpected}")
        for key, value in state_dict.items():
            if key not in targets:
                continue
            target = targets[key]
            arr = value.array if isinstance(value, Tensor) else value
            if tuple(arr.shape) != target.shape:
                raise ValueError(f"load_state_dict for {type(self).__name__}: {key} has shape "
                                 f"{tuple(arr.shape)} in the state dict but {target.shape} in the model")
            target.array[...] = backend.to_backend(arr, target.backend).astype(target.dtype, copy=False)
        return self

    # ---------------------------------------------------------------- moving
    def to(self, *args, **kwargs):
        """Move every parameter and buffer to a device (``"cpu"``, ``"cuda"``, ``minigan.device``,
        or the backend names ``"numpy"``/``"cupy"``) and/or a float dtype, in place (the
        Parameter objects stay the same, so an optimizer made before still holds them), as
        PyTorch's ``Module.to``; returns self. Integer buffers keep their dtype."""
        name, dtype, _ = _parse_to_args(args, kwargs, _as_dtype)
        for t in [*self.parameters(), *self.buffers()]:      # each tensor once, even if shared
            if name is not None and name != t.backend:
                t.array = backend.to_backend(t.array, name)
                if t.grad is not None:
                    t.grad.array = backend.to_backend(t.grad.array, name)
            if dtype is not None and t.dtype.kind == "f" and t.dtype != dtype:
                t.array = t.array.astype(dtype)
                t.grad = None
        return self

    def cuda(self, device=None):
        return self.to("cuda" if device is None else device)

    def cpu(self):
        return self.to("cpu")

    def double(self):
        return self.to("float64")

    def float(self):
        return self.to("float32")

    # ---------------------------------------------------------------- printing
    def extra_repr(self):
        """The text inside the parentheses of a layer without children, e.g. ``in_features=...``."""
        return ""

    def __repr__(self):
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + _add_indent(repr(m), 2) for name, m in self._modules.items()]
        lines = extra_lines + child_lines
        text = type(self).__name__ + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                text += extra_lines[0]
            else:
                text += "\n  " + "\n  ".join(lines) + "\n"
        return text + ")"
