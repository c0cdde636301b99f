"""The course's two GANs: an MLP pair and a DCGAN pair, for 1x28x28 MNIST images."""
from .dcgan import DCGAN_Discriminator, DCGAN_Generator, dcgan_init_
from .mlp import Discriminator, Generator

# The one list of each kind of name: the GANs (``minigan train --model``) and their single
# networks (``minigan shapes model``).
GAN_NAMES = ("mlp", "dcgan")
MODEL_NAMES = ("mlp-g", "mlp-d", "dcgan-g", "dcgan-d")


def build_gan(model, z_dim=100, channels=1, image_size=28, sigmoid=True, norm="batch", features=None):
    """(generator, discriminator) for ``model`` = "mlp" or "dcgan".

    The variants' forms: ``sigmoid=False`` ends D in a raw score (a critic, LSGAN's D);
    ``norm`` is the DCGAN D's normalisation ("batch", "layer" or None); ``features`` sets the
    MLP's data size (default channels * image_size**2; 2 for the toy data)."""
    if model == "mlp":
        n = channels * image_size * image_size if features is None else features
        return Generator(z_dim, n), Discriminator(n, sigmoid=sigmoid)
    if model == "dcgan":
        if features not in (None, channels * image_size * image_size):
            raise ValueError(f"the DCGAN form needs {channels}x{image_size}x{image_size} images; data of "
                             f"{features} features needs the MLP form (--model mlp)")
        return (DCGAN_Generator(z_dim, channels, image_size=image_size),
                DCGAN_Discriminator(channels, image_size=image_size, sigmoid=sigmoid, norm=norm))
    raise ValueError(f"unknown model {model!r}: expected one of {', '.join(GAN_NAMES)}")


def build_model(name):
    """One network by its short name, with the shape of one input to trace it on:
    the shape its Sequential receives (the DCGAN generator's noise as (1, 100, 1, 1))."""
    if name == "mlp-g":
        return Generator(), (1, 100)
    if name == "mlp-d":
        return Discriminator(), (1, 784)
    if name == "dcgan-g":
        return DCGAN_Generator(), (1, 100, 1, 1)
    if name == "dcgan-d":
        return DCGAN_Discriminator(), (1, 1, 28, 28)
    raise ValueError(f"unknown model {name!r}: expected one of {', '.join(MODEL_NAMES)}")


__all__ = ["Generator", "Discriminator", "DCGAN_Generator", "DCGAN_Discriminator", "dcgan_init_",
           "build_gan", "build_model", "GAN_NAMES", "MODEL_NAMES"]


# --- the metrics' feature network (issue 15)
from .classifier import FEATURE_DIM, MNISTClassifier  # noqa: E402

__all__ += ["MNISTClassifier", "FEATURE_DIM"]

# --- the GAN variants' networks (issue 16); critics are Discriminator(sigmoid=False) and
# DCGAN_Discriminator(sigmoid=False, norm=...)
from .conditional import ConditionalDiscriminator, ConditionalGenerator  # noqa: E402
from .infogan import InfoDiscriminator, InfoGenerator  # noqa: E402

__all__ += ["ConditionalGenerator", "ConditionalDiscriminator", "InfoGenerator", "InfoDiscriminator"]
