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

# The datasets known by name (``minigan train --dataset``): the one list of their names.
DATASETS = {"mnist": MNIST, "fashion-mnist": FashionMNIST}


def load_dataset(name, root=None, split="train", limit=None, download=True):
    """A dataset by its name in :data:`DATASETS`; ``limit`` keeps the first N images."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}: expected one of {', '.join(DATASETS)}")
    return DATASETS[name](root=root, split=split, limit=limit, download=download)

__all__ = ["DATASETS", "load_dataset", "MNIST", "FashionMNIST", "DataLoader", "read_idx", "write_idx", "DatasetNotFoundError",
           "ring_of_gaussians", "count_modes", "mode_centers", "ModeCoverage",
           "grid_of_gaussians", "grid_centers", "GRID_STD"]
