"""``vision.datasets.MNIST`` / ``FashionMNIST``: torchvision's arguments and items, read by
minigan.data's reader under its offline rules (files under ``root``, $MINIGAN_DATA_DIR, the
cache; ``download=False`` by default, as torchvision's)."""
import numpy

from ..data import mnist as _mnist


class MNIST:
    """``MNIST(root, train=True, download=False, transform=None, target_transform=None)``.
    ``dataset[i]`` is ``(image, label)``: image a uint8 array (28, 28) (where torchvision gives a
    PIL image) passed through ``transform``, label an int passed through ``target_transform``."""

    _reader = _mnist.MNIST

    def __init__(self, root=None, train=True, download=False, transform=None, target_transform=None):
        data = self._reader(root, split="train" if train else "test", download=download, verbose=False)
        # minigan.data scales bytes b to b / 127.5 - 1 exactly in float32, so this gives the bytes back
        self.data = numpy.rint((data.images[:, 0] + 1.0) * 127.5).astype(numpy.uint8)
        self.targets = data.labels
        self.classes, self.train, self.root = data.classes, train, data.root
        self.transform, self.target_transform = transform, target_transform

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, index):
        img, target = self.data[index], int(self.targets[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __repr__(self):
        return (f"Dataset {type(self).__name__}\n    Number of datapoints: {len(self)}\n"
                f"    Root location: {self.root}\n    Split: {'Train' if self.train else 'Test'}")


class FashionMNIST(MNIST):
    _reader = _mnist.FashionMNIST
