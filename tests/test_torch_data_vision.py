"""minigan.utils.data (Dataset, TensorDataset, DataLoader, default_collate) and minigan.vision
(MNIST on the shared files, ToTensor, Normalize, Resize, make_grid, save_image)."""
import os

import numpy as np
import pytest

import minigan
from minigan import vision
from minigan.utils.data import DataLoader, Dataset, TensorDataset, default_collate
from minigan.vision import transforms

MNIST_DIR = os.environ.get("MINIGAN_DATA_DIR", "/work/shared/data/mnist")


def test_dataloader_defaults_and_collate():
    x = minigan.arange(10).float().reshape(5, 2)
    y = minigan.arange(5)
    loader = DataLoader(TensorDataset(x, y), batch_size=2)
    batches = list(loader)
    assert len(loader) == 3 and len(batches) == 3
    np.testing.assert_array_equal(batches[0][0].numpy(), [[0, 1], [2, 3]])
    assert batches[-1][1].tolist() == [4]
    assert len(DataLoader(TensorDataset(x, y), batch_size=2, drop_last=True, num_workers=4)) == 2
    assert len(list(DataLoader(TensorDataset(x)))) == 5          # batch_size=1 by default

    class Pairs(Dataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return np.full((2,), i, dtype=np.float32), i, {"w": 0.5 * i}

    imgs, labels, extra = next(iter(DataLoader(Pairs(), batch_size=3)))
    assert imgs.shape == (3, 2) and imgs.dtype == np.float32
    assert labels.dtype == np.int64 and labels.tolist() == [0, 1, 2]
    assert extra["w"].dtype == np.float64 and extra["w"].tolist() == [0.0, 0.5, 1.0]
    with pytest.raises(TypeError, match="cannot batch"):
        default_collate([object()])


def test_dataloader_shuffle_is_a_seeded_permutation():
    ds = TensorDataset(minigan.arange(20))
    minigan.manual_seed(3)
    a = [v for (b,) in DataLoader(ds, batch_size=4, shuffle=True) for v in b.tolist()]
    minigan.manual_seed(3)
    b = [v for (b,) in DataLoader(ds, batch_size=4, shuffle=True) for v in b.tolist()]
    assert a == b and sorted(a) == list(range(20)) and a != list(range(20))


def test_mnist_items_and_transforms():
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.5])])
    ds = vision.datasets.MNIST(MNIST_DIR, train=False, transform=tf, target_transform=lambda t: t + 100)
    raw = vision.datasets.MNIST(MNIST_DIR, train=False)
    assert len(ds) == 10000
    img, label = raw[0]
    assert img.dtype == np.uint8 and img.shape == (28, 28) and img.max() > 200
    x, t = ds[0]
    assert x.shape == (1, 28, 28) and x.dtype == np.float32 and t == label + 100
    np.testing.assert_allclose(x.numpy()[0], (img / 255.0 - 0.5) / 0.5, atol=1e-6)
    images, labels = next(iter(DataLoader(ds, batch_size=8)))
    assert images.shape == (8, 1, 28, 28) and labels.dtype == np.int64


def test_resize_nearest_and_bilinear_against_loops():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (5, 7)).astype(np.uint8)
    near = transforms.Resize((10, 14), interpolation="nearest")(a)
    want = np.array([[a[i * 5 // 10, j * 7 // 14] for j in range(14)] for i in range(10)])
    np.testing.assert_array_equal(near, want)
    f = a.astype(np.float64)
    out = transforms.Resize((8, 9))(minigan.tensor(f[None]))
    want = np.empty((8, 9))
    for i in range(8):
        for j in range(9):
            sy, sx = max((i + 0.5) * 5 / 8 - 0.5, 0), max((j + 0.5) * 7 / 9 - 0.5, 0)
            y0, x0 = int(sy), int(sx)
            y1, x1 = min(y0 + 1, 4), min(x0 + 1, 6)
            dy, dx = sy - y0, sx - x0
            want[i, j] = (f[y0, x0] * (1 - dy) * (1 - dx) + f[y0, x1] * (1 - dy) * dx
                          + f[y1, x0] * dy * (1 - dx) + f[y1, x1] * dy * dx)
    np.testing.assert_allclose(out.numpy()[0], want, rtol=1e-12)
    assert transforms.Resize(32)(a).shape == (32, int(32 * 7 / 5))


def test_make_grid_layout_and_save_image(tmp_path):
    x = minigan.tensor(np.arange(5 * 4, dtype=np.float32).reshape(5, 1, 2, 2))
    grid = vision.utils.make_grid(x, nrow=3, padding=1, pad_value=-1)
    assert grid.shape == (3, 2 * 3 + 1, 3 * 3 + 1)           # torchvision: 3 channels, rows of nrow
    g = grid.numpy()
    np.testing.assert_array_equal(g[0, 1:3, 1:3], x.numpy()[0, 0])
    np.testing.assert_array_equal(g[2, 4:6, 4:6], x.numpy()[4, 0])   # image 4: row 1, column 1
    assert g[0, 0, 0] == -1
    norm = vision.utils.make_grid(x, normalize=True, value_range=(0, 19)).numpy()
    assert norm.max() == 1.0 and norm[:, 2:4, 2:4].min() == 0.0
    path = tmp_path / "grid.png"
    vision.utils.save_image(x / 19, path, nrow=3)
    import matplotlib.image
    assert matplotlib.image.imread(path).shape[:2] == (2 * 4 + 2, 3 * 4 + 2)
