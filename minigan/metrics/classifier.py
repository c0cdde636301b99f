"""The shipped feature network: load it, train it again, and run it over many images.

FID, the Inception score, precision and recall are only comparable between people who use
the same network, so minigan ships its trained weights (``weights/<dataset>_classifier.npz``)
with a record beside them (``.json``: the file's sha256, the test accuracy it reached, the
command that trained it). :func:`load_classifier` refuses a weights file whose checksum does
not match its record.

Images go in exactly as the GANs produce them: float (N, 1, 28, 28) in the tanh range [-1, 1]
(MNIST's bytes x map to x / 127.5 - 1).
"""
import hashlib
import json
import math
import time
from pathlib import Path

import numpy

from .. import backend
from ..autograd import no_grad
from ..models.classifier import MNISTClassifier
from ..tensor import Tensor

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
DATASETS = ("mnist", "fashion-mnist")
# The recipes: Adam, the learning rate falling linearly to 0, random shifts of up to max_shift
# pixels. Fashion-MNIST's clothes fill more of the frame than digits do, so it shifts by 1
# and adds horizontal flips (a mirrored shirt or shoe is still one; a mirrored 2 or 7 is no digit),
# and trains longer on its 60,000 images: its classes are harder to separate than digits.
RECIPES = {"mnist": dict(epochs=6, batch_size=64, lr=1e-3, max_shift=2, hflip=False),
           "fashion-mnist": dict(epochs=10, batch_size=64, lr=1e-3, max_shift=1, hflip=True)}


def weights_path(dataset="mnist"):
    _check_dataset(dataset)
    return WEIGHTS_DIR / f"{dataset.replace('-', '_')}_classifier.npz"


def record_path(dataset="mnist"):
    return weights_path(dataset).with_suffix(".json")


def _check_dataset(dataset):
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}: the classifier exists for {', '.join(DATASETS)}")


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_images(images, what="images"):
    """``images`` as an array (N, 1, 28, 28) in [-1, 1], or a ValueError saying what is wrong."""
    arr = images.array if isinstance(images, Tensor) else images
    if not hasattr(arr, "shape") or not hasattr(arr, "dtype"):
        raise TypeError(f"{what}: expected an array or Tensor of images, got {type(images).__name__}")
    if arr.ndim == 2 and arr.shape[1] == 784:        # the MLP generator's flat output
        arr = arr.reshape(-1, 1, 28, 28)
    if arr.ndim != 4 or tuple(arr.shape[1:]) != (1, 28, 28):
        raise ValueError(f"{what}: expected images of shape (N, 1, 28, 28) (or flat (N, 784)), got "
                         f"{tuple(arr.shape)}")
    if arr.dtype.kind != "f":
        raise ValueError(f"{what}: expected float images in [-1, 1] (the generator's tanh range), got "
                         f"dtype {arr.dtype}; bytes 0..255 map to x / 127.5 - 1")
    if len(arr):
        lo, hi = float(arr.min()), float(arr.max())
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise ValueError(f"{what}: the images hold NaN or inf values")
        if lo < -1.001 or hi > 1.001:
            raise ValueError(f"{what}: expected pixel values in [-1, 1] (the generator's tanh range), got "
                             f"values from {lo:.4g} to {hi:.4g}; bytes 0..255 map to x / 127.5 - 1")
    return arr


def classify(model, images, batch_size=500):
    """(features, probabilities) of ``images`` as float64 arrays on the model's backend:
    features (N, 500) from the penultimate layer, probabilities (N, 10) by softmax."""
    from ..functional import softmax
    arr = check_images(images)
    name = model.head.weight.backend
    arr = backend.to_backend(arr, name).astype(model.head.weight.dtype, copy=False)
    xp = backend.get_module(name)
    feats, probs = [], []
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            for start in range(0, len(arr), batch_size):
                f = model.features(Tensor(arr[start:start + batch_size]))
                feats.append(f.array.astype(xp.float64))
                probs.append(softmax(model.head(f), dim=1).array.astype(xp.float64))
    finally:
        model.train(was_training)
    if not feats:
        return xp.zeros((0, model.head.in_features)), xp.zeros((0, model.head.out_features))
    return xp.concatenate(feats), xp.concatenate(probs)


def accuracy(model, images, labels, batch_size=500):
    """Share of ``images`` whose most probable class is ``labels`` (0..1)."""
    _, probs = classify(model, images, batch_size)
    labels = backend.to_backend(numpy.asarray(backend.to_numpy(labels)), backend.backend_of(probs))
    return float((probs.argmax(axis=1) == labels).mean())


# --------------------------------------------------------------------------- load and save
def save_classifier(model, path, record):
    """Write the weights (``path``, .npz) and the record (same name, .json) with their sha256."""
    path = Path(path)
    state = {k: backend.to_numpy(v.array) for k, v in model.state_dict().items()}
    with open(path, "wb") as f:
        numpy.savez_compressed(f, **state)
    record = dict(record, sha256=sha256(path), file=path.name)
    path.with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n")
    return record


def read_record(dataset="mnist"):
    path = record_path(dataset)
    if not path.is_file():
        raise FileNotFoundError(f"no shipped {dataset} classifier: {path} is missing (train one with "
                                f"'minigan evaluate train-classifier --dataset {dataset}')")
    return json.loads(path.read_text())


def load_classifier(dataset="mnist", backend_name=None, path=None):
    """The trained classifier in eval mode: the shipped one, or the .npz at ``path`` (its .json
    record beside it). The file's sha256 must match its record."""
    if path is None:
        _check_dataset(dataset)
        path, record = weights_path(dataset), read_record(dataset)
    else:
        path = Path(path)
        rec = path.with_suffix(".json")
        if not rec.is_file():
            raise FileNotFoundError(f"{path}: its record {rec.name} (sha256, accuracy) is missing")
        record = json.loads(rec.read_text())
    if not path.is_file():
        raise FileNotFoundError(f"classifier weights {path} are missing")
    got = sha256(path)
    if got != record["sha256"]:
        raise ValueError(f"{path} has sha256 {got}, but its record says {record['sha256']}: the "
                         "weights were changed, and metrics computed with them would not compare")
    with backend.fork_rng():        # its random initial weights are overwritten: leave the run's stream alone
        model = MNISTClassifier()
    with numpy.load(path) as z:
        model.load_state_dict({k: Tensor(z[k]) for k in z.files})
    if backend_name:
        model.to(backend_name)
    return model.eval()


# --------------------------------------------------------------------------- training
def _shift(images, rng, max_shift):
    """Each image moved by its own random (dy, dx) in -max_shift..max_shift, background -1."""
    xp = backend.get_array_module(images)
    n, _, h, w = images.shape
    m = max_shift
    padded = xp.full((n, h + 2 * m, w + 2 * m), -1, dtype=images.dtype)
    padded[:, m:m + h, m:m + w] = images[:, 0]
    dy = xp.asarray(rng.integers(0, 2 * m + 1, n))
    dx = xp.asarray(rng.integers(0, 2 * m + 1, n))
    rows = dy[:, None, None] + xp.arange(h)[None, :, None]
    cols = dx[:, None, None] + xp.arange(w)[None, None, :]
    return padded[xp.arange(n)[:, None, None], rows, cols][:, None]


def _hflip(images, rng):
    """Each image mirrored left-right with probability 1/2."""
    xp = backend.get_array_module(images)
    flip = xp.asarray(rng.random(len(images)) < 0.5)[:, None, None, None]
    return xp.where(flip, images[..., ::-1], images)


def load_split(dataset, split, root=None, limit=None):
    from ..data import MNIST, FashionMNIST
    _check_dataset(dataset)
    ds = (MNIST if dataset == "mnist" else FashionMNIST)(root=root, split=split, download=False)
    return ds.subset(limit) if limit is not None and limit < len(ds) else ds


def train_classifier(dataset="mnist", seed=0, root=None, limit=None, backend_name="numpy", epochs=None,
                     log=print):
    """Train the classifier with the shipped recipe; returns (model, record) where the record
    holds the test accuracy, the number of training images and the seconds it took."""
    from .. import functional as F
    from ..data import DataLoader
    from ..optim import Adam
    _check_dataset(dataset)
    r = dict(RECIPES[dataset], epochs=epochs or RECIPES[dataset]["epochs"])
    train, test = load_split(dataset, "train", root, limit), load_split(dataset, "test", root)
    backend.set_backend(backend_name)
    backend.manual_seed(seed)
    model = MNISTClassifier().to(backend_name)
    opt = Adam(model.parameters(), lr=r["lr"])
    loader = DataLoader(train, batch_size=r["batch_size"], shuffle=True, seed=seed, backend=backend_name)
    rng = numpy.random.default_rng(seed + 1)
    total, step, t0 = r["epochs"] * len(loader), 0, time.perf_counter()
    for epoch in range(1, r["epochs"] + 1):
        model.train()
        loss_sum = 0.0
        for x, y in loader:
            opt.param_groups[0]["lr"] = r["lr"] * (1 - step / total)
            x = Tensor(_shift(x.array, rng, r["max_shift"])) if r["max_shift"] else x
            x = Tensor(_hflip(x.array, rng)) if r["hflip"] else x
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss_sum += float(loss.item())
            step += 1
        acc = accuracy(model, test.images, test.labels)
        log(f"epoch {epoch}/{r['epochs']}  loss {loss_sum / len(loader):.4f}  test accuracy {acc:.4f}  "
            f"({time.perf_counter() - t0:.0f} s)")
    record = dict(dataset=dataset, test_accuracy=acc, test_images=len(test), train_images=len(train),
                  seed=seed, backend=backend_name, seconds=round(time.perf_counter() - t0, 1), recipe=r)
    return model.eval(), record
