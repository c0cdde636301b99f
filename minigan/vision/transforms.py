"""``vision.transforms``: Compose, ToTensor, Normalize, Resize, as torchvision defines them.

Images are uint8 NumPy arrays (H, W) or (H, W, C) before ToTensor (there is no PIL here), and
float tensors (C, H, W) after it. These are data preparation, not part of any graph.
"""
import numbers

import numpy

from ..backend import get_array_module
from ..functional.upsample import source_coords
from ..tensor import Tensor, tensor


class Compose:
    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img


class ToTensor:
    """uint8 (H, W) or (H, W, C) in 0..255 -> float32 tensor (C, H, W) in [0, 1] (x / 255)."""

    def __call__(self, pic):
        arr = numpy.asarray(pic)
        if arr.ndim == 2:
            arr = arr[:, :, None]
        if arr.ndim != 3:
            raise ValueError(f"ToTensor: expected an image of shape (H, W) or (H, W, C), got {arr.shape}")
        out = arr.transpose(2, 0, 1).astype(numpy.float32)
        if arr.dtype == numpy.uint8:
            out /= numpy.float32(255)
        return tensor(out)


class Normalize:
    """(x - mean[c]) / std[c] per channel of a (C, H, W) or (B, C, H, W) tensor."""

    def __init__(self, mean, std, inplace=False):
        self.mean, self.std = tuple(mean), tuple(std)
        if any(s == 0 for s in self.std):
            raise ValueError(f"Normalize: std must not contain 0, got {self.std}")

    def __call__(self, t):
        if not isinstance(t, Tensor):
            raise TypeError(f"Normalize: expected a Tensor (apply ToTensor first), got {type(t).__name__}")
        c = t.shape[-3]
        if len(self.mean) not in (1, c) or len(self.std) not in (1, c):
            raise ValueError(f"Normalize: {len(self.mean)} means for an image with {c} channels")
        mean = t.new_tensor(self.mean).reshape(-1, 1, 1)
        std = t.new_tensor(self.std).reshape(-1, 1, 1)
        return (t - mean) / std

    def __repr__(self):
        return f"Normalize(mean={self.mean}, std={self.std})"


def resize_array(a, size, mode="bilinear"):
    """Resize the last two dimensions of array ``a`` to ``size = (h, w)``.
    nearest: out[i] = a[floor(i * in / out)]; bilinear: PyTorch's align_corners=False weights."""
    xp = get_array_module(a)
    h, w = size
    rows, rows_hi, fy = source_coords(xp, h, a.shape[-2], mode)
    cols, cols_hi, fx = source_coords(xp, w, a.shape[-1], mode)
    if mode == "nearest":
        return a[..., rows[:, None], cols[None, :]]
    a = a.astype(numpy.float64) if a.dtype.kind != "f" else a
    fy, fx = fy.astype(a.dtype)[:, None], fx.astype(a.dtype)[None, :]
    top = a[..., rows[:, None], cols[None, :]] * (1 - fx) + a[..., rows[:, None], cols_hi[None, :]] * fx
    bottom = a[..., rows_hi[:, None], cols[None, :]] * (1 - fx) + a[..., rows_hi[:, None], cols_hi[None, :]] * fx
    return top * (1 - fy) + bottom * fy


class Resize:
    """Resize to ``size``: an int matches the shorter side (keeping the aspect ratio), a pair
    gives (h, w). ``interpolation`` "bilinear" (torchvision's default) or "nearest". A uint8
    array stays uint8 (rounded), a tensor stays a tensor of its dtype."""

    def __init__(self, size, interpolation="bilinear", antialias=True):
        if interpolation not in ("bilinear", "nearest"):
            raise ValueError(f"Resize: interpolation must be 'bilinear' or 'nearest', got {interpolation!r}")
        self.size, self.interpolation = size, interpolation

    def _target(self, h, w):
        if isinstance(self.size, numbers.Integral):
            s = int(self.size)
            return (s, int(s * w / h)) if h <= w else (int(s * h / w), s)
        return tuple(self.size)

    def __call__(self, img):
        if isinstance(img, Tensor):
            out = resize_array(img.array, self._target(*img.shape[-2:]), self.interpolation)
            return tensor(out.astype(img.dtype, copy=False))
        arr = numpy.asarray(img)
        out = resize_array(arr, self._target(*arr.shape[:2]) if arr.ndim == 2 else self._target(*arr.shape[-2:]),
                           self.interpolation)
        if arr.dtype == numpy.uint8 and out.dtype != numpy.uint8:
            out = numpy.clip(numpy.rint(out), 0, 255).astype(numpy.uint8)
        return out
