"""Upsampling (``F.interpolate``), composed from tensor ops (reshape, broadcast, gathers), so
its gradients come from theirs.

    nearest:  out[..., i, j] = x[..., floor(i * H / H'), floor(j * W / W')]
    bilinear: PyTorch's align_corners=False: source coordinate s = max((i + 0.5) * H / H' - 0.5, 0),
              out = the four neighbours floor(s), floor(s) + 1 (clamped) weighted by 1 - frac, frac
"""
import numbers

from ..backend import get_array_module


def source_coords(xp, n_out, n_in, mode):
    """For each output index along one axis: (lower source index, upper source index, weight of
    the upper one). For 'nearest' the upper index and weight are None."""
    scale = n_in / n_out
    i = xp.arange(n_out, dtype="float64")
    if mode == "nearest":
        return xp.minimum(xp.floor(i * scale).astype("int64"), n_in - 1), None, None
    src = xp.maximum((i + 0.5) * scale - 0.5, 0.0)
    lo = xp.minimum(xp.floor(src).astype("int64"), n_in - 1)
    hi = xp.minimum(lo + 1, n_in - 1)
    return lo, hi, src - lo


def _output_size(h, w, size, scale_factor):
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    if size is not None:
        return (size, size) if isinstance(size, numbers.Integral) else tuple(int(s) for s in size)
    sh, sw = (scale_factor, scale_factor) if isinstance(scale_factor, numbers.Real) else scale_factor
    if sh <= 0 or sw <= 0:
        raise ValueError(f"interpolate: scale_factor must be positive, got {scale_factor!r}")
    return int(h * sh), int(w * sw)     # PyTorch floors the output size


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Resize a (N, C, H, W) input to ``size`` or by ``scale_factor``, mode 'nearest' or
    'bilinear' (align_corners False, PyTorch's default)."""
    if mode not in ("nearest", "bilinear"):
        raise NotImplementedError(f"interpolate: modes 'nearest' and 'bilinear' are implemented, got {mode!r}")
    if align_corners:
        raise NotImplementedError("interpolate: align_corners=True is not implemented")
    if input.ndim != 4:
        raise ValueError(f"interpolate: expected a (N, C, H, W) input, got shape {tuple(input.shape)}")
    n, c, h, w = input.shape
    oh, ow = _output_size(h, w, size, scale_factor)
    if mode == "nearest" and oh % h == 0 and ow % w == 0:     # whole factors: a broadcast, no gather
        sh, sw = oh // h, ow // w
        return input.reshape(n, c, h, 1, w, 1).expand(n, c, h, sh, w, sw).reshape(n, c, oh, ow)
    xp = get_array_module(input.array)
    rows, rows_hi, fy = source_coords(xp, oh, h, mode)
    cols, cols_hi, fx = source_coords(xp, ow, w, mode)
    if mode == "nearest":
        return input[:, :, rows][:, :, :, cols]
    fy = fy.astype(input.dtype)[:, None]
    fx = fx.astype(input.dtype)[None, :]
    top, bottom = input[:, :, rows], input[:, :, rows_hi]
    top = top[:, :, :, cols] * (1 - fx) + top[:, :, :, cols_hi] * fx
    bottom = bottom[:, :, :, cols] * (1 - fx) + bottom[:, :, :, cols_hi] * fx
    return top * (1 - fy) + bottom * fy
