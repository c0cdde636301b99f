"""LayerNorm: normalise each sample over its last dimensions (see functional/normalization.py)."""
from .. import functional as F
from ..functional.normalization import _normalized_shape
from ..tensor import ones, zeros
from .module import Module, Parameter


class LayerNorm(Module):
    """``nn.LayerNorm(normalized_shape, eps=1e-5, elementwise_affine=True, bias=True)``: weight
    starts at 1 and bias at 0, each of shape ``normalized_shape``, as in PyTorch."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True):
        super().__init__()
        self.normalized_shape = _normalized_shape(normalized_shape)
        if not self.normalized_shape or any(n < 1 for n in self.normalized_shape):
            raise ValueError(f"LayerNorm: normalized_shape must be positive sizes, got {normalized_shape!r}")
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(ones(self.normalized_shape))
            self.register_parameter("bias", Parameter(zeros(self.normalized_shape)) if bias else None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
