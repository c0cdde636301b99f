"""``nn.utils``: PyTorch's gradient clipping, ``clip_grad_norm_`` and ``clip_grad_value_``.

    total = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)

Both change the parameters' ``.grad`` in place, between ``backward()`` and the optimizer's
``step()``, and skip parameters without a gradient.
"""
from ..autograd import no_grad
from ..backend import get_array_module
from ..tensor import Tensor, tensor


def _grads(parameters):
    parameters = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p.grad for p in parameters if p.grad is not None]


@no_grad()
def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all the gradients together so that their joint ``norm_type``-norm (the norm of
    every gradient element as one vector) is at most ``max_norm``; returns that norm, taken
    before clipping, as a 0-d tensor. As in PyTorch: the norm of the per-parameter norms, and
    every gradient multiplied by min(1, max_norm / (norm + 1e-6)). ``norm_type`` may be ``inf``
    (the largest |g|). Computed on the gradients' device (read back only for error_if_nonfinite)."""
    grads = _grads(parameters)
    if not grads:
        return tensor(0.0)
    xp = get_array_module(grads[0].array)
    norm_type = float(norm_type)
    norms = xp.stack([xp.linalg.norm(g.array.ravel(), ord=norm_type) for g in grads])
    total = xp.linalg.norm(norms, ord=norm_type)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is "
                           f"{float(total)}, so they cannot be clipped; set error_if_nonfinite=False to go on")
    scale = xp.minimum(total.dtype.type(max_norm) / (total + total.dtype.type(1e-6)), total.dtype.type(1))
    for g in grads:
        g.array *= scale.astype(g.dtype)
    return Tensor._make(total)


@no_grad()
def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element into [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        g.array.clip(-clip_value, clip_value, out=g.array)
