"""minigan.nn: layers as Modules, with PyTorch's names, arguments, printouts and state_dict keys."""
from . import init
from .activation import LeakyReLU, ReLU, Sigmoid, Tanh
from .container import Sequential
from .linear import Flatten, Linear
from .loss import BCELoss, BCEWithLogitsLoss
from .module import Module, Parameter

__all__ = ["Module", "Parameter", "Sequential", "Linear", "Flatten", "ReLU", "LeakyReLU", "Tanh",
           "Sigmoid", "BCELoss", "BCEWithLogitsLoss", "init"]
