"""RMSprop (Hinton's lecture 6e), with PyTorch's defaults and update rule.

For each parameter, with gradient g (plus weight_decay * p when that is set):
    v <- alpha v + (1 - alpha) g^2                       (mean of the squared gradients)
    centered:  m <- alpha m + (1 - alpha) g,  avg = sqrt(v - m^2) + eps
    otherwise: avg = sqrt(v) + eps
    momentum > 0:  b <- momentum b + g / avg,  p <- p - lr b
    otherwise:     p <- p - lr g / avg
Note eps is added after the square root, as PyTorch does (Adam adds it there too).
"""
from ..autograd import no_grad
from ..backend import get_array_module
from .optimizer import Optimizer


class RMSprop(Optimizer):
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False):
        for name, value in (("lr", lr), ("eps", eps), ("weight_decay", weight_decay), ("momentum", momentum)):
            if value < 0:
                raise ValueError(f"RMSprop: {name} must be >= 0, got {value!r}")
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"RMSprop: alpha must be in [0, 1], got {alpha!r}")
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=bool(centered)))

    @no_grad()
    def step(self):
        for group, p, g in self._gradients():
            xp = get_array_module(p.array)
            dt = p.dtype.type
            state = self.state[p]
            if not state:                   # its first step
                state.update(step=0, square_avg=xp.zeros_like(p.array))
                if group["momentum"] > 0:
                    state["momentum_buffer"] = xp.zeros_like(p.array)
                if group["centered"]:
                    state["grad_avg"] = xp.zeros_like(p.array)
            state["step"] += 1
            alpha = dt(group["alpha"])
            v = state["square_avg"]
            v *= alpha
            v += dt(1 - group["alpha"]) * g * g
            if group["centered"]:
                m = state["grad_avg"]
                m *= alpha
                m += dt(1 - group["alpha"]) * g
                avg = xp.sqrt(v - m * m)
            else:
                avg = xp.sqrt(v)
            avg += dt(group["eps"])
            if group["momentum"] > 0:
                buf = state["momentum_buffer"]
                buf *= dt(group["momentum"])
                buf += g / avg
                p.array -= dt(group["lr"]) * buf
            else:
                p.array -= dt(group["lr"]) * (g / avg)
