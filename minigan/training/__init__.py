"""Training the GANs: the iteration (gan), the MNIST job (run), the 2-D demo, and figures."""
from .gan import G_LOSSES, GAN, TrainingDiverged
from .run import TrainConfig, generator_from_checkpoint, load_checkpoint, train

__all__ = ["GAN", "G_LOSSES", "TrainingDiverged", "TrainConfig", "train", "load_checkpoint",
           "generator_from_checkpoint"]
