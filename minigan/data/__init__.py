"""Data for the course: MNIST and Fashion-MNIST, a DataLoader, and the 2-D ring of Gaussians.

    from minigan.data import MNIST, DataLoader
    train = MNIST(split="train")                 # (N, 1, 28, 28) float32 in [-1, 1]
    for images, labels in DataLoader(train, batch_size=128, seed=0):
        ...                                      # Tensors on the active backend
"""
from .idx import read_idx, write_idx
from .loader import DataLoader
from .mnist import MNIST, DatasetNotFoundError, FashionMNIST
from .toy import ModeCoverage, count_modes, mode_centers, ring_of_gaussians
from .toy import GRID_STD, grid_centers, grid_of_gaussians  # the 5x5 grid (issue 15)

__all__ = ["MNIST", "FashionMNIST", "DataLoader", "read_idx", "write_idx", "DatasetNotFoundError",
           "ring_of_gaussians", "count_modes", "mode_centers", "ModeCoverage",
           "grid_of_gaussians", "grid_centers", "GRID_STD"]
