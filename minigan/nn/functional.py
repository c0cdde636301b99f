"""``minigan.nn.functional``: PyTorch's spelling (``import torch.nn.functional as F``) of
:mod:`minigan.functional`, which is the one home of these functions."""
from ..functional import *  # noqa: F401,F403
from ..functional import __all__  # noqa: F401
