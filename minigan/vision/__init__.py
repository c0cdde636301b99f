"""minigan.vision: the parts of torchvision that GAN code uses (``datasets``, ``transforms``,
``utils.make_grid`` / ``save_image``), on minigan's own MNIST reader. No PIL: an image is a
uint8 NumPy array of shape (H, W), which the transforms take as ToTensor expects."""
from . import datasets, transforms, utils  # noqa: F401
