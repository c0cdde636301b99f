"""Training the GANs: the iteration (gan), its variants (cgan, lsgan, wgan, wgan_gp, infogan;
their registry: variants), the MNIST job (run), the 2-D demo, the history schema, and figures."""
from .gan import G_LOSSES, GAN, TrainingDiverged
from .run import (TrainConfig, TrainingInterrupted, generator_from_checkpoint, load_checkpoint,
                  save_checkpoint, train)

from .variants import VARIANT_NAMES, VARIANTS, get_variant, make_gan  # noqa: E402

__all__ = ["VARIANTS", "VARIANT_NAMES", "get_variant", "make_gan", "GAN", "G_LOSSES", "TrainingDiverged", "TrainingInterrupted", "TrainConfig", "train",
           "load_checkpoint", "save_checkpoint", "generator_from_checkpoint"]
