"""Output sizes of convolutions and transposed convolutions: the formulas, worked, and checked.

For one spatial dimension of size H, a kernel of size k, stride s, padding p and dilation d:

    convolution             H_out = floor((H + 2p - d(k - 1) - 1) / s) + 1
    transposed convolution  H_out = (H - 1)s - 2p + d(k - 1) + output_padding + 1

With d = 1 the first is the course's  floor((H + 2p - k) / s) + 1,  and the second
(H - 1)s - 2p + k + output_padding. (The course notes print the second with two '=' signs
where '+' belongs: "Hout = (Hin-1)s - 2p = k = outputpdding".)

This module gives
  * :func:`conv2d_output_size` and :func:`conv_transpose2d_output_size` (ints or (H, W) pairs),
    whose ValueErrors show the arithmetic that went wrong;
  * :func:`explain`, the same arithmetic as text, step by step;
  * :func:`trace` and :func:`format_trace`, which run a model layer by layer and check every
    convolution's real output against the formula;
  * :func:`register_cli`, the ``minigan shapes ...`` command.
"""
import numbers

# The course's transposed-convolution formula exactly as its notes print it.
COURSE_TRANSPOSE_FORMULA = "Hout = (Hin-1)s - 2p = k = outputpdding"


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


# --------------------------------------------------------------------------- the formulas
def _conv_dim(h, k, s, p, d, label):
    _check_setting("size", h, f" ({label})" if label != "output size" else "")
    out = (h + 2 * p - d * (k - 1) - 1) // s + 1
    if out < 1:
        raise ValueError(
            f"{label} = floor(({h} + 2*{p} - {d}*({k}-1) - 1)/{s}) + 1 = {out} < 1: the padded input "
            f"({h} + 2*{p} = {h + 2 * p}) is smaller than the dilated kernel ({d}*({k}-1) + 1 = {d * (k - 1) + 1})")
    return out


def _transpose_dim(h, k, s, p, op, d, label):
    _check_setting("size", h, f" ({label})" if label != "output size" else "")
    out = (h - 1) * s - 2 * p + d * (k - 1) + op + 1
    if out < 1:
        raise ValueError(
            f"{label} = ({h}-1)*{s} - 2*{p} + {d}*({k}-1) + {op} + 1 = {out} < 1: the padding "
            f"({p}) crops more than the transposed convolution produces")
    return out


def _is_pair_call(*values):
    return any(not _is_int(v) for v in values)


def conv2d_output_size(h, kernel_size, stride=1, padding=0, dilation=1):
    """floor((h + 2p - d(k - 1) - 1) / s) + 1.

    ``h`` and the settings are ints (returns an int) or (height, width) pairs (returns a pair;
    an int setting applies to both). Raises ValueError, with the arithmetic, for invalid settings
    or an output smaller than 1.
    """
    k, s, p, d = check_conv_settings(kernel_size, stride, padding, dilation)
    if not _is_pair_call(h, kernel_size, stride, padding, dilation):
        return _conv_dim(int(h), k[0], s[0], p[0], d[0], "output size")
    hh, ww = _pair(h, "size")
    return (_conv_dim(hh, k[0], s[0], p[0], d[0], "output height"),
            _conv_dim(ww, k[1], s[1], p[1], d[1], "output width"))


def conv_transpose2d_output_size(h, kernel_size, stride=1, padding=0, output_padding=0, dilation=1):
    """(h - 1)s - 2p + d(k - 1) + output_padding + 1 (ints, or (height, width) pairs).

    output_padding must be smaller than max(stride, dilation) (PyTorch's rule).
    """
    k, s, p, d, op = check_conv_settings(kernel_size, stride, padding, dilation, output_padding)
    if not _is_pair_call(h, kernel_size, stride, padding, output_padding, dilation):
        return _transpose_dim(int(h), k[0], s[0], p[0], op[0], d[0], "output size")
    hh, ww = _pair(h, "size")
    return (_transpose_dim(hh, k[0], s[0], p[0], op[0], d[0], "output height"),
            _transpose_dim(ww, k[1], s[1], p[1], op[1], d[1], "output width"))


def course_conv_output_size(h, kernel_size, stride=1, padding=0):
    """The course's form for dilation 1: floor((H + 2p - k)/s) + 1 (ints only)."""
    return (h + 2 * padding - kernel_size) // stride + 1


# --------------------------------------------------------------------------- explain
def _num(x):
    """A quotient for display: 13 for 13.0, 13.5, 8.667 (rounded to 3 decimals)."""
    return str(int(x)) if float(x).is_integer() else f"{x:.3f}".rstrip("0")


def _explain_conv(h, k, s, p, d, dim):
    """Lines for one dimension; ``dim`` is (title, label, symbol, unit), e.g.
    ("output height", "output height", "H", "row")."""
    title, label, X, unit = dim
    _conv_dim(h, k, s, p, d, label)                    # raises, with the arithmetic, if invalid
    num = h + 2 * p - d * (k - 1) - 1
    q, r = divmod(num, s)
    out = q + 1
    lines = [
        f"Convolution, {title}:",
        f"  {X}_out = floor(({X}_in + 2*padding - dilation*(kernel_size - 1) - 1) / stride) + 1",
        f"        = floor(({h} + 2*{p} - {d}*({k} - 1) - 1) / {s}) + 1",
        f"        = floor(({h} + {2 * p} - {d * (k - 1)} - 1) / {s}) + 1",
        f"        = floor({num} / {s}) + 1",
        f"        = {q} + 1",
        f"        = {out}",
    ]
    if r:
        rows = f"the last {unit} is" if r == 1 else f"the last {r} {unit}s are"
        lines += [f"  floor({num}/{s}) = floor({_num(num / s)}) = {q} (the remainder {r} is dropped: "
                  f"{rows} never covered)",
                  f"  (the kernel's last position stops {r} {unit}{'s' if r > 1 else ''} short of the end "
                  f"of the padded input, {h} + 2*{p} = {h + 2 * p} {unit}s)"]
    else:
        lines.append(f"  floor({num}/{s}) = {q} exactly: {num} is a multiple of {s}, so nothing is dropped "
                     f"(the kernel's last position ends on the last {unit} of the padded input)")
    if d == 1:
        course = course_conv_output_size(h, k, s, p)
        lines += [
            f"  With dilation 1 this is the course's simpler form floor(({X} + 2p - k)/s) + 1:",
            f"        floor(({h} + 2*{p} - {k}) / {s}) + 1 = floor({h + 2 * p - k} / {s}) + 1 = {course}",
            f"  and the two agree ({course} = {out}) because dilation*(k - 1) + 1 = k when dilation is 1.",
        ]
    else:
        lines.append(f"  With dilation {d} the kernel spans {d}*({k} - 1) + 1 = {d * (k - 1) + 1} {unit}s; the "
                     f"course's form floor(({X} + 2p - k)/s) + 1 holds for dilation 1 only.")
    return lines


def _explain_transpose(h, k, s, p, op, d, dim):
    title, label, X, unit = dim
    _check_output_padding(op, s, d)
    out = _transpose_dim(h, k, s, p, op, d, label)
    lines = [
        f"Transposed convolution, {title}:",
        f"  {X}_out = ({X}_in - 1)*stride - 2*padding + dilation*(kernel_size - 1) + output_padding + 1",
        f"        = ({h} - 1)*{s} - 2*{p} + {d}*({k} - 1) + {op} + 1",
        f"        = {(h - 1) * s} - {2 * p} + {d * (k - 1)} + {op} + 1",
        f"        = {out}",
    ]
    if d == 1:
        lines.append(f"  With dilation 1 this is ({X}_in - 1)*s - 2p + k + output_padding = "
                     f"({h} - 1)*{s} - 2*{p} + {k} + {op} = {(h - 1) * s - 2 * p + k + op}, the same.")
    back = (out + 2 * p - d * (k - 1) - 1) // s + 1
    if back == h:
        lines.append(f"  Check: a convolution with the same kernel_size, stride, padding and dilation maps {out} "
                     f"back to")
        lines.append(f"        floor(({out} + 2*{p} - {d}*({k} - 1) - 1) / {s}) + 1 = {back} = {X}_in.")
        if s > 1:
            base = out - op
            sizes = f"{base} and {base + 1}" if s == 2 else f"{base}, ..., {base + s - 1}"
            lines.append(f"  That convolution sends each of the {s} sizes {sizes} to {h} (the floor drops "
                         f"the remainder);")
            lines.append(f"  output_padding (0 to {s - 1}) picks which of them this layer produces.")
    else:
        lines.append(f"  A convolution with the same settings maps {out} to {back}, not {h}: output_padding "
                     f"{op} >= stride {s} is allowed only because dilation {d} is larger.")
    return lines


def explain(kind, size, kernel_size, stride=1, padding=0, dilation=1, output_padding=0):
    """The output-size arithmetic as text, step by step.

    kind: ``"conv"`` or ``"transpose"``; size and the settings: ints or (height, width) pairs.
    Raises ValueError (showing the arithmetic) for settings that give no valid output.
    """
    if kind not in ("conv", "transpose"):
        raise ValueError(f"explain: kind must be 'conv' or 'transpose', got {kind!r}")
    k, s, p, d, op = check_conv_settings(kernel_size, stride, padding, dilation, output_padding)
    if kind == "conv" and op != (0, 0):
        raise ValueError("explain: output_padding applies to transposed convolutions only")
    hw = _pair(size, "size")
    if hw[0] == hw[1] and all(v[0] == v[1] for v in (k, s, p, d, op)):
        dims = [(0, ("output size (height and width alike)", "output size", "H", "row"))]
    else:
        dims = [(0, ("output height", "output height", "H", "row")),
                (1, ("output width", "output width", "W", "column"))]
    lines = []
    for i, dim in dims:
        if lines:
            lines.append("")
        if kind == "conv":
            lines += _explain_conv(hw[i], k[i], s[i], p[i], d[i], dim)
        else:
            lines += _explain_transpose(hw[i], k[i], s[i], p[i], op[i], d[i], dim)
    if kind == "transpose":
        lines += [
            "",
            f"Note: the course writes \"{COURSE_TRANSPOSE_FORMULA}\", with '=' where '+' belongs.",
            "The correct formula is  H_out = (H_in - 1)*s - 2p + k + output_padding  (dilation 1),",
            "in general              H_out = (H_in - 1)*s - 2p + d*(k - 1) + output_padding + 1.",
        ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- trace a model
def _find_sequential(model):
    from .nn import Sequential
    for m in model.modules():
        if isinstance(m, Sequential):
            return m
    raise ValueError(f"trace: {type(model).__name__} contains no Sequential to walk layer by layer")


def _one_line(module):
    return " ".join(part.strip() for part in repr(module).split("\n"))


def trace(model, input_shape):
    """Run ``model``'s layers one at a time on a batch of zeros and record each output shape.

    ``input_shape`` is the shape the model's first Sequential receives (for a DCGAN generator
    that reshapes z to (B, 100, 1, 1) first, pass (B, 100, 1, 1)). Runs under no_grad in eval
    mode and restores every module's mode afterwards.

    Returns a list of dicts: index, name, layer (one-line repr), output_shape, params, and for
    Conv2d / ConvTranspose2d layers the formula's prediction and whether it matched (``None``
    for other layers). Raises RuntimeError if a convolution's real output disagrees with the
    formula (that would be a kernel bug).
    """
    from .autograd import no_grad
    from .backend import get_array_module
    from .nn import Conv2d, ConvTranspose2d
    from .tensor import Tensor, get_default_dtype

    seq = _find_sequential(model)
    params = list(model.parameters())
    xp = get_array_module(params[0].array) if params else None
    dtype = params[0].dtype if params else get_default_dtype()
    if xp is None:
        from .backend import active_module
        xp = active_module()
    shape = tuple(int(v) for v in input_shape)
    x = Tensor._make(xp.zeros(shape, dtype=dtype))

    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    rows = []
    try:
        with no_grad():
            for i, (name, layer) in enumerate(seq.named_children()):
                predicted = None
                if isinstance(layer, (Conv2d, ConvTranspose2d)) and x.ndim == 4:
                    if isinstance(layer, Conv2d):
                        hw = conv2d_output_size(x.shape[2:], layer.kernel_size, layer.stride,
                                                layer.padding, layer.dilation)
                    else:
                        hw = conv_transpose2d_output_size(x.shape[2:], layer.kernel_size, layer.stride,
                                                          layer.padding, layer.output_padding, layer.dilation)
                    predicted = (x.shape[0], layer.out_channels) + tuple(hw)
                in_shape = x.shape
                x = layer(x)
                match = None if predicted is None else tuple(x.shape) == predicted
                rows.append({"index": i, "name": name, "layer": _one_line(layer), "input_shape": in_shape,
                             "output_shape": tuple(x.shape),
                             "params": sum(p.numel() for p in layer.parameters()),
                             "predicted": predicted, "match": match})
                if match is False:
                    raise RuntimeError(f"trace: layer {name} ({_one_line(layer)}) turned {in_shape} into "
                                       f"{tuple(x.shape)}, but the formula gives {predicted}: a kernel bug")
    finally:
        for m, mode in modes:
            object.__setattr__(m, "training", mode)
    return rows


def format_trace(rows, input_shape=None):
    """The rows of :func:`trace` as a text table with totals."""
    def fmt(shape):
        return "(" + ", ".join(str(v) for v in shape) + ")"

    head = ("#", "layer", "output shape", "params", "formula")
    body = []
    for r in rows:
        if r["predicted"] is None:
            check = ""
        else:
            check = ("ok " if r["match"] else "MISMATCH ") + fmt(r["predicted"][2:])
        body.append((r["name"], r["layer"], fmt(r["output_shape"]), f"{r['params']:,}", check))
    first = input_shape if input_shape is not None else (rows[0]["input_shape"] if rows else None)
    if first is not None:
        body.insert(0, ("", "input", fmt(first), "", ""))
    widths = [max(len(row[j]) for row in [head] + body) for j in range(len(head))]
    right = {0, 3}

    def line(row):
        return "  ".join(c.rjust(w) if j in right else c.ljust(w) for j, (c, w) in enumerate(zip(row, widths))).rstrip()

    rule = "  ".join("-" * w for w in widths)
    total = sum(r["params"] for r in rows)
    convs = [r for r in rows if r["predicted"] is not None]
    ok = sum(bool(r["match"]) for r in convs)
    out = [line(head), rule] + [line(b) for b in body] + [rule]
    checked = (f"{ok} of {len(convs)} convolution output sizes match the formulas" if convs
               else "no convolutions to check")
    out.append(f"total: {len(rows)} layers, {total:,} parameters; {checked}")
    return "\n".join(out)


# --------------------------------------------------------------------------- command line
def _size_arg(text):
    """'28' -> 28, '28,30' -> (28, 30) (for argparse)."""
    import argparse
    parts = [t.strip() for t in str(text).split(",")]
    try:
        values = [int(t) for t in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer or two separated by a comma (H,W), got {text!r}") from None
    if len(values) == 1:
        return values[0]
    if len(values) == 2:
        return tuple(values)
    raise argparse.ArgumentTypeError(f"expected one or two integers (H or H,W), got {text!r}")


def _run_conv(args):
    print(explain("conv", args.size, args.kernel, args.stride, args.padding, args.dilation))
    return 0


def _run_transpose(args):
    print(explain("transpose", args.size, args.kernel, args.stride, args.padding, args.dilation,
                  args.output_padding))
    return 0


MODEL_NAMES = ("mlp-g", "mlp-d", "dcgan-g", "dcgan-d")


def _run_model(args):
    from .models import build_model     # written with the models; imported only when asked for
    model, input_shape = build_model(args.name)
    rows = trace(model, input_shape)
    print(f"{args.name}: a batch of shape {tuple(input_shape)} through {type(model).__name__}")
    print(format_trace(rows, input_shape))
    return 0


def register_cli(subparsers):
    """Add ``shapes conv|transpose|model`` to an argparse subparsers object.

    Each leaf parser sets ``func(args) -> int``; invalid settings raise ValueError.
    """
    shapes = subparsers.add_parser("shapes", help="output sizes of (transposed) convolutions, worked out",
                                   description="Work out convolution output sizes step by step, or trace a model.")
    sub = shapes.add_subparsers(dest="shapes_command", metavar="{conv,transpose,model}")
    sub.required = True

    def settings(p, transpose):
        p.add_argument("--size", type=_size_arg, required=True, help="input size: H or H,W")
        p.add_argument("--kernel", type=_size_arg, required=True, help="kernel size: k or kH,kW")
        p.add_argument("--stride", type=_size_arg, default=1)
        p.add_argument("--padding", type=_size_arg, default=0)
        if transpose:
            p.add_argument("--output-padding", type=_size_arg, default=0, dest="output_padding")
        p.add_argument("--dilation", type=_size_arg, default=1)

    conv = sub.add_parser("conv", help="output size of a convolution")
    settings(conv, False)
    conv.set_defaults(func=_run_conv)
    tr = sub.add_parser("transpose", help="output size of a transposed convolution")
    settings(tr, True)
    tr.set_defaults(func=_run_transpose)
    model = sub.add_parser("model", help="trace a built-in model layer by layer")
    model.add_argument("name", choices=MODEL_NAMES)
    model.set_defaults(func=_run_model)
    return shapes


__all__ = ["conv2d_output_size", "conv_transpose2d_output_size", "course_conv_output_size",
           "check_conv_settings", "explain", "trace", "format_trace", "register_cli"]
