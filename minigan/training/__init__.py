"""Training the GANs: the iteration (gan), the MNIST job (run), the 2-D demo, the history
schema, and figures."""
from .gan import G_LOSSES, GAN, TrainingDiverged
from .run import (TrainConfig, TrainingInterrupted, generator_from_checkpoint, load_checkpoint,
                  save_checkpoint, train)

__all__ = ["GAN", "G_LOSSES", "TrainingDiverged", "TrainingInterrupted", "TrainConfig", "train",
           "load_checkpoint", "save_checkpoint", "generator_from_checkpoint"]
