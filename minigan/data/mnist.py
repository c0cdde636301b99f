"""MNIST and Fashion-MNIST: find the four IDX files, download them if asked, load them.

Where the files are looked for, in this order (the first folder holding both files of the
requested split wins; each file may be gzip-compressed ``*.gz`` or not):

1. ``root=`` when given: that folder, then its subfolder ``mnist/`` (``fashion-mnist/``).
   Nothing else is searched: an explicit root means "use exactly this".
2. Otherwise ``$MINIGAN_DATA_DIR/mnist/`` (``fashion-mnist/``), and for MNIST also
   ``$MINIGAN_DATA_DIR`` itself, so the variable may point straight at a folder of MNIST
   files. Fashion-MNIST only looks in the subfolder there: a variable pointing at an
   MNIST folder must not make FashionMNIST() silently train on digits.
3. The per-user cache ``$XDG_CACHE_HOME/minigan/mnist`` (default ``~/.cache/minigan/mnist``).
4. Fashion-MNIST only: ``/usr/share/datasets/fashion-mnist``, where Debian's package
   ``dataset-fashion-mnist`` installs it.

Files found are read as they are, without an md5 check: a folder may hold a subset or a
re-packed copy (e.g. only the test split). When nothing is found and ``download=True``,
the official files are fetched from the mirrors in turn into ``root``, else
``$MINIGAN_DATA_DIR/<folder>``, else the cache. Each download goes to a hidden temporary
file in that folder, its md5 is checked against the official sum, and only then is it
renamed to its final name, so an interrupted or corrupt download never leaves a file that
looks valid later.
"""
import copy
import hashlib
import os
import sys
import urllib.request
from pathlib import Path

import numpy

from .idx import read_idx
from ..serialization import atomic_write

SPLITS = ("train", "test")


class DatasetNotFoundError(FileNotFoundError):
    """The dataset files are not on this machine and could not be downloaded.

    The message lists every folder searched, every download tried, and how to provide the
    files.
    """


class _Gone(Exception):
    """One download attempt failed (the reason is the message); the next mirror is tried."""


def download_file(url, dest, md5=None, timeout=30.0):
    """Download ``url`` to the file ``dest``, atomically, checking its md5 when given.

    The bytes go to a hidden temporary file next to ``dest`` (same folder, so the final
    rename is atomic); a short read, a network error or an md5 mismatch deletes it and
    raises, so ``dest`` only ever appears complete and verified.
    """
    h = hashlib.md5()
    received = 0
    with atomic_write(dest) as f, urllib.request.urlopen(url, timeout=timeout) as response:
        announced = response.headers.get("Content-Length")
        for chunk in iter(lambda: response.read(1 << 16), b""):
            f.write(chunk)
            h.update(chunk)
            received += len(chunk)
        # http.client usually raises IncompleteRead itself when the server hangs up early;
        # this check covers the cases where it does not. Raising inside the with-block
        # deletes the temporary file, so dest only ever appears complete and verified.
        if announced is not None and announced.isdigit() and received != int(announced):
            raise _Gone(f"incomplete download: got {received} of {announced} bytes")
        got = h.hexdigest()
        if md5 is not None and got != md5.lower():
            raise _Gone(f"md5 mismatch: the downloaded file has md5 {got} but the official file "
                        f"has {md5} (the mirror served a damaged or different file; discarded)")


class MNIST:
    """The MNIST handwritten digits: 60,000 training and 10,000 test images of 28x28.

    Arguments:
        root: folder holding the IDX files (see the module docstring for where else it looks).
        split: ``"train"`` or ``"test"``.
        download: fetch the official files when they are not found.
        limit: keep only the first ``limit`` images (quick lessons and tests).
        mirrors: base URLs to download from, in order (default: the class attribute).
        md5s: ``{file name: md5}`` of the files to download (default: the official sums).
        timeout: seconds to wait for a mirror before trying the next.
        verbose: say on stderr which file is being downloaded.

    Attributes:
        images: float32 array ``(N, 1, 28, 28)``, scaled from bytes 0..255 to [-1, 1]
            (``x / 127.5 - 1``), the range of the generator's final Tanh.
        labels: int64 array ``(N,)`` with the class of each image.
        classes: the class names, ``classes[label]``.
        split, root: the split, and the folder the files were read from (a ``Path``).
        files: the paths of the image file and the label file that were read.
    """

    name = "MNIST"
    folder = "mnist"                      # subfolder name under data/cache folders
    classes = [str(d) for d in range(10)]
    files_of = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
                "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
    mirrors = ("https://ossci-datasets.s3.amazonaws.com/mnist/",
               "https://storage.googleapis.com/cvdf-datasets/mnist/",
               "http://yann.lecun.com/exdb/mnist/")
    md5s = {"train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
            "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
            "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
            "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c"}
    env_direct = True       # may $MINIGAN_DATA_DIR itself hold the files (not only a subfolder)?
    system_dirs = ()        # read-only folders where a system package installs the files
    install_hint = None     # extra line of advice in the not-found message
    timeout = 30.0
    image_shape = (28, 28)

    def __init__(self, root=None, split="train", download=True, limit=None, *, mirrors=None,
                 md5s=None, timeout=None, verbose=True):
        if split not in SPLITS:
            raise ValueError(f"{self.name}: split must be 'train' or 'test', got {split!r}")
        if limit is not None and (not isinstance(limit, (int, numpy.integer))
                                  or isinstance(limit, bool) or limit < 1):
            raise ValueError(f"{self.name}: limit must be a positive integer or None, got {limit!r}")
        self.split = split
        if mirrors is not None:
            self.mirrors = (mirrors,) if isinstance(mirrors, str) else tuple(mirrors)
        if md5s is not None:
            self.md5s = dict(md5s)
        if timeout is not None:
            self.timeout = float(timeout)
        self.verbose = verbose

        searched = self._search_dirs(root)
        found = self._find(searched)
        attempts = []
        if found is None and download:
            target = searched[0][0]
            attempts = self._download(target)
            found = self._find([(target, "download folder")])
        if found is None:
            raise DatasetNotFoundError(self._not_found_message(searched, download, attempts))

        self.root, self.files = found
        self.images, self.labels = self._load(*self.files, limit)

    # ---------------------------------------------------------------- where to look
    def _search_dirs(self, root):
        """``[(folder, why it is searched)]``, in order; the first is where downloads go."""
        if root is not None:
            root = Path(root).expanduser()
            return [(root, "root="), (root / self.folder, "root=, subfolder")]
        dirs = []
        env = os.environ.get("MINIGAN_DATA_DIR")
        if env:
            env = Path(env).expanduser()
            dirs.append((env / self.folder, "MINIGAN_DATA_DIR, subfolder"))
            if self.env_direct:
                dirs.append((env, "MINIGAN_DATA_DIR"))
        cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        dirs.append((Path(cache).expanduser() / "minigan" / self.folder, "per-user cache"))
        dirs.extend((Path(d), "system package") for d in self.system_dirs)
        return dirs

    def _find(self, dirs):
        """``(folder, (images path, labels path))`` of the first folder holding both, or None."""
        for folder, _ in dirs:
            paths = [self._file_in(folder, base) for base in self.files_of[self.split]]
            if all(p is not None for p in paths):
                return folder, tuple(paths)
        return None

    @staticmethod
    def _file_in(folder, base):
        for name in (base, base + ".gz"):     # an uncompressed copy was made on purpose
            p = folder / name
            if p.is_file():
                return p
        return None

    # ---------------------------------------------------------------- download
    def _download(self, target):
        """Fetch the missing files of this split into ``target``; returns what went wrong."""
        problems = []
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            return [f"could not create the folder {target}: {e}"]
        for base in self.files_of[self.split]:
            if self._file_in(target, base) is not None:
                continue
            name = base + ".gz"
            for mirror in self.mirrors:
                url = mirror if mirror.endswith("/") else mirror + "/"
                url += name
                if self.verbose:
                    print(f"minigan: downloading {url} -> {target}", file=sys.stderr, flush=True)
                try:
                    download_file(url, target / name, self.md5s.get(name), self.timeout)
                    break
                except Exception as e:   # network, HTTP, short read, md5: try the next mirror
                    reason = str(e) if isinstance(e, _Gone) else f"{type(e).__name__}: {e}"
                    problems.append(f"{url}: {reason}")
            else:
                break   # this file could not be had from any mirror: no point fetching the other
        return problems

    def _not_found_message(self, searched, download, attempts):
        images, labels = self.files_of[self.split]
        lines = [f"{self.name} ({self.split} split): could not find {images}[.gz] and "
                 f"{labels}[.gz] together in one folder.", "Looked in:"]
        for folder, why in searched:
            present = [b for b in (images, labels) if self._file_in(folder, b) is not None]
            state = ("does not exist" if not folder.exists() else
                     "is a file, not a folder" if not folder.is_dir() else
                     f"has only {present[0]}" if present else f"has no {self.name} {self.split} files")
            lines.append(f"  - {folder}  ({why}; {state})")
        if not download:
            lines.append("Downloading was not attempted (download=False).")
        elif attempts:
            lines.append(f"Downloading into {searched[0][0]} failed:")
            lines.extend(f"  - {a}" for a in attempts)
        lines.append("To fix it, do one of:")
        lines.append(f"  - on a machine with internet access, run {self.name}(download=True) or download "
                     f"the files ({', '.join(self.md5s) or 'see the mirrors'}) from "
                     f"{self.mirrors[0] if self.mirrors else 'a mirror'}, then copy them into one of "
                     "the folders above;")
        lines.append(f"  - pass the folder that holds them: {self.name}(root='path/to/folder');")
        if self.env_direct:
            lines.append("  - set the environment variable MINIGAN_DATA_DIR to that folder (or to a "
                         f"folder with a {self.folder}/ subfolder holding them).")
        else:
            lines.append(f"  - set the environment variable MINIGAN_DATA_DIR to a folder with a "
                         f"{self.folder}/ subfolder holding them.")
        if self.install_hint:
            lines.append(f"  - {self.install_hint}")
        return "\n".join(lines)

    # ---------------------------------------------------------------- loading
    def _load(self, images_path, labels_path, limit):
        images, labels = read_idx(images_path), read_idx(labels_path)
        if images.dtype != numpy.uint8 or images.ndim != 3 or images.shape[1:] != self.image_shape:
            raise ValueError(f"{images_path}: expected {self.name} images, unsigned bytes of shape "
                             f"(N, {self.image_shape[0]}, {self.image_shape[1]}), found "
                             f"{images.dtype} of shape {images.shape}")
        if labels.dtype != numpy.uint8 or labels.ndim != 1:
            raise ValueError(f"{labels_path}: expected {self.name} labels, unsigned bytes of shape "
                             f"(N,), found {labels.dtype} of shape {labels.shape}")
        if len(images) != len(labels):
            raise ValueError(f"{self.name}: {images_path} holds {len(images)} images but "
                             f"{labels_path} holds {len(labels)} labels; the two files do not "
                             "belong together (one is from another copy or was cut short)")
        if labels.size and labels.max() >= len(self.classes):
            raise ValueError(f"{labels_path}: found label {labels.max()}, but {self.name} has only "
                             f"{len(self.classes)} classes (0..{len(self.classes) - 1})")
        if limit is not None:
            images, labels = images[:limit], labels[:limit]
        # bytes 0..255 -> [-1, 1]; 127.5 is exact in float32, so 0 -> -1.0 and 255 -> 1.0 exactly
        x = images.astype(numpy.float32)[:, None, :, :]
        x /= numpy.float32(127.5)
        x -= numpy.float32(1.0)
        return x, labels.astype(numpy.int64)

    # ---------------------------------------------------------------- dataset protocol
    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        """``(image (1, 28, 28) float32, label int)``; a slice gives ``(images, labels)`` arrays."""
        label = self.labels[i]
        return self.images[i], (int(label) if numpy.ndim(label) == 0 else label)

    def subset(self, n):
        """A copy holding only the first ``n`` examples (the arrays are views, not copies)."""
        if not isinstance(n, (int, numpy.integer)) or isinstance(n, bool) or n < 1:
            raise ValueError(f"subset(n): n must be a positive integer, got {n!r}")
        sub = copy.copy(self)
        sub.images, sub.labels = self.images[:n], self.labels[:n]
        return sub

    def __repr__(self):
        return (f"{self.name}(split={self.split!r}, {len(self)} images of 1x{self.image_shape[0]}"
                f"x{self.image_shape[1]} in [-1, 1], root='{self.root}')")


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: 28x28 grey images of clothes, in MNIST's exact format.

    Same arguments and attributes as :class:`MNIST`. Also found, without downloading, in
    ``/usr/share/datasets/fashion-mnist`` after ``sudo apt-get install dataset-fashion-mnist``.
    """

    name = "FashionMNIST"
    folder = "fashion-mnist"
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]
    mirrors = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",)
    md5s = {"train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
            "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
            "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
            "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310"}
    env_direct = False
    system_dirs = ("/usr/share/datasets/fashion-mnist",)
    install_hint = ("on Debian or Ubuntu: sudo apt-get install dataset-fashion-mnist "
                    "(installs the files to /usr/share/datasets/fashion-mnist, found automatically).")
