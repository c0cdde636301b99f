"""Adam (Kingma & Ba, 2015), with the bias correction of the paper.

For each parameter, with gradient g at step t:
    m <- beta1 m + (1 - beta1) g             (mean of the gradients)
    v <- beta2 v + (1 - beta2) g^2           (mean of their squares)
    m_hat = m / (1 - beta1^t),  v_hat = v / (1 - beta2^t)
    p <- p - lr * m_hat / (sqrt(v_hat) + eps)

Every line of ``step`` writes into m, v, p or one scratch array that the optimizer keeps (as
large as its largest parameter) instead of allocating parameter-sized temporaries; the
measured reason (page faults on fresh memory) is in benchmarks/NOTES.md, "Adam".
"""
import math

from ..autograd import no_grad
from .. import parallel
from ..backend import get_array_module
from .optimizer import Optimizer


class Adam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        if lr < 0:
            raise ValueError(f"Adam: lr must be >= 0, got {lr!r}")
        if len(betas) != 2 or not all(0.0 <= b < 1.0 for b in betas):
            raise ValueError(f"Adam: betas must be two numbers in [0, 1), got {betas!r}")
        if eps < 0:
            raise ValueError(f"Adam: eps must be >= 0, got {eps!r}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay))
        self._scratch = {}   # (array module, dtype) -> 1-D work array; not part of the state

    def _work_array(self, xp, p):
        """A scratch view shaped like ``p``, reused by every parameter of that backend and dtype."""
        key = (xp.__name__, p.dtype.str)
        flat = self._scratch.get(key)
        if flat is None or flat.size < p.array.size:
            flat = self._scratch[key] = xp.empty(p.array.size, dtype=p.dtype)
        return flat[:p.array.size].reshape(p.shape)

    @no_grad()
    def step(self):
        for group, p, g in self._gradients():
            xp = get_array_module(p.array)
            state = self.state[p]
            if not state:                   # its first step
                state.update(step=0, exp_avg=xp.zeros_like(p.array), exp_avg_sq=xp.zeros_like(p.array))
            beta1, beta2 = group["betas"]
            state["step"] += 1
            t = state["step"]
            m, v, s = state["exp_avg"], state["exp_avg_sq"], self._work_array(xp, p)
            dt = p.dtype.type
            decay1, decay2, keep2 = dt(1 - beta1), dt(1 - beta2), dt(beta2)
            root2, eps = dt(math.sqrt(1 - beta2 ** t)), dt(group["eps"])
            rate = dt(group["lr"] / (1 - beta1 ** t))
            param = p.array

            def update(r):                  # rows r of the parameter (every element on its own)
                ms, vs, ss, gs = m[r], v[r], s[r], g[r]
                # m <- m + (1 - beta1)(g - m): the same average, written as PyTorch's lerp
                xp.subtract(gs, ms, out=ss)
                ss *= decay1
                ms += ss
                # v <- beta2 v + (1 - beta2) g^2
                xp.multiply(gs, gs, out=ss)
                ss *= decay2
                vs *= keep2
                vs += ss
                # p <- p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
                xp.sqrt(vs, out=ss)
                ss /= root2
                ss += eps
                xp.divide(ms, ss, out=ss)
                ss *= rate
                param[r] -= ss

            # in chunks of rows, on minigan's threads when there are several
            parallel.over_batch(update, param)
