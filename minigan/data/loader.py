"""DataLoader: cut a dataset into (shuffled) mini-batches of minigan Tensors.

The whole dataset is copied to the backend (the GPU, with CuPy) once and cached there;
every batch is then a slice or a fancy-index take of that device array. Copying batch by
batch from host memory would cost one host-to-device transfer per step, which for small
models like the course's GANs is slower than the step itself.
"""
import numpy

from .. import backend as _backend
from ..tensor import Tensor, as_tensor


def _as_array(x, what):
    if isinstance(x, Tensor):
        return x.array
    if hasattr(x, "shape") and hasattr(x, "dtype"):     # numpy or cupy array
        return x
    try:
        return numpy.asarray(x)
    except Exception:
        raise TypeError(f"DataLoader: {what} must be an array, got {type(x).__name__}") from None


class DataLoader:
    """Iterate over ``dataset`` in mini-batches.

    Arguments:
        dataset: one of
            - an object with ``images`` and ``labels`` arrays (e.g. :class:`MNIST`),
            - a tuple ``(images, labels)`` of arrays with the same first dimension,
            - a single array (e.g. 2-D points); then each batch is one Tensor, not a pair.
        batch_size: examples per batch (a positive integer).
        shuffle: draw a new random order at the start of every epoch.
        drop_last: drop the last batch when it is smaller than ``batch_size``.
        seed: seed of this loader's own ``numpy.random.Generator``. With ``None`` the seed is
            drawn from minigan's NumPy generator when the loader is created, so
            ``minigan.manual_seed(s)`` before creating the loader makes the order reproducible.
        backend: ``"numpy"`` or ``"cupy"``; ``None`` means the active backend at iteration time.

    Each iteration (one epoch) yields ``(images, labels)``: images a Tensor of shape
    ``(B, 1, 28, 28)`` (in general ``(B, *example shape)``) with the dataset's dtype, labels an
    int64 Tensor ``(B,)``; ``B = batch_size`` except perhaps for the last batch.
    ``len(loader)`` is the number of batches per epoch.
    """

    def __init__(self, dataset, batch_size=128, shuffle=True, drop_last=False, seed=None,
                 backend=None):
        if (not isinstance(batch_size, (int, numpy.integer)) or isinstance(batch_size, bool)
                or batch_size < 1):
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got {batch_size!r}")
        if backend is not None:
            backend = _backend._check_name(backend)
        if seed is not None and (not isinstance(seed, (int, numpy.integer)) or isinstance(seed, bool)
                                 or seed < 0):
            raise ValueError(f"DataLoader: seed must be a non-negative integer or None, got {seed!r}")

        if hasattr(dataset, "images") and hasattr(dataset, "labels"):
            images, labels = dataset.images, dataset.labels
        elif isinstance(dataset, (tuple, list)):
            if len(dataset) != 2:
                raise ValueError(f"DataLoader: a tuple dataset must be (images, labels), got "
                                 f"{len(dataset)} items")
            images, labels = dataset
        else:
            images, labels = dataset, None
        self._images = _as_array(images, "images")
        self._labels = None if labels is None else _as_array(labels, "labels")
        if self._images.ndim == 0:
            raise ValueError("DataLoader: the dataset must be an array of examples (first "
                             "dimension = example), got a 0-d array")
        n = len(self._images)
        if self._labels is not None:
            if self._labels.ndim == 0 or len(self._labels) != n:
                raise ValueError(f"DataLoader: {n} images but labels of shape "
                                 f"{tuple(self._labels.shape)}; they must have the same length")
            if self._labels.dtype.kind in "iub" and self._labels.dtype != numpy.int64:
                self._labels = self._labels.astype(numpy.int64)   # what the losses expect
        if n == 0:
            raise ValueError("DataLoader: the dataset is empty")

        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.backend = backend
        if seed is None:
            # a seed drawn from minigan's generator: manual_seed makes it reproducible, and
            # the loader then owns its stream, so the model's random draws do not change it
            seed = int(_backend.generator("numpy").integers(2 ** 63))
        self.seed = int(seed)
        self._rng = numpy.random.default_rng(self.seed)
        self._epoch = 0          # epochs started
        self._device = {}        # backend name -> (images, labels) on that backend

    def __len__(self):
        n, b = len(self._images), self.batch_size
        return n // b if self.drop_last else -(-n // b)

    @property
    def num_examples(self):
        return len(self._images)

    def _on(self, name):
        """The dataset on backend ``name``, copied there on first use and then cached."""
        if name not in self._device:
            imgs = _backend.to_backend(self._images, name)
            labs = None if self._labels is None else _backend.to_backend(self._labels, name)
            self._device[name] = (imgs, labs)
        return self._device[name]

    def __iter__(self):
        name = self.backend or _backend.get_backend()
        images, labels = self._on(name)
        xp = _backend.get_module(name)
        n, b = len(images), self.batch_size
        order = None
        if self.shuffle:
            # drawn when the epoch starts (not lazily), so state_dict() taken at any point of
            # this epoch already describes the next one
            order = xp.asarray(self._rng.permutation(n))
        self._epoch += 1
        return self._batches(images, labels, order, n, b)

    def _batches(self, images, labels, order, n, b):
        stop = n - n % b if self.drop_last else n
        for start in range(0, stop, b):
            if order is None:
                # copy: a student changing a batch in place must not change the dataset
                idx = slice(start, min(start + b, n))
                x = images[idx].copy()
                y = None if labels is None else labels[idx].copy()
            else:
                idx = order[start:start + b]
                x = images[idx]
                y = None if labels is None else labels[idx]
            yield as_tensor(x) if y is None else (as_tensor(x), as_tensor(y))

    # ---------------------------------------------------------------- checkpoints
    def state_dict(self):
        """What is needed to resume the shuffling exactly: a plain dict.

        It holds the generator state *from which the next epoch's order will be drawn*. Every
        epoch draws its order when it starts, so the state taken between two epochs (the
        usual place for a checkpoint) or anywhere inside an epoch is the start of the next
        epoch: after ``load_state_dict`` the next ``for batch in loader`` gives exactly the
        epoch that would have come next. A checkpoint taken mid-epoch therefore resumes at
        the start of the following epoch, not in the middle of the current one.
        """
        return {"rng_state": self._rng.bit_generator.state, "epoch": self._epoch,
                "num_examples": len(self._images), "batch_size": self.batch_size,
                "shuffle": self.shuffle, "seed": self.seed}

    def load_state_dict(self, state):
        """Restore a :meth:`state_dict`; the next epoch repeats the one it described."""
        if not isinstance(state, dict) or "rng_state" not in state:
            raise ValueError("DataLoader.load_state_dict: expected a dict from state_dict(), got "
                             f"{type(state).__name__}")
        if state.get("num_examples", len(self._images)) != len(self._images):
            raise ValueError(f"DataLoader.load_state_dict: the state was saved for a dataset of "
                             f"{state['num_examples']} examples, this loader has {len(self._images)}; "
                             "the shuffled order would not be the same")
        rng = numpy.random.default_rng()
        rng.bit_generator.state = state["rng_state"]   # validates the dict
        self._rng = rng
        self._epoch = int(state.get("epoch", 0))
        self.seed = state.get("seed", self.seed)

    def __repr__(self):
        return (f"DataLoader({len(self._images)} examples, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last}, {len(self)} batches)")
