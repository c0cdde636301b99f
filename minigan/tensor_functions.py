"""The function forms of Tensor methods, as PyTorch has them: ``minigan.mean(x, dim=1)`` is
``x.mean(dim=1)``, ``minigan.max(x, 1)`` is ``x.max(1)``, and so on. Each is the method itself,
called on its first argument, so there is one definition of each operation (in
:mod:`minigan.tensor`)."""
from .tensor import Tensor

__all__ = ["abs", "add", "argmax", "argmin", "bmm", "chunk", "clamp", "clip", "clone", "div", "exp", "flatten",
           "isfinite", "log", "masked_fill", "matmul", "max", "mean", "min", "mm", "mul", "norm", "permute", "pow",
           "relu", "reshape", "sigmoid", "split", "sqrt", "squeeze", "std", "sub", "sum", "t", "tanh",
           "transpose", "unsqueeze", "var"]


def _function_form(name):
    method = getattr(Tensor, name)

    def function(input, *args, **kwargs):
        if not isinstance(input, Tensor):
            raise TypeError(f"minigan.{name}() expects a Tensor as its first argument, got "
                            f"{type(input).__name__}")
        return method(input, *args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``minigan.{name}(x, ...)`` is ``x.{name}(...)``.\n\n" + (method.__doc__ or "")
    return function


for _name in __all__:
    globals()[_name] = _function_form(_name)
del _name
