"""The pictures a GAN run produces: sample grids, loss curves, D(x) / D(G(z)) curves, 2-D points."""
import math

import matplotlib

matplotlib.use("Agg")   # files only: works on machines without a screen
import matplotlib.pyplot as plt  # noqa: E402
import numpy  # noqa: E402

from .. import backend  # noqa: E402
from ..io import atomic_write, save_figure  # noqa: E402
from ..tensor import Tensor  # noqa: E402


def image_grid(images, nrow=8, padding=2, pad_value=1.0):
    """Tile images (N, C, H, W) or flat (N, H*W) in [-1, 1] into one (rows, cols) array in [0, 1]."""
    arr = backend.to_numpy(images.array if isinstance(images, Tensor) else images)
    if arr.ndim == 2:                       # flat MLP outputs: assume square single-channel images
        side = int(round(math.sqrt(arr.shape[1])))
        if side * side != arr.shape[1]:
            raise ValueError(f"image_grid: cannot make square images from {arr.shape[1]} features")
        arr = arr.reshape(-1, 1, side, side)
    if arr.ndim != 4:
        raise ValueError(f"image_grid: expected images of shape (N, C, H, W), got {arr.shape}")
    n, c, h, w = arr.shape
    arr = numpy.clip((arr + 1) / 2, 0, 1)   # [-1, 1] (Tanh) -> [0, 1]
    ncol = min(nrow, n)
    nrows = math.ceil(n / ncol)
    grid = numpy.full((c, nrows * (h + padding) + padding, ncol * (w + padding) + padding), pad_value,
                      dtype=numpy.float32)
    for i in range(n):                      # a loop over at most 64 images, for a picture
        r, col = divmod(i, ncol)
        y, x = padding + r * (h + padding), padding + col * (w + padding)
        grid[:, y:y + h, x:x + w] = arr[i]
    return grid[0] if c == 1 else grid.transpose(1, 2, 0)


def save_image_grid(images, path, nrow=8, padding=2):
    """Save a grid of images (values in [-1, 1]) as a PNG, atomically."""
    grid = image_grid(images, nrow=nrow, padding=padding)
    with atomic_write(path) as f:
        plt.imsave(f, grid, cmap="gray", vmin=0.0, vmax=1.0, format="png")


def plot_history(history, path, title=""):
    """Loss curves (left) and mean D(x), D(G(z)) (right), per epoch, or per step for short runs."""
    steps = history.get("steps", {})
    per_epoch = len(history.get("epoch", [])) >= 5 or not steps.get("d_loss")
    src, xlabel = (history, "epoch") if per_epoch else (steps, "iteration")
    x = history["epoch"] if per_epoch else list(range(1, len(src["d_loss"]) + 1))
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    ax1.plot(x, src["d_loss"], label="D loss")
    ax1.plot(x[:len(src["g_loss"])], src["g_loss"], label="G loss")
    ax1.set_xlabel(xlabel)
    ax1.set_ylabel("BCE")
    ax1.set_title("losses")
    ax1.legend()
    ax2.plot(x, src["d_x"], label="mean D(x), real")
    ax2.plot(x, src["d_g_z"], label="mean D(G(z)), fake")
    ax2.axhline(0.5, color="gray", lw=0.8, ls="--", label="1/2: D cannot tell")
    ax2.set_ylim(0, 1)
    ax2.set_xlabel(xlabel)
    ax2.set_title("discriminator outputs")
    ax2.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    save_figure(fig, path, dpi=100)
    plt.close(fig)


def plot_points(real, fake, path, title="", centers=None):
    """Real and generated 2-D points side by side on one scatter plot."""
    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    ax.scatter(real[:, 0], real[:, 1], s=3, alpha=0.4, label="real")
    ax.scatter(fake[:, 0], fake[:, 1], s=3, alpha=0.4, label="generated")
    if centers is not None:
        ax.scatter(centers[:, 0], centers[:, 1], marker="x", color="k", s=40, label="mode centres")
    ax.set_aspect("equal")
    ax.legend(loc="upper right", markerscale=3)
    ax.set_title(title)
    fig.tight_layout()
    save_figure(fig, path, dpi=100)
    plt.close(fig)
