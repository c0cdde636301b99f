"""Where arguments are checked (minigan/function.py's docstring): the public function the user
calls checks an op's arguments once, before ``Function.apply``; ``apply`` itself checks only
what every op needs, and no Function overrides it. These tests count the checks."""
import importlib
import inspect
import pkgutil

import numpy as np
import pytest

import minigan
import minigan.functional as F
import minigan.nn as nn
from minigan import conv_arithmetic, ops
from minigan.function import Function


def count_calls(monkeypatch, module, name):
    """Replace module.name by a wrapper that counts its calls; returns the list of calls."""
    calls = []
    original = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_no_function_overrides_apply():
    """One convention: checks live in the public wrappers, never in an ``apply`` override."""
    for info in pkgutil.walk_packages(minigan.__path__, "minigan."):
        if info.name.endswith("__main__"):          # importing it would run the command
            continue
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Function) and cls is not Function and cls.__module__ == module.__name__:
                assert "apply" not in vars(cls), f"{cls.__module__}.{cls.__name__} overrides apply"
                assert "run" not in vars(cls), f"{cls.__module__}.{cls.__name__} overrides run"


CONV_CALLS = {
    "nn.Conv2d": (lambda: nn.Conv2d(2, 3, 3, stride=2, padding=1), (2, 2, 9, 9)),
    "nn.ConvTranspose2d": (lambda: nn.ConvTranspose2d(2, 3, 4, stride=2, padding=1, output_padding=1),
                           (2, 2, 5, 5)),
    "F.conv2d": (lambda: (lambda x: F.conv2d(x, W_CONV, minigan.zeros(3), stride=2, padding=(1, 0),
                                             dilation=2)), (2, 2, 9, 9)),
    "F.conv_transpose2d": (lambda: (lambda x: F.conv_transpose2d(x, W_TRANSPOSE, stride=2, padding=1,
                                                                 output_padding=1)), (2, 2, 5, 5)),
    "F.max_pool2d": (lambda: (lambda x: F.max_pool2d(x, 2)), (2, 2, 8, 8)),
    "nn.AvgPool2d": (lambda: nn.AvgPool2d(3, stride=2, padding=1), (2, 2, 8, 8)),
}
W_CONV = minigan.randn(3, 2, 3, 3, requires_grad=True)
W_TRANSPOSE = minigan.randn(2, 3, 4, 4, requires_grad=True)


@pytest.mark.parametrize("call", sorted(CONV_CALLS))
def test_a_conv_or_pool_call_checks_its_settings_once_per_forward(monkeypatch, call):
    make, shape = CONV_CALLS[call]
    f = make()                                    # a layer checks its settings when built, too
    settings = count_calls(monkeypatch, conv_arithmetic, "check_conv_settings")
    x = minigan.randn(*shape, requires_grad=True)
    for forwards in (1, 2, 3):
        out = f(x)
        assert len(settings) == forwards, f"{call}: {len(settings)} settings checks in {forwards} forwards"
    # the gradient (and for the convolutions the gradient of the gradient) runs the kernels
    # with no checks at all
    if out.grad_fn.fn.differentiable_backward:
        (gx,) = minigan.autograd.grad((out * out).sum(), x, create_graph=True)
        gx.sum().backward()
    else:
        out.sum().backward()
    assert len(settings) == 3, f"{call}: backward checked the settings again"


@pytest.mark.parametrize("call", sorted(CONV_CALLS))
def test_a_conv_or_pool_call_checks_its_input_size_once_per_forward(monkeypatch, call):
    make, shape = CONV_CALLS[call]
    f = make()
    name = "conv_transpose2d_output_hw" if "Transpose" in call or "transpose" in call else "conv2d_output_hw"
    sizes = count_calls(monkeypatch, conv_arithmetic, name)
    x = minigan.randn(*shape, requires_grad=True)
    out = f(x)
    out.sum().backward()
    assert len(sizes) == 1, f"{call}: the output size was checked {len(sizes)} times"
    assert sizes[0][0] == shape[2:]


def test_conv_messages_still_name_the_layer_and_the_call():
    layer = nn.Conv2d(1, 2, 5)
    with pytest.raises(ValueError, match=r"Conv2d\(1, 2, kernel_size=\(5, 5\).*input of shape "
                                         r"\(1, 1, 3, 3\) is too small: output height"):
        layer(minigan.zeros(1, 1, 3, 3))
    layer.stride = (0, 1)                          # changed after construction: the forward sees it
    with pytest.raises(ValueError, match=r"stride \(height\) must be >= 1, got 0"):
        layer(minigan.zeros(1, 1, 8, 8))
    with pytest.raises(ValueError, match=r"conv_transpose2d: output_padding must be smaller"):
        F.conv_transpose2d(minigan.zeros(1, 2, 3, 3), W_TRANSPOSE.detach(), stride=2, output_padding=2)


OP_CALLS = [
    ("broadcast_shape", lambda a, b: a + b, (2, 3), (3,)),
    ("broadcast_shape", lambda a, b: b * a, (2, 3), (3,)),
    ("broadcast_shape", lambda a, b: a.maximum(b), (2, 3), (1, 3)),
    ("check_matmul", lambda a, b: a @ b, (2, 3), (3,)),
    ("check_reshape", lambda a, b: a.reshape(3, 2), (2, 3), (3,)),
    ("check_concatenate", lambda a, b: minigan.cat([a, a], dim=-1), (2, 3), (3,)),
    ("check_where", lambda a, b: minigan.where(a > 0, a, b), (2, 3), (3,)),
]


@pytest.mark.parametrize("check, call, sa, sb", OP_CALLS, ids=[f"{c[0]}-{i}" for i, c in enumerate(OP_CALLS)])
def test_an_elementary_op_is_checked_once_by_its_tensor_method(monkeypatch, check, call, sa, sb):
    a = minigan.randn(*sa, requires_grad=True)
    b = minigan.randn(*sb, requires_grad=True)
    calls = count_calls(monkeypatch, ops, check)
    out = call(a, b)
    assert len(calls) == 1, f"{check} ran {len(calls)} times for one call"
    out.sum().backward()                           # a first-order backward runs on arrays: no checks
    assert len(calls) == 1


@pytest.mark.parametrize("dtype", [np.float32, np.int64])
def test_shape_messages_are_the_same_for_every_dtype(dtype):
    """The check runs before the dtype decides the path, so integer tensors get the same words."""
    x = minigan.tensor(np.zeros((2, 3), dtype=dtype))
    with pytest.raises(ValueError, match=r"reshape: cannot view a tensor of shape \(2, 3\) \(6 elements\)"):
        x.reshape(4, 2)
    with pytest.raises(ValueError, match=r"add: shapes \(2, 3\) and \(4,\) do not broadcast"):
        x + minigan.tensor(np.zeros(4, dtype=dtype))
    with pytest.raises(ValueError, match=r"matmul: cannot multiply shapes \(2, 3\) @ \(2, 3\)"):
        x @ x
    with pytest.raises(ValueError, match=r"concatenate along axis 1: tensor 1 has shape \(3, 3\)"):
        minigan.cat([x, minigan.tensor(np.zeros((3, 3), dtype=dtype))], dim=1)
