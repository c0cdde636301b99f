"""The pictures a GAN run produces: sample grids, loss curves, D(x) / D(G(z)) curves, 2-D points."""
import math
import os

import matplotlib

matplotlib.use("Agg")   # files only: works on machines without a screen
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
import numpy  # noqa: E402

from .. import backend  # noqa: E402
from ..serialization import atomic_write, save_figure  # noqa: E402
from ..tensor import Tensor  # noqa: E402

RASTER_FORMATS = ("png", "jpg", "tiff")


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
    """Save a grid of images (values in [-1, 1]) at its own pixel size, atomically (PNG, or the
    format the file name asks for among matplotlib's raster formats)."""
    grid = image_grid(images, nrow=nrow, padding=padding)
    with atomic_write(path) as f:
        plt.imsave(f, grid, cmap="gray", vmin=0.0, vmax=1.0, format=image_format(path))


def image_format(path):
    """The raster format a file name asks for (``png`` without an extension). Raises ValueError
    for a format matplotlib cannot write as an image (so a ``.txt`` is not filled with PNG bytes)."""
    ext = os.path.splitext(os.fspath(path))[1].lower().lstrip(".")
    if not ext:
        return "png"
    fmt = {"jpeg": "jpg", "tif": "tiff"}.get(ext, ext)
    if fmt not in RASTER_FORMATS:
        raise ValueError(f"cannot write an image as {os.fspath(path)!r}: the extension .{ext} is not one of "
                         f"{', '.join('.' + f for f in RASTER_FORMATS)}")
    return fmt


def _grid_figure(grid, title, scale=3):
    """A figure showing ``grid`` enlarged ``scale`` times (pixels kept sharp), with a title."""
    h, w = grid.shape[:2]
    fig = plt.figure(figsize=(scale * w / 100, scale * h / 100 + 0.45), dpi=100)
    ax = fig.add_axes((0, 0, 1, scale * h / (scale * h + 45)))
    ax.imshow(grid, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
    ax.axis("off")
    fig.suptitle(title, y=0.99, va="top")
    return fig


def save_titled_grid(images, path, title, nrow=8, scale=3):
    """A grid of images (values in [-1, 1]) enlarged ``scale`` times, with a title (e.g. the epoch)."""
    fig = _grid_figure(image_grid(images, nrow=nrow), title, scale)
    save_figure(fig, path, dpi=100)
    plt.close(fig)


def save_progress_gif(frames, titles, path, scale=3, seconds_per_frame=0.5):
    """An animation of grids (2-D arrays in [0, 1], e.g. the fixed-noise samples of each epoch)."""
    from matplotlib.animation import FuncAnimation, PillowWriter
    fig = _grid_figure(frames[0], titles[0], scale)
    image = fig.axes[0].images[0]

    def show(i):
        image.set_data(frames[i])
        fig.texts[0].set_text(titles[i])
        return (image,)

    anim = FuncAnimation(fig, show, frames=len(frames), blit=False)
    tmp = os.path.join(os.path.dirname(os.path.abspath(path)), "." + os.path.basename(path) + ".tmp.gif")
    try:
        anim.save(tmp, writer=PillowWriter(fps=1 / seconds_per_frame), dpi=100)
        os.replace(tmp, path)       # PillowWriter writes to a name, so the rename makes it atomic
    finally:
        plt.close(fig)
        if os.path.exists(tmp):
            os.remove(tmp)


def moving_average(values, width):
    """Means over windows of ``width`` consecutive values (``len(values) - width + 1`` of them)."""
    values = numpy.asarray(values, dtype=float)
    width = max(1, min(width, len(values)))
    return numpy.convolve(values, numpy.ones(width) / width, mode="valid")


def plot_history(history, path, title="", style=None):
    """Losses (left) and mean D(x), D(G(z)) (right): a moving average over the saved per-step
    values, against the epoch (or the step, for a run without epochs), with the values of the
    equilibrium D = 1/2 as reference lines: D loss log 4, G loss log 2.

    ``style`` (a variant's ``plot`` dict; default the GAN's) names the axes and gives the
    reference lines: a critic's scores are not probabilities, so WGAN's curves have none."""
    if style is None:
        from .gan import GAN
        style = GAN.plot
    steps = history["steps"]
    n = len(steps["d_loss"])
    width = max(1, n // 50)
    epochs = steps.get("epoch") or []
    per_epoch = len(epochs) == n and n > 0 and epochs[0] is not None
    if per_epoch:
        steps_per_epoch = n / len(set(epochs))
        position = lambda m: (numpy.arange(m) + width) / steps_per_epoch   # noqa: E731
    else:
        position = lambda m: numpy.arange(m) + width                       # noqa: E731
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.2))
    real_name, fake_name = style["output_names"]
    d_name, g_name = style["names"][:2]
    for ax, pairs in ((ax1, (("d_loss", d_name), ("g_loss", g_name))),
                      (ax2, (("d_x", real_name), ("d_g_z", fake_name)))):
        for key, label in pairs:
            if steps[key]:
                y = moving_average(steps[key], width)
                x = position(len(y)) * (len(steps["d_loss"]) / len(steps[key]))   # k > 1: fewer G steps
                ax.plot(x, y, label=label)
    for color, (value, label) in zip(("C0", "C1"), style["references"]):
        ax1.axhline(value, color=color, ls=":", lw=1, label=label)
    if style["output_reference"] is not None:
        value, label = style["output_reference"]
        ax2.axhline(value, color="gray", ls="--", lw=0.8, label=label)
    ax1.set_ylabel(style["loss_label"])
    ax1.set_title(f"losses (moving average over {width} step{'s' if width > 1 else ''})")
    if style["output_range"] is not None:
        ax2.set_ylim(*style["output_range"])
    ax2.set_title(style["output_title"])
    ax2.set_ylabel(style.get("output_label", "mean over the batch"))
    for ax in (ax1, ax2):
        ax.set_xlabel("epoch" if per_epoch else "step")
        if per_epoch:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        # below the axes: a legend there never covers a line
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize="small", frameon=False)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    save_figure(fig, path, dpi=100)
    plt.close(fig)


def plot_points(real, fake, path, title="", centers=None, covered=None):
    """Real and generated 2-D points on one scatter plot; with ``covered`` (one bool per centre)
    the modes the generator missed are circled in red."""
    fig, ax = plt.subplots(figsize=(6, 6.4))
    ax.scatter(real[:, 0], real[:, 1], s=3, alpha=0.4, label="real")
    ax.scatter(fake[:, 0], fake[:, 1], s=3, alpha=0.4, label="generated")
    if centers is not None:
        ax.scatter(centers[:, 0], centers[:, 1], marker="x", color="k", s=40, label="mode centres")
        if covered is not None and not all(covered):
            missed = centers[~numpy.asarray(covered, dtype=bool)]
            ax.scatter(missed[:, 0], missed[:, 1], s=400, facecolors="none", edgecolors="red", lw=1.5,
                       label="missed modes")
    ax.set_aspect("equal")
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    # below the axes: a legend inside would sit on a mode of the ring
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=4, markerscale=3, frameon=False)
    ax.set_title(title)
    fig.tight_layout()
    save_figure(fig, path, dpi=100)
    plt.close(fig)
