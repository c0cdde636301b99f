"""minigan.data: the IDX reader/writer, MNIST/FashionMNIST, the DataLoader, the toy ring."""
import gzip
import os
from pathlib import Path

import numpy as np
import pytest

import minigan
from minigan.data import (MNIST, DataLoader, DatasetNotFoundError, FashionMNIST, count_modes,
                          mode_centers, read_idx, ring_of_gaussians, write_idx)

from .helpers import mnist_dir


REAL_MNIST = mnist_dir()
needs_mnist = pytest.mark.skipif(REAL_MNIST is None, reason="real MNIST not found (set "
                                 "MINIGAN_DATA_DIR or put it in ../shared/data/mnist)")
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")


@pytest.fixture
def isolated_env(tmp_path, monkeypatch):
    """No MINIGAN_DATA_DIR, and a per-user cache in tmp, so the real machine's data is unseen."""
    monkeypatch.delenv("MINIGAN_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


def make_fake_mnist(folder, n_train=12, n_test=7, seed=0, gz=True):
    """Small MNIST-shaped IDX files; returns {split: (uint8 images, uint8 labels)}."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for split, prefix, n in (("train", "train", n_train), ("test", "t10k", n_test)):
        imgs = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        imgs[0, 0, 0], imgs[0, 0, 1] = 0, 255      # the full range is present
        labs = rng.integers(0, 10, size=n, dtype=np.uint8)
        ext = ".gz" if gz else ""
        write_idx(folder / f"{prefix}-images-idx3-ubyte{ext}", imgs)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte{ext}", labs)
        out[split] = (imgs, labs)
    return out


# ---------------------------------------------------------------------------- IDX
@pytest.mark.parametrize("name", ["a-idx3-ubyte", "a-idx3-ubyte.gz"])
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
def test_idx_round_trip(tmp_path, name, dtype):
    a = (np.arange(2 * 3 * 5) - 7).reshape(2, 3, 5).astype(dtype)
    write_idx(tmp_path / name, a)
    b = read_idx(tmp_path / name)
    assert b.dtype == np.dtype(dtype) and b.shape == (2, 3, 5)
    np.testing.assert_array_equal(a, b)
    b[0, 0, 0] = 1      # a writable array of its own
    raw = (tmp_path / name).read_bytes()
    assert (raw[:2] == b"\x1f\x8b") == name.endswith(".gz")
    assert os.listdir(tmp_path) == [name]   # no temp file left behind


def test_idx_header_bytes_are_standard(tmp_path):
    write_idx(tmp_path / "l", np.array([7, 2, 1], dtype=np.uint8))
    assert (tmp_path / "l").read_bytes() == bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1])


def test_write_idx_rejects_unsupported_dtype(tmp_path):
    with pytest.raises(ValueError, match="int64"):
        write_idx(tmp_path / "x", np.zeros(3, dtype=np.int64))
    assert os.listdir(tmp_path) == []


def _mnist_like_bytes(n=5, rows=28, cols=28):
    return bytes([0, 0, 8, 3]) + np.array([n, rows, cols], ">u4").tobytes() + bytes(n * rows * cols)


@pytest.mark.parametrize("gz", [False, True])
def test_idx_truncated(tmp_path, gz):
    name = "train-images-idx3-ubyte" + (".gz" if gz else "")
    data = _mnist_like_bytes()[:16 + 1000]
    (tmp_path / name).write_bytes(gzip.compress(data) if gz else data)
    with pytest.raises(ValueError) as e:
        read_idx(tmp_path / name)
    msg = str(e.value)
    assert name in msg
    assert "5*28*28 = 3920 bytes" in msg and "16-byte header" in msg and "found 1000" in msg
    assert "truncated" in msg


def test_idx_too_long(tmp_path):
    (tmp_path / "f").write_bytes(_mnist_like_bytes() + b"xyz")
    with pytest.raises(ValueError, match=r"f: expected .*found 3923 \(3 bytes too many"):
        read_idx(tmp_path / "f")


def test_idx_truncated_header(tmp_path):
    (tmp_path / "f").write_bytes(_mnist_like_bytes()[:10])
    with pytest.raises(ValueError, match="16 bytes.*only 10 bytes.*truncated"):
        read_idx(tmp_path / "f")


@pytest.mark.parametrize("start", [b"\x01\x00\x08\x03", b"\x00\x00\x07\x03", b"\x00\x00\x08\x00", b"PK\x03\x04"])
def test_idx_wrong_magic(tmp_path, start):
    (tmp_path / "bad-idx3-ubyte").write_bytes(start + _mnist_like_bytes()[4:])
    with pytest.raises(ValueError) as e:
        read_idx(tmp_path / "bad-idx3-ubyte")
    msg = str(e.value)
    assert "bad-idx3-ubyte" in msg and "magic" in msg
    assert " ".join(f"{b:02x}" for b in start) in msg        # what was given
    assert "00 00 08 03" in msg                               # what was expected


def test_idx_empty_file(tmp_path):
    (tmp_path / "e").write_bytes(b"")
    with pytest.raises(ValueError, match="e: .*only 0 bytes"):
        read_idx(tmp_path / "e")


def test_idx_corrupt_gzip(tmp_path):
    good = gzip.compress(_mnist_like_bytes())
    (tmp_path / "cut.gz").write_bytes(good[:len(good) // 2])          # cut-off download
    flipped = bytearray(good)
    flipped[-6] ^= 0xFF                                               # CRC/length trailer damaged
    (tmp_path / "crc.gz").write_bytes(bytes(flipped))
    (tmp_path / "notgz.gz").write_bytes(b"<html>404 Not Found</html>")  # an error page saved as .gz
    for name in ("cut.gz", "crc.gz"):
        with pytest.raises(ValueError, match=f"{name}: this gzip file is corrupt"):
            read_idx(tmp_path / name)
    with pytest.raises(ValueError, match="notgz.gz: the name ends in .gz but this is not a gzip file"):
        read_idx(tmp_path / "notgz.gz")


def test_idx_gz_name_with_raw_content_is_read(tmp_path):
    # browsers sometimes un-gzip a download but keep the .gz name
    (tmp_path / "x.gz").write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 2, 4, 5]))
    np.testing.assert_array_equal(read_idx(tmp_path / "x.gz"), [4, 5])


# ---------------------------------------------------------------------------- MNIST (real)
@needs_mnist
def test_real_mnist_through_env_var(isolated_env, monkeypatch):
    monkeypatch.setenv("MINIGAN_DATA_DIR", str(REAL_MNIST))
    test = MNIST(split="test", download=False)
    train = MNIST(split="train", download=False)
    assert len(train) == 22699 and len(test) == 10000
    assert train.root == REAL_MNIST and test.split == "test"
    for ds in (train, test):
        assert ds.images.shape == (len(ds), 1, 28, 28) and ds.images.dtype == np.float32
        assert ds.labels.shape == (len(ds),) and ds.labels.dtype == np.int64
        assert ds.images.min() == -1.0 and ds.images.max() == 1.0
        assert set(np.unique(ds.labels).tolist()) == set(range(10))
        assert ds.classes == [str(d) for d in range(10)]
    assert test.labels[0] == 7 and train.labels[0] == 5
    assert test.labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    img, label = test[0]
    assert img.shape == (1, 28, 28) and label == 7 and isinstance(label, int)
    # pixel scaling: 0 -> -1, and the (known) border of a digit is background
    assert (img[0, 0, :] == -1.0).all()
    # the train file is a prefix of the official set: its mean digit intensity is known
    assert abs(float(train.images.mean()) - (0.1307 * 2 - 1)) < 0.01


@needs_mnist
def test_real_mnist_limit_and_subset(isolated_env):
    ds = MNIST(REAL_MNIST, split="test", download=False, limit=100)
    assert len(ds) == 100 and ds.images.shape == (100, 1, 28, 28)
    sub = ds.subset(10)
    assert len(sub) == 10 and len(ds) == 100
    np.testing.assert_array_equal(sub.labels, [7, 2, 1, 0, 4, 1, 4, 9, 5, 9])
    with pytest.raises(ValueError, match="positive integer"):
        ds.subset(0)
    with pytest.raises(ValueError, match="positive integer"):
        MNIST(REAL_MNIST, split="test", download=False, limit=-5)


@pytest.mark.skipif(not (FASHION_DIR / "t10k-labels-idx1-ubyte.gz").is_file(),
                    reason="Fashion-MNIST not installed (sudo apt-get install dataset-fashion-mnist)")
def test_fashion_mnist_found_in_system_folder(isolated_env, monkeypatch):
    # MINIGAN_DATA_DIR pointing at an MNIST folder must not be read as Fashion-MNIST
    make_fake_mnist(isolated_env / "digits")
    monkeypatch.setenv("MINIGAN_DATA_DIR", str(isolated_env / "digits"))
    ds = FashionMNIST(split="test", download=False)
    assert ds.root == FASHION_DIR and len(ds) == 10000
    assert ds.labels[0] == 9 and ds.classes[9] == "Ankle boot"
    assert ds.images.shape == (10000, 1, 28, 28) and ds.images.min() == -1 and ds.images.max() == 1


# ---------------------------------------------------------------------------- MNIST (fake files)
@pytest.mark.parametrize("gz", [True, False])
def test_mnist_reads_root_exactly(isolated_env, gz):
    raw = make_fake_mnist(isolated_env / "m", gz=gz)
    for split in ("train", "test"):
        ds = MNIST(root=isolated_env / "m", split=split, download=False)
        imgs, labs = raw[split]
        np.testing.assert_array_equal(ds.images[:, 0], imgs.astype(np.float32) / 127.5 - 1)
        np.testing.assert_array_equal(ds.labels, labs)
        assert ds.images.min() == -1.0 and ds.images.max() == 1.0
        suffix = ".gz" if gz else ""
        assert ds.files[0].name.endswith("images-idx3-ubyte" + suffix)


def test_mnist_root_subfolder_and_env_var_subfolder(isolated_env, monkeypatch):
    make_fake_mnist(isolated_env / "data" / "mnist", n_test=3)
    assert len(MNIST(root=isolated_env / "data", split="test", download=False)) == 3
    monkeypatch.setenv("MINIGAN_DATA_DIR", str(isolated_env / "data"))
    ds = MNIST(split="test", download=False)
    assert ds.root == isolated_env / "data" / "mnist" and len(ds) == 3


def test_mnist_per_user_cache(isolated_env):
    make_fake_mnist(isolated_env / "cache" / "minigan" / "mnist", n_test=4)
    assert len(MNIST(split="test", download=False)) == 4


def test_mnist_only_one_split_present(isolated_env):
    folder = isolated_env / "m"
    make_fake_mnist(folder, n_test=4)
    for f in folder.glob("train-*"):
        f.unlink()
    assert len(MNIST(folder, split="test", download=False)) == 4
    with pytest.raises(DatasetNotFoundError, match="train split"):
        MNIST(folder, split="train", download=False)


def test_mnist_count_mismatch_names_both_files(isolated_env):
    folder = isolated_env / "m"
    make_fake_mnist(folder, n_test=4)
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", np.zeros(5, dtype=np.uint8))
    with pytest.raises(ValueError) as e:
        MNIST(folder, split="test", download=False)
    msg = str(e.value)
    assert "t10k-images-idx3-ubyte.gz" in msg and "t10k-labels-idx1-ubyte.gz" in msg
    assert "4 images" in msg and "5 labels" in msg


def test_mnist_rejects_wrong_image_shape_and_labels(isolated_env):
    folder = isolated_env / "m"
    make_fake_mnist(folder)
    write_idx(folder / "t10k-images-idx3-ubyte.gz", np.zeros((7, 32, 32), dtype=np.uint8))
    with pytest.raises(ValueError, match=r"t10k-images.*\(N, 28, 28\).*\(7, 32, 32\)"):
        MNIST(folder, split="test", download=False)
    write_idx(folder / "train-labels-idx1-ubyte.gz", np.full(12, 10, dtype=np.uint8))
    with pytest.raises(ValueError, match="label 10"):
        MNIST(folder, split="train", download=False)


def test_bad_split():
    with pytest.raises(ValueError, match="'train' or 'test'"):
        MNIST(split="validation", download=False)


def test_not_found_message_lists_places_and_fixes(isolated_env, monkeypatch):
    empty = isolated_env / "empty"
    empty.mkdir()
    with pytest.raises(DatasetNotFoundError) as e:
        MNIST(root=empty, split="train", download=False)
    msg = str(e.value)
    assert isinstance(e.value, FileNotFoundError)
    assert str(empty) in msg and "train-images-idx3-ubyte" in msg
    assert "download=False" in msg and "MINIGAN_DATA_DIR" in msg and "root=" in msg

    monkeypatch.setenv("MINIGAN_DATA_DIR", str(empty))
    with pytest.raises(DatasetNotFoundError) as e:
        MNIST(split="test", download=False)
    msg = str(e.value)
    assert "t10k-images-idx3-ubyte" in msg
    assert str(empty) in msg and str(isolated_env / "cache" / "minigan" / "mnist") in msg
    assert msg.count("does not exist") == 2     # empty/mnist and the cache; empty/ itself exists


def test_fashion_not_found_mentions_apt(isolated_env, monkeypatch):
    monkeypatch.setattr(FashionMNIST, "system_dirs", (str(isolated_env / "nowhere"),))
    with pytest.raises(DatasetNotFoundError, match="apt-get install dataset-fashion-mnist"):
        FashionMNIST(split="test", download=False)


def test_fashion_ignores_mnist_files_directly_in_env_dir(isolated_env, monkeypatch):
    make_fake_mnist(isolated_env / "digits")
    make_fake_mnist(isolated_env / "digits" / "fashion-mnist", n_test=2)
    monkeypatch.setenv("MINIGAN_DATA_DIR", str(isolated_env / "digits"))
    assert len(FashionMNIST(split="test", download=False)) == 2
    assert len(MNIST(split="test", download=False)) == 7


# ---------------------------------------------------------------------------- DataLoader
def _toy_dataset(n=10):
    images = np.arange(n * 4, dtype=np.float32).reshape(n, 1, 2, 2)
    labels = np.arange(n, dtype=np.uint8)
    return images, labels


def test_loader_batches_and_last_partial():
    images, labels = _toy_dataset(10)
    loader = DataLoader((images, labels), batch_size=4, shuffle=False)
    assert len(loader) == 3
    batches = list(loader)
    assert [tuple(x.shape) for x, _ in batches] == [(4, 1, 2, 2), (4, 1, 2, 2), (2, 1, 2, 2)]
    x, y = batches[-1]
    assert isinstance(x, minigan.Tensor) and isinstance(y, minigan.Tensor)
    assert x.dtype == np.float32 and y.dtype == np.int64
    assert y.tolist() == [8, 9]
    np.testing.assert_array_equal(x.numpy(), images[8:])

    dl = DataLoader((images, labels), batch_size=4, shuffle=False, drop_last=True)
    assert len(dl) == 2 and [y.tolist() for _, y in dl] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(DataLoader((images, labels), batch_size=5, drop_last=True)) == 2
    assert len(DataLoader((images, labels), batch_size=11, drop_last=True)) == 0


def test_loader_batches_do_not_alias_the_dataset():
    images, labels = _toy_dataset(4)
    x, _ = next(iter(DataLoader((images, labels), batch_size=2, shuffle=False)))
    x.array[...] = -5
    assert images.min() == 0


def test_loader_shuffle_covers_every_index_once_and_is_reproducible():
    images, labels = _toy_dataset(103)
    a = DataLoader((images, labels), batch_size=10, seed=3)
    b = DataLoader((images, labels), batch_size=10, seed=3)
    epochs_a = [np.concatenate([y.numpy() for _, y in a]) for _ in range(2)]
    epochs_b = [np.concatenate([y.numpy() for _, y in b]) for _ in range(2)]
    for ea, eb in zip(epochs_a, epochs_b):
        np.testing.assert_array_equal(ea, eb)
        assert sorted(ea.tolist()) == list(range(103))
    assert not np.array_equal(epochs_a[0], epochs_a[1])      # a new order each epoch
    assert not np.array_equal(epochs_a[0], np.arange(103))   # actually shuffled
    # images and labels stay paired
    for x, y in DataLoader((images, labels), batch_size=7, seed=1):
        np.testing.assert_array_equal(x.numpy()[:, 0, 0, 0], y.numpy() * 4)


def test_loader_seed_none_follows_manual_seed():
    images, labels = _toy_dataset(50)
    orders = []
    for _ in range(2):
        minigan.manual_seed(123)
        loader = DataLoader((images, labels), batch_size=50)
        orders.append(next(iter(loader))[1].tolist())
    assert orders[0] == orders[1]
    minigan.manual_seed(124)
    assert next(iter(DataLoader((images, labels), batch_size=50)))[1].tolist() != orders[0]


def test_loader_state_dict_resumes_next_epoch_exactly():
    images, labels = _toy_dataset(37)
    ref = DataLoader((images, labels), batch_size=8, seed=11)
    list(ref)                                   # epoch 1
    state = ref.state_dict()
    epoch2 = [y.tolist() for _, y in ref]

    other = DataLoader((images, labels), batch_size=8, seed=999)   # a different stream...
    other.load_state_dict(state)                                   # ...until restored
    assert [y.tolist() for _, y in other] == epoch2
    assert other.state_dict()["epoch"] == 2

    # taken mid-epoch, the state already describes the next epoch
    mid = DataLoader((images, labels), batch_size=8, seed=11)
    it = iter(mid)
    next(it)
    resumed = DataLoader((images, labels), batch_size=8, seed=0)
    resumed.load_state_dict(mid.state_dict())
    assert [y.tolist() for _, y in resumed] == epoch2

    with pytest.raises(ValueError, match="37 examples"):
        DataLoader(_toy_dataset(36), batch_size=8).load_state_dict(state)


def test_loader_accepts_dataset_objects_and_single_arrays():
    class DS:
        images, labels = _toy_dataset(6)
    x, y = next(iter(DataLoader(DS(), batch_size=6, shuffle=False)))
    assert x.shape == (6, 1, 2, 2) and y.tolist() == list(range(6))

    points = ring_of_gaussians(9, seed=0)
    batches = list(DataLoader(points, batch_size=4, shuffle=False))
    assert all(isinstance(b, minigan.Tensor) for b in batches)
    assert [b.shape for b in batches] == [(4, 2), (4, 2), (1, 2)]
    np.testing.assert_array_equal(np.concatenate([b.numpy() for b in batches]), points)


@pytest.mark.parametrize("bs", [0, -1, 2.5, "8", True, None])
def test_loader_rejects_bad_batch_size(bs):
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        DataLoader(_toy_dataset(4), batch_size=bs)


def test_loader_rejects_mismatched_lengths_and_bad_backend():
    images, labels = _toy_dataset(4)
    with pytest.raises(ValueError, match="same length"):
        DataLoader((images, labels[:3]))
    with pytest.raises(ValueError, match="unknown backend"):
        DataLoader((images, labels), backend="torch")


def test_loader_moves_data_to_backend_once():
    images, labels = _toy_dataset(20)
    loader = DataLoader((images, labels), batch_size=5, backend="numpy")
    list(loader)
    cached = loader._on("numpy")
    list(loader)
    assert loader._on("numpy") is cached and len(loader._device) == 1


@needs_mnist
def test_loader_on_real_mnist(isolated_env):
    ds = MNIST(REAL_MNIST, split="test", download=False)
    loader = DataLoader(ds, batch_size=128, seed=0)
    assert len(loader) == 79
    x, y = next(iter(loader))
    assert x.shape == (128, 1, 28, 28) and x.dtype == np.float32 and y.dtype == np.int64


# ---------------------------------------------------------------------------- toy ring
def test_mode_centers():
    c = mode_centers(8, 2.0)
    assert c.shape == (8, 2) and c.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(c, axis=1), 2.0, rtol=1e-6)
    np.testing.assert_allclose(c[0], [2, 0], atol=1e-6)
    np.testing.assert_allclose(c[2], [0, 2], atol=1e-6)


def test_ring_points_near_their_centers():
    pts, modes = ring_of_gaussians(4000, seed=0, return_modes=True)
    assert pts.shape == (4000, 2) and pts.dtype == np.float32 and modes.dtype == np.int64
    d = np.linalg.norm(pts - mode_centers()[modes], axis=1)
    assert d.max() < 0.02 * 6
    assert abs(d.mean() - 0.02 * np.sqrt(np.pi / 2)) < 0.001     # Rayleigh mean
    assert np.bincount(modes, minlength=8).min() > 400           # each mode ~500
    np.testing.assert_array_equal(ring_of_gaussians(10, seed=5), ring_of_gaussians(10, seed=5))


def test_count_modes_real_vs_collapsed():
    real = ring_of_gaussians(2500, seed=1)
    cov = count_modes(real)
    assert cov.modes == 8
    assert 0.97 < cov.high_quality <= 1.0
    assert cov.counts.sum() == round(cov.high_quality * 2500)

    rng = np.random.default_rng(2)
    one = (mode_centers()[3] + 0.02 * rng.standard_normal((2500, 2))).astype(np.float32)
    cov = count_modes(one)
    assert cov.modes == 1 and cov.counts[3] == cov.counts.sum() and cov.counts[3] > 2400

    # a few stray samples do not count as coverage by default, but do with min_count=1
    few = np.concatenate([one, mode_centers()[5] + 0.02 * rng.standard_normal((3, 2))])
    assert count_modes(few).modes == 1 and count_modes(few, min_count=1).modes == 2

    # points between the modes are not high quality
    off = np.zeros((100, 2), np.float32)
    cov = count_modes(off)
    assert cov.modes == 0 and cov.high_quality == 0.0 and cov.counts.sum() == 0


def test_count_modes_accepts_tensors():
    pts = ring_of_gaussians(800, seed=4)
    assert count_modes(minigan.tensor(pts)).modes == count_modes(pts).modes == 8
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        count_modes(np.zeros((5, 3)))


# ---------------------------------------------------------------------------- CuPy
needs_gpu = pytest.mark.skipif(not minigan.cupy_available(),
                               reason="needs CuPy and a working NVIDIA GPU")


@pytest.mark.cupy
@needs_gpu
def test_loader_on_cupy_matches_numpy_order():
    images, labels = _toy_dataset(10)
    cpu = [(x.numpy(), y.numpy()) for x, y in DataLoader((images, labels), batch_size=4, seed=7)]
    gpu_loader = DataLoader((images, labels), batch_size=4, seed=7, backend="cupy")
    gpu = list(gpu_loader)
    assert all(x.backend == "cupy" and y.backend == "cupy" for x, y in gpu)
    assert gpu[0][1].dtype == np.int64 and gpu[0][0].dtype == np.float32
    for (xc, yc), (xg, yg) in zip(cpu, gpu):
        np.testing.assert_array_equal(xc, xg.numpy())
        np.testing.assert_array_equal(yc, yg.numpy())
    # the dataset went to the GPU once, and stays there for the next epoch
    cached = gpu_loader._on("cupy")
    list(gpu_loader)
    assert gpu_loader._on("cupy") is cached and type(cached[0]).__module__.startswith("cupy")


@pytest.mark.cupy
@needs_gpu
def test_loader_follows_active_backend_and_count_modes_takes_gpu_tensors():
    minigan.set_backend("cupy")
    pts = ring_of_gaussians(400, seed=0)
    batch = next(iter(DataLoader(pts, batch_size=400, shuffle=False)))
    assert batch.backend == "cupy"
    assert count_modes(batch).modes == count_modes(pts).modes == 8
