"""minigan.nn: layers as Modules, with PyTorch's names, arguments, printouts and state_dict keys."""
from . import functional, init, utils  # functional and utils: nn.functional, nn.utils, as in PyTorch
from .activation import LeakyReLU, LogSigmoid, ReLU, Sigmoid, Softplus, Tanh
from .batchnorm import BatchNorm1d, BatchNorm2d
from .container import Sequential
from .conv import Conv2d, ConvTranspose2d
from .linear import Flatten, Linear
from .loss import BCELoss, BCEWithLogitsLoss
from .module import Module, Parameter
# --- classifier layers (issue 15)
from .loss import CrossEntropyLoss, NLLLoss
from .pooling import AvgPool2d, MaxPool2d
from .softmax import LogSoftmax, Softmax
# --- issue 13: PyTorch surface
from .container import ModuleList
from .linear import Identity, Unflatten
from .loss import L1Loss, MSELoss
from .normalization import LayerNorm
from .dropout import Dropout, Dropout2d
from .embedding import Embedding
from .upsample import Upsample

__all__ = ["Conv2d", "ConvTranspose2d", "BatchNorm1d", "BatchNorm2d", "Module", "Parameter", "Sequential", "Linear", "Flatten", "ReLU", "LeakyReLU", "Tanh",
           "Sigmoid", "BCELoss", "BCEWithLogitsLoss", "init",
           "MaxPool2d", "AvgPool2d", "Softmax", "LogSoftmax", "CrossEntropyLoss", "NLLLoss",
           "ModuleList", "Identity", "L1Loss", "MSELoss", "LayerNorm",
           "Dropout", "Dropout2d", "Embedding", "Upsample", "Softplus", "LogSigmoid", "Unflatten"]
