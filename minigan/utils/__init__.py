"""minigan.utils: PyTorch's ``torch.utils`` names that GAN code uses (``minigan.utils.data``)."""
from . import data  # noqa: F401
