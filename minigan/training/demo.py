"""``minigan demo``: a GAN you can watch learn in about a minute, offline, on any CPU.

The data is the classic ring of 8 Gaussians in the plane (``data="grid"``: the 5x5 grid of 25
Gaussians, std 0.05, spacing 2, scaled by 1/5). The networks are the course's MLP GAN with
the image sizes swapped for 2-D points:

    Generator      z (B, 4) -> 128 -> 256 -> 2, Tanh        (LeakyReLU(0.2) between)
    Discriminator  x (B, 2) -> 256 -> 128 -> 1, Sigmoid

The ring has radius 2 and modes of standard deviation 0.05 (the papers' 0.02 takes many more
steps to resolve); it is scaled by 1/2.5 to fit inside Tanh's range (-1, 1). Success is
measured as the toy-GAN papers do: how many of the 8 modes get generated points close to
their centre, and what share of generated points is close to some centre.

``gan=`` picks a variant from the registry (variants.py) among those that apply to points
(gan, lsgan, wgan, wgan-gp; the conditional GAN and InfoGAN need labels or codes the plane
does not have, and say so). ``steps`` counts generator steps, so a variant with 5 critic
steps per generator step (WGAN, WGAN-GP) does 5 times the critic work for the same number of
generator updates. The Adam variants (gan, lsgan) use the demo's lr 5e-4, chosen for the GAN
on this data; WGAN and WGAN-GP keep their papers' optimizer settings (``lr`` overrides).
"""
import os
import time

import numpy

from .. import backend
from ..data.toy import (GRID_STD, count_modes, default_min_count, grid_centers, grid_of_gaussians, mode_centers,
                        ring_of_gaussians)
from ..models import Discriminator, Generator
from ..tensor import tensor
from .figures import plot_history, plot_points
from .gan import GAN
from .history import VALUES, add_steps, new_history
from .variants import VARIANT_NAMES, get_variant, make_gan

SCALE = 2.5          # data / SCALE lies inside (-1, 1), Tanh's range
RADIUS, STD, MODES = 2.0, 0.05, 8
DEMO_LR = 5e-4       # the Adam variants' learning rate in the demo
# the two toy datasets: how to draw them, their centres and spread, the scale into (-1, 1)
TOY_DATA = {
    "ring": dict(draw=lambda n, rng: ring_of_gaussians(n, MODES, RADIUS, STD, seed=rng),
                 centers=lambda: mode_centers(MODES, RADIUS), std=STD, scale=SCALE,
                 title=f"ring of {MODES} Gaussians"),
    "grid": dict(draw=lambda n, rng: grid_of_gaussians(n, seed=rng), centers=lambda: grid_centers(5, 2.0),
                 std=GRID_STD, scale=5.0, title="5x5 grid of 25 Gaussians"),
}
TOY_VARIANTS = tuple(name for name in VARIANT_NAMES if get_variant(name).toy)


def demo_gan(gan, z_dim=4, lr=None):
    """The variant ``gan`` scaled to 2-D points, on the active backend."""
    cls = get_variant(gan)
    if not cls.toy:
        raise ValueError(f"--gan {gan} does not apply to the 2-D demo: {cls.not_toy}. "
                         f"The demo trains {', '.join(TOY_VARIANTS)}")
    if gan == "gan":
        # The demo's defaults were chosen and measured (8 of 8 modes, seeds 0-4, 1 and 2 threads)
        # with the generator step reusing D's fake batch, pytorch/examples' shortcut; with fresh
        # noise (Algorithm 1, what `minigan train` does) seed 0 covers 7 of 8 at these defaults.
        G = Generator(z_dim=z_dim, out_features=2)
        D = Discriminator(in_features=2)
        return GAN(G, D, z_dim, lr=lr or DEMO_LR, betas=(0.5, 0.999), reuse_fake=True)
    # LSGAN shares the GAN's Adam settings, so it gets the demo's lr too; the Wasserstein GANs
    # keep their papers' optimizers
    settings = {"lr": lr} if lr else ({"lr": DEMO_LR} if gan == "lsgan" else {})
    return make_gan(gan, "mlp", z_dim=z_dim, features=2, **settings)


def run_demo(out="runs/demo", steps=4000, batch_size=256, lr=None, z_dim=4, seed=0, progress=True,
             log=print, gan="gan", data="ring"):
    """Train the 2-D GAN (or variant ``gan``) on the active backend for ``steps`` generator
    steps; save the points picture and the curves; return a summary dict."""
    if data not in TOY_DATA:
        raise ValueError(f"--data must be one of {', '.join(TOY_DATA)}, got {data!r}")
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    from tqdm.auto import tqdm

    get_variant(gan)                                     # an unknown name is refused first
    spec = TOY_DATA[data]
    backend.manual_seed(seed)
    model = demo_gan(gan, z_dim, lr)                     # on the active backend
    data_rng = numpy.random.default_rng(seed)

    what = "MLP GAN" if gan == "gan" else f"{model.title} (MLP form)"
    log(f"training the {what} on a {spec['title']}: {steps} generator steps of {batch_size} points "
        f"(backend {backend.get_backend()})")
    t0 = time.perf_counter()
    values = []
    for _ in tqdm(range(steps * model.k), disable=None if progress else True, leave=False, desc="demo"):
        real = spec["draw"](batch_size, data_rng) / spec["scale"]
        values.append(model.train_step(tensor(real.astype(numpy.float32))))
    seconds = time.perf_counter() - t0
    history = new_history()
    add_steps(history, {key: [v[key] for v in values if key in v] for key in VALUES})

    real = spec["draw"](2000, data_rng)
    z = tensor(data_rng.standard_normal((2000, z_dim)).astype(numpy.float32))
    fake = model.sample(z).numpy() * spec["scale"]
    centers = spec["centers"]()
    covered, quality, per_mode = count_modes(fake, std=spec["std"], centers=centers)
    n_modes = len(centers)

    os.makedirs(out, exist_ok=True)
    points_png = os.path.join(out, "demo_points.png")
    curves_png = os.path.join(out, "demo_curves.png")
    plot_points(real, fake, points_png, centers=centers,
                covered=per_mode >= default_min_count(len(fake)),
                title=f"{spec['title']}: {covered} of {n_modes} modes covered")
    plot_history(history, curves_png, title=f"{what} on the {spec['title']}", style=model.plot)
    log(f"trained in {seconds:.1f} s; the generator covers {covered} of {n_modes} modes "
        f"({100 * quality:.0f}% of its points lie within 3 std of a mode centre)")
    log(f"pictures: {points_png} and {curves_png}")
    return {"gan": gan, "data": data, "modes_covered": covered, "of_modes": n_modes, "high_quality": quality,
            "per_mode": per_mode, "model": model,
            "seconds": seconds, "points_png": points_png, "curves_png": curves_png}
