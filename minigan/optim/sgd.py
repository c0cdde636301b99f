"""Stochastic gradient descent, with optional momentum (PyTorch's formulation)."""
from ..autograd import no_grad
from .optimizer import Optimizer


class SGD(Optimizer):
    """p <- p - lr * v,  where v = g (no momentum) or v <- momentum * v + g (v = g on the first step)."""

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        if lr is None or lr < 0:
            raise ValueError(f"SGD: lr must be >= 0, got {lr!r}")
        if momentum < 0:
            raise ValueError(f"SGD: momentum must be >= 0, got {momentum!r}")
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay))

    @no_grad()
    def step(self):
        for group, p, g in self._gradients():
            if group["momentum"]:
                state = self.state[p]
                if "momentum_buffer" not in state:
                    state["momentum_buffer"] = g.copy()
                else:
                    buf = state["momentum_buffer"]
                    buf *= group["momentum"]
                    buf += g
                g = state["momentum_buffer"]
            p.array -= p.dtype.type(group["lr"]) * g
