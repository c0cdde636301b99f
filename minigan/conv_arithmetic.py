"""Convolution arithmetic: the settings of a (transposed) convolution and its output size.

For one spatial dimension of size H, a kernel of size k, stride s, padding p and dilation d:

    convolution             H_out = floor((H + 2p - d(k - 1) - 1) / s) + 1
    transposed convolution  H_out = (H - 1)s - 2p + d(k - 1) + output_padding + 1

With d = 1 the first is the course's  floor((H + 2p - k) / s) + 1,  and the second
(H - 1)s - 2p + k + output_padding.

This is the bottom of the package: the kernels (``functional/conv.py``) and the layers
(``nn/conv.py``) both stand on it, so it imports nothing from minigan. The same arithmetic,
explained step by step, and a layer-by-layer trace of a model, are in :mod:`minigan.shapes`.
"""
import numbers

# --------------------------------------------------------------------------- arguments
def _is_int(v):
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _pair(value, name):
    """``(v, v)`` for an int ``v``; a pair of ints unchanged (as a tuple)."""
    if _is_int(value):
        return int(value), int(value)
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(_is_int(v) for v in value):
        return int(value[0]), int(value[1])
    raise TypeError(f"{name} must be an int or a pair of ints (height, width), got {value!r}")


_MINIMUM = {"size": 1, "kernel_size": 1, "stride": 1, "padding": 0, "dilation": 1, "output_padding": 0}
_WHY = {"size": "an input needs at least one row",
        "kernel_size": "a kernel needs at least one tap",
        "stride": "a stride of 0 would never move the kernel",
        "padding": "padding adds zero rows, it cannot remove any",
        "dilation": "dilation 1 means adjacent taps; 0 would stack every tap on one row",
        "output_padding": "output_padding adds rows at the end, it cannot remove any"}


def _check_setting(name, value, where=""):
    low = _MINIMUM[name]
    if value < low:
        raise ValueError(f"{name}{where} must be >= {low}, got {value} ({_WHY[name]})")


def _check_output_padding(op, s, d, where=""):
    """PyTorch's rule: output_padding must be smaller than the stride or the dilation."""
    _check_setting("output_padding", op, where)
    if op >= max(s, d):
        raise ValueError(
            f"output_padding{where} must be smaller than either stride or dilation: "
            f"output_padding = {op} >= max(stride, dilation) = max({s}, {d}) = {max(s, d)} "
            "(PyTorch's rule: output_padding only resolves the sizes that a strided convolution's floor "
            "makes ambiguous)")


def check_conv_settings(kernel_size, stride=1, padding=0, dilation=1, output_padding=None):
    """Validate convolution settings (ints or pairs); return them as pairs.

    ``output_padding`` is checked only when given (transposed convolutions).
    Returns (kernel_size, stride, padding, dilation[, output_padding]) as (h, w) pairs.
    """
    values = {"kernel_size": _pair(kernel_size, "kernel_size"), "stride": _pair(stride, "stride"),
              "padding": _pair(padding, "padding"), "dilation": _pair(dilation, "dilation")}
    for name, (vh, vw) in values.items():
        where = "" if vh == vw else " (height)"
        _check_setting(name, vh, where)
        _check_setting(name, vw, "" if vh == vw else " (width)")
    result = tuple(values.values())
    if output_padding is not None:
        op = _pair(output_padding, "output_padding")
        (sh, sw), (dh, dw) = values["stride"], values["dilation"]
        same = op[0] == op[1] and sh == sw and dh == dw
        _check_output_padding(op[0], sh, dh, "" if same else " (height)")
        _check_output_padding(op[1], sw, dw, "" if same else " (width)")
        result += (op,)
    return result


def resolve_padding(padding, kernel_size, stride=1, dilation=1):
    """PyTorch's padding strings as pairs: ``"valid"`` is no padding; ``"same"`` pads
    d(k - 1)/2 on each side so that H_out = H (stride 1 only, as in PyTorch). Anything else is
    returned as given, for :func:`check_conv_settings` to check.

    PyTorch pads an even kernel's "same" unevenly (one more row after than before); minigan's
    padding is the same on both sides, so that case is a ValueError here, saying what to do."""
    if not isinstance(padding, str):
        return padding
    if padding == "valid":
        return 0, 0
    if padding != "same":
        raise ValueError(f"padding must be an int, a pair of ints, 'valid' or 'same', got {padding!r}")
    if _pair(stride, "stride") != (1, 1):
        raise ValueError(f"padding='same' is not supported for strided convolutions (stride={stride!r}), "
                         "as in PyTorch: H_out = H needs stride 1")
    pads = []
    for k, d in zip(_pair(kernel_size, "kernel_size"), _pair(dilation, "dilation")):
        total = d * (k - 1)
        if total % 2:
            raise ValueError(f"padding='same' with kernel_size={kernel_size!r} and dilation={dilation!r} needs "
                             f"{total} rows of padding, which cannot be split evenly before and after: minigan "
                             "pads both sides alike, so use an odd kernel_size or explicit padding")
        pads.append(total // 2)
    return tuple(pads)


def transpose_output_padding(in_size, out_size, kernel, stride, padding, dilation):
    """The output_padding with which a transposed convolution maps ``in_size`` to ``out_size``
    (pairs): output_padding = H_out - ((H - 1)s - 2p + d(k - 1) + 1), per dimension, nothing
    checked. It is also the one that makes the convolution's floor map ``out_size`` back to
    ``in_size``, (H_out + 2p - d(k - 1) - 1) mod s."""
    return tuple(ho - ((h - 1) * s - 2 * p + d * (k - 1) + 1)
                 for h, ho, k, s, p, d in zip(in_size, out_size, kernel, stride, padding, dilation))


def output_padding_for_size(in_size, output_size, kernel, stride, padding, dilation):
    """PyTorch's ``ConvTranspose2d.forward(x, output_size)``: the output_padding that gives
    exactly ``output_size`` (H, W) for an input of spatial size ``in_size``, or a ValueError
    naming the sizes that are possible (those of output_padding 0 to stride - 1)."""
    smallest = transpose_output_padding(in_size, (0, 0), kernel, stride, padding, dilation)
    low = tuple(-v for v in smallest)
    high = tuple(lo + s - 1 for lo, s in zip(low, stride))
    if not all(lo <= o <= hi for lo, o, hi in zip(low, output_size, high)):
        raise ValueError(f"requested an output size of {tuple(output_size)}, but valid sizes range from "
                         f"{low} to {high} (for an input of size {tuple(in_size)})")
    return transpose_output_padding(in_size, output_size, kernel, stride, padding, dilation)


# --------------------------------------------------------------------------- the formulas
def conv_out(h, k, s, p, d):
    """floor((h + 2p - d(k - 1) - 1) / s) + 1 for one dimension, nothing checked: the kernels
    call it on settings their wrapper has checked."""
    return (h + 2 * p - d * (k - 1) - 1) // s + 1


def conv_transpose_out(h, k, s, p, op, d):
    """(h - 1)s - 2p + d(k - 1) + output_padding + 1 for one dimension, nothing checked."""
    return (h - 1) * s - 2 * p + d * (k - 1) + op + 1


def _conv_dim(h, k, s, p, d, label):
    _check_setting("size", h, f" ({label})" if label != "output size" else "")
    out = conv_out(h, k, s, p, d)
    if out < 1:
        raise ValueError(
            f"{label} = floor(({h} + 2*{p} - {d}*({k}-1) - 1)/{s}) + 1 = {out} < 1: the padded input "
            f"({h} + 2*{p} = {h + 2 * p}) is smaller than the dilated kernel ({d}*({k}-1) + 1 = {d * (k - 1) + 1})")
    return out


def _transpose_dim(h, k, s, p, op, d, label):
    _check_setting("size", h, f" ({label})" if label != "output size" else "")
    out = conv_transpose_out(h, k, s, p, op, d)
    if out < 1:
        raise ValueError(
            f"{label} = ({h}-1)*{s} - 2*{p} + {d}*({k}-1) + {op} + 1 = {out} < 1: the padding "
            f"({p}) crops more than the transposed convolution produces")
    return out


def _is_pair_call(*values):
    return any(not _is_int(v) for v in values)


def conv2d_output_hw(hw, kernel, stride, padding, dilation):
    """The (height, width) output of a convolution whose settings :func:`check_conv_settings`
    has already checked (pairs): only the input's size is checked here (a ValueError, with the
    arithmetic, for an output smaller than 1). A conv call checks its settings once, then this."""
    return (_conv_dim(hw[0], kernel[0], stride[0], padding[0], dilation[0], "output height"),
            _conv_dim(hw[1], kernel[1], stride[1], padding[1], dilation[1], "output width"))


def conv_transpose2d_output_hw(hw, kernel, stride, padding, output_padding, dilation):
    """:func:`conv2d_output_hw` for a transposed convolution (settings already checked)."""
    return (_transpose_dim(hw[0], kernel[0], stride[0], padding[0], output_padding[0], dilation[0],
                           "output height"),
            _transpose_dim(hw[1], kernel[1], stride[1], padding[1], output_padding[1], dilation[1],
                           "output width"))


def conv2d_output_size(h, kernel_size, stride=1, padding=0, dilation=1):
    """floor((h + 2p - d(k - 1) - 1) / s) + 1.

    ``h`` and the settings are ints (returns an int) or (height, width) pairs (returns a pair;
    an int setting applies to both). Raises ValueError, with the arithmetic, for invalid settings
    or an output smaller than 1. ``padding`` may be "valid" or "same" (:func:`resolve_padding`).
    """
    pairs = resolve_padding(padding, kernel_size, stride, dilation)
    k, s, p, d = check_conv_settings(kernel_size, stride, pairs, dilation)
    if not _is_pair_call(h, kernel_size, stride, 0 if isinstance(padding, str) else padding, dilation):
        return _conv_dim(int(h), k[0], s[0], p[0], d[0], "output size")
    return conv2d_output_hw(_pair(h, "size"), k, s, p, d)


def conv_transpose2d_output_size(h, kernel_size, stride=1, padding=0, output_padding=0, dilation=1):
    """(h - 1)s - 2p + d(k - 1) + output_padding + 1 (ints, or (height, width) pairs).

    output_padding must be smaller than max(stride, dilation) (PyTorch's rule).
    """
    k, s, p, d, op = check_conv_settings(kernel_size, stride, padding, dilation, output_padding)
    if not _is_pair_call(h, kernel_size, stride, padding, output_padding, dilation):
        return _transpose_dim(int(h), k[0], s[0], p[0], op[0], d[0], "output size")
    return conv_transpose2d_output_hw(_pair(h, "size"), k, s, p, op, d)


def course_conv_output_size(h, kernel_size, stride=1, padding=0):
    """The course's form for dilation 1: floor((H + 2p - k)/s) + 1 (ints only)."""
    return (h + 2 * padding - kernel_size) // stride + 1


__all__ = ["conv2d_output_size", "conv_transpose2d_output_size", "course_conv_output_size",
           "check_conv_settings"]
