"""Adam (Kingma & Ba, 2015), with the bias correction of the paper.

For each parameter, with gradient g at step t:
    m <- beta1 m + (1 - beta1) g             (mean of the gradients)
    v <- beta2 v + (1 - beta2) g^2           (mean of their squares)
    m_hat = m / (1 - beta1^t),  v_hat = v / (1 - beta2^t)
    p <- p - lr * m_hat / (sqrt(v_hat) + eps)
Everything is updated in place, so a step allocates only a few temporaries per parameter.
"""
import math

from ..autograd import no_grad
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

    @no_grad()
    def step(self):
        for group, p in self._params():
            if p.grad is None:
                continue
            xp = get_array_module(p.data)
            g = p.grad.data
            if group["weight_decay"]:
                g = g + group["weight_decay"] * p.data
            state = self.state.get(id(p))
            if state is None:
                state = self.state[id(p)] = {"step": 0, "exp_avg": xp.zeros_like(p.data),
                                             "exp_avg_sq": xp.zeros_like(p.data)}
            beta1, beta2 = group["betas"]
            state["step"] += 1
            t = state["step"]
            m, v = state["exp_avg"], state["exp_avg_sq"]
            dt = p.dtype.type
            m *= dt(beta1)
            m += dt(1 - beta1) * g
            v *= dt(beta2)
            v += dt(1 - beta2) * (g * g)
            # lr * m_hat / (sqrt(v_hat) + eps), with the corrections folded into two scalars
            step_size = dt(group["lr"] / (1 - beta1 ** t))
            denom = xp.sqrt(v)
            denom /= dt(math.sqrt(1 - beta2 ** t))
            denom += dt(group["eps"])
            p.data -= step_size * m / denom
