"""``vision.utils.make_grid`` and ``save_image`` with torchvision's arguments and layout."""
import math

import numpy

from .. import backend
from ..serialization import atomic_write
from ..tensor import Tensor, tensor


def make_grid(tensor_, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False, pad_value=0.0):
    """Tile a (B, C, H, W) batch into one (3 or C, rows, cols) image, ``nrow`` images a row,
    ``padding`` pixels of ``pad_value`` around each; one-channel images become three (as
    torchvision's). ``normalize`` maps ``value_range`` (default: the batch's min and max) to [0, 1]."""
    if isinstance(tensor_, (list, tuple)):
        tensor_ = Tensor._make(backend.get_array_module(tensor_[0].array).stack([t.array for t in tensor_]))
    if not isinstance(tensor_, Tensor):
        raise TypeError(f"make_grid: expected a Tensor or a list of tensors, got {type(tensor_).__name__}")
    x = backend.to_numpy(tensor_.detach().array).astype(numpy.float32)
    if x.ndim == 2:
        x = x[None]
    if x.ndim == 3:
        x = x[None] if x.shape[0] in (1, 3) else x[:, None]
    if x.ndim != 4:
        raise ValueError(f"make_grid: expected a (B, C, H, W) tensor, got shape {tuple(tensor_.shape)}")
    if x.shape[1] == 1:
        x = numpy.concatenate([x, x, x], axis=1)
    if normalize:
        def norm(a):
            low, high = value_range if value_range is not None else (a.min(), a.max())
            a = numpy.clip(a, low, high)
            return (a - low) / max(high - low, 1e-5)
        x = numpy.stack([norm(a) for a in x]) if scale_each else norm(x)
    if x.shape[0] == 1:
        return tensor(x[0])
    b, c, h, w = x.shape
    xmaps = min(nrow, b)
    ymaps = int(math.ceil(b / xmaps))
    height, width = h + padding, w + padding
    grid = numpy.full((c, height * ymaps + padding, width * xmaps + padding), pad_value, dtype=numpy.float32)
    for k in range(b):      # one copy per image of the grid: a layout, not a kernel
        y, xx = divmod(k, xmaps)
        grid[:, y * height + padding:y * height + padding + h, xx * width + padding:xx * width + padding + w] = x[k]
    return tensor(grid)


def save_image(tensor_, fp, format=None, **kwargs):
    """``make_grid(tensor_, **kwargs)`` written as an 8-bit PNG (through matplotlib, atomically);
    values are taken in [0, 1] (x * 255 + 0.5, clamped), as torchvision's."""
    import matplotlib.image

    grid = make_grid(tensor_, **kwargs).numpy()
    img = numpy.clip(grid * 255 + 0.5, 0, 255).astype(numpy.uint8).transpose(1, 2, 0)
    with atomic_write(fp) as f:
        matplotlib.image.imsave(f, img, format=format or "png")
