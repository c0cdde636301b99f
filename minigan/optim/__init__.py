"""minigan.optim: optimizers that update parameters in place from their .grad, and
``optim.lr_scheduler``, PyTorch's schedules of their learning rate."""
from . import lr_scheduler  # noqa: F401
from .adam import Adam
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "RMSprop"]
