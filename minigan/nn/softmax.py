"""Softmax and LogSoftmax layers along one dimension (``dim``, as in PyTorch)."""
from ..functional.softmax import log_softmax, softmax
from .module import Module


class Softmax(Module):
    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return softmax(x, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    def forward(self, x):
        return log_softmax(x, self.dim)
