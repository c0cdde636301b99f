"""The one registry of the GAN variants: ``minigan train --gan NAME``, TrainConfig and the demo
all read it.

    gan      GAN (Goodfellow et al. 2014)              gan.py
    cgan     conditional GAN (Mirza & Osindero 2014)   cgan.py
    lsgan    LSGAN (Mao et al. 2017)                   lsgan.py
    wgan     WGAN, weight clipping (Arjovsky et al.)    wgan.py
    wgan-gp  WGAN-GP, gradient penalty (Gulrajani et al.) wgan_gp.py
    infogan  InfoGAN (Chen et al. 2016)                infogan.py

A variant's hyper-parameters are the keyword arguments of its ``__init__`` and their defaults
are its paper's: :func:`variant_defaults` reads them from the signature (their one home).
"""
import inspect

from .cgan import ConditionalGAN
from .gan import GAN
from .infogan import InfoGAN
from .lsgan import LSGAN
from .wgan import WGAN
from .wgan_gp import WGANGP

VARIANTS = {cls.name: cls for cls in (GAN, ConditionalGAN, LSGAN, WGAN, WGANGP, InfoGAN)}
VARIANT_NAMES = tuple(VARIANTS)
# settings a variant has that are not training-run options (GAN's reuse_fake, LSGAN's a, b, c)
_NOT_OPTIONS = ("reuse_fake", "a", "b", "c")


def get_variant(name):
    """The class of variant ``name``."""
    if name not in VARIANTS:
        raise ValueError(f"unknown GAN variant {name!r}: expected one of {', '.join(VARIANT_NAMES)} (option --gan)")
    return VARIANTS[name]


def variant_defaults(name):
    """{setting: its paper's default} for variant ``name`` (``betas`` as a pair)."""
    params = inspect.signature(get_variant(name).__init__).parameters
    return {n: p.default for n, p in params.items()
            if p.default is not inspect.Parameter.empty and n not in _NOT_OPTIONS}


def make_gan(name, model, z_dim=100, features=784, **settings):
    """Build variant ``name``'s networks in ``model``'s form (on the active backend) and the
    variant around them, with ``settings`` (a subset of :func:`variant_defaults`)."""
    cls = get_variant(name)
    G, D = cls.build_models(model, z_dim=z_dim, features=features)
    return cls(G, D, z_dim, **settings)
