"""Check a backward() against finite differences: the test every derivative in minigan passes.

For a function f and an input x, the central difference

    (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)

approximates df/dx_i with an error of order eps^2 (truncation) plus about
machine_epsilon / eps (rounding). In float64 with eps = 1e-6 both are tiny; in float32
rounding swamps everything, which is why the check insists on float64.

A function with a non-scalar output is reduced to the scalar  sum(f(x) * v)  with a random
v, so every element of the output is checked at once, not only its sum.

:func:`gradgradcheck` checks second derivatives the same way, one level up: the function
it differentiates is the vector-Jacobian product  (x, v) -> v^T df/dx  that
``grad(..., create_graph=True)`` computes, and its derivatives (with respect to x and v)
are compared with central differences of first derivatives (as PyTorch's gradgradcheck).
"""
import numpy

from . import backend
from . import autograd
from .autograd import no_grad, topological_order
from .tensor import Tensor


class GradcheckError(AssertionError):
    """The analytic and numerical gradients disagree."""


def _outputs(fn, inputs):
    out = fn(*inputs)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    for o in outs:
        if not isinstance(o, Tensor):
            raise TypeError(f"gradcheck: fn must return a Tensor or a tuple of Tensors, got {type(o).__name__}")
    return outs


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0, _constant_ok=False):
    """Compare the gradients from ``backward()`` with central finite differences.

    ``fn(*inputs)`` returns a Tensor (or a tuple of them). Every input that requires grad is
    checked element by element; it must be float64. Returns True, or raises
    :class:`GradcheckError` naming the input, the worst element, both values and the error.
    """
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad, so there is nothing to check")
    for i in checked:
        if inputs[i].dtype != numpy.float64:
            raise TypeError(f"gradcheck: input {i} is {inputs[i].dtype}; finite differences need "
                            "float64 (call .double() on the inputs and the module)")

    # one random weight per output element turns any output into a scalar to differentiate
    rng = numpy.random.default_rng(seed)
    outs = _outputs(fn, inputs)
    weights = [backend.to_backend(rng.standard_normal(o.shape), o.backend).astype(o.dtype) for o in outs]

    def scalar(outs):
        return sum(float((o.array * w).sum()) for o, w in zip(outs, weights))

    # analytic: one backward pass of sum(out * w)
    total = None
    for o, w in zip(outs, weights):
        if o.requires_grad:
            term = (o * Tensor._make(w)).sum()
            total = term if total is None else total + term
    if total is None and not _constant_ok:
        raise GradcheckError("gradcheck: the output does not depend on any input that requires grad")
    if total is None:       # (gradgradcheck) a first derivative that is constant: its derivative is 0
        analytics = {i: numpy.zeros(inputs[i].shape) for i in checked}
    else:
        # the check must not disturb the caller: every leaf's .grad (the inputs', and a
        # module's parameters that fn uses) is put back as it was after the backward pass
        leaves = [t for t in topological_order(total) if t.grad_fn is None and t.requires_grad]
        # a checked input the output does not reach is not in that graph: reset it too, or its
        # stale .grad from an earlier backward() would be read as the analytic gradient
        leaves += [inputs[i] for i in checked if not any(inputs[i] is t for t in leaves)]
        saved = [(t, t.grad) for t in leaves]
        try:
            for t in leaves:
                t.grad = None
            total.backward()
            analytics = {i: backend.to_numpy(inputs[i].grad.array) if inputs[i].grad is not None
                         else numpy.zeros(inputs[i].shape) for i in checked}
        finally:
            for t, g in saved:
                t.grad = g

    for i in checked:
        x = inputs[i]
        analytic = analytics[i]
        numeric = numpy.zeros(x.shape)
        if not x.array.flags.c_contiguous:
            x.array = backend.get_array_module(x.array).ascontiguousarray(x.array)
        flat = x.array.reshape(-1)    # a view: perturbing it perturbs x
        with no_grad():
            for k in range(flat.size):
                old = float(flat[k])
                flat[k] = old + eps
                plus = scalar(_outputs(fn, inputs))
                flat[k] = old - eps
                minus = scalar(_outputs(fn, inputs))
                flat[k] = old
                numeric.reshape(-1)[k] = (plus - minus) / (2 * eps)
        error = numpy.abs(analytic - numeric)
        allowed = atol + rtol * numpy.abs(numeric)
        if (error > allowed).any() or not numpy.isfinite(analytic).all():
            worst = numpy.unravel_index(numpy.argmax(error - allowed), x.shape) if x.ndim else ()
            raise GradcheckError(
                f"gradcheck failed for input {i} (shape {x.shape}) at index {tuple(int(j) for j in worst)}: "
                f"backward gives {analytic[worst]:.8g}, finite differences give {numeric[worst]:.8g} "
                f"(error {error[worst]:.3g}, allowed atol + rtol*|numeric| = {allowed[worst]:.3g}; "
                f"{int((error > allowed).sum())} of {x.numel()} elements off)")
    return True


def gradgradcheck(fn, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """Check second derivatives: those of ``grad(fn(*inputs), inputs, grad_outputs,
    create_graph=True)`` against central differences of first derivatives.

    ``grad_outputs`` (one float64 tensor per output; random ones when None) are checked as
    inputs too, since a vector-Jacobian product depends on both. Float64 only. Returns True
    or raises :class:`GradcheckError`, as :func:`gradcheck`.
    """
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not diff:
        raise ValueError("gradgradcheck: no input requires grad, so there is nothing to check")
    outs = _outputs(fn, inputs)
    if grad_outputs is None:
        rng = numpy.random.default_rng(seed + 1)
        grad_outputs = [Tensor._make(backend.to_backend(rng.standard_normal(o.shape), o.backend).astype(o.dtype),
                                     requires_grad=True) for o in outs]
    else:
        grad_outputs = list(grad_outputs) if isinstance(grad_outputs, (tuple, list)) else [grad_outputs]
    if len(grad_outputs) != len(outs):
        raise ValueError(f"gradgradcheck: fn returns {len(outs)} outputs but {len(grad_outputs)} "
                         "grad_outputs were given")
    n = len(inputs)

    def first_derivatives(*args):
        xs, vs = args[:n], args[n:]
        with autograd.enable_grad():      # gradcheck evaluates under no_grad; this needs a graph
            pairs = [(o, v) for o, v in zip(_outputs(fn, xs), vs) if o.requires_grad]
            if not pairs:
                raise GradcheckError("gradgradcheck: the output does not depend on any input that "
                                     "requires grad")
            grads = autograd.grad([o for o, _ in pairs], [xs[i] for i in diff],
                                  grad_outputs=[v for _, v in pairs], create_graph=True, allow_unused=True)
        xp = backend.get_array_module(xs[diff[0]].array)
        return tuple(g if g is not None else Tensor._make(xp.zeros(xs[i].shape, dtype=xs[i].dtype))
                     for i, g in zip(diff, grads))

    return gradcheck(first_derivatives, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     seed=seed, _constant_ok=True)
