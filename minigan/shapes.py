"""Output sizes of convolutions and transposed convolutions, worked step by step and checked.

The formulas themselves (and the checks of a convolution's settings) live in
:mod:`minigan.conv_arithmetic`, the module the kernels use; they are re-exported here, so
``minigan.shapes.conv2d_output_size`` keeps working. This module adds

  * :func:`explain`, the arithmetic as text, step by step;
  * :func:`trace` and :func:`format_trace`, which run a model layer by layer and check every
    convolution's real output against the formula.

The ``minigan shapes ...`` command that prints them is in :mod:`minigan.cli`.
(The course notes print the transposed formula with two '=' signs where '+' belongs:
"Hout = (Hin-1)s - 2p = k = outputpdding"; :func:`explain` says so.)
"""
from .autograd import no_grad
from .backend import active_module, get_array_module
from .conv_arithmetic import (_check_output_padding, _conv_dim, _pair, _transpose_dim,  # noqa: F401
                              check_conv_settings, conv2d_output_size, conv_transpose2d_output_size,
                              course_conv_output_size)
from .nn import Conv2d, ConvTranspose2d, Sequential
from .tensor import Tensor, get_default_dtype

# The course's transposed-convolution formula exactly as its notes print it.
COURSE_TRANSPOSE_FORMULA = "Hout = (Hin-1)s - 2p = k = outputpdding"


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
    seq = _find_sequential(model)
    params = list(model.parameters())
    xp = get_array_module(params[0].array) if params else None
    dtype = params[0].dtype if params else get_default_dtype()
    if xp is None:
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


__all__ = ["conv2d_output_size", "conv_transpose2d_output_size", "course_conv_output_size",
           "check_conv_settings", "explain", "trace", "format_trace", "COURSE_TRANSPOSE_FORMULA"]
