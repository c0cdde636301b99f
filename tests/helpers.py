"""Small helpers shared by several test files, and the one rule for finding real MNIST."""
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def mnist_dir():
    """Real MNIST for tests, or None: the first of $MINIGAN_DATA_DIR, $MINIGAN_DATA_DIR/mnist and
    ../shared/data/mnist beside the repository that holds the test split (``.gz`` or not)."""
    env = os.environ.get("MINIGAN_DATA_DIR")
    candidates = ([Path(env), Path(env) / "mnist"] if env else []) + [REPO.parent / "shared" / "data" / "mnist"]
    for folder in candidates:
        if any((folder / f"t10k-{kind}{gz}").is_file() for kind in ("images-idx3-ubyte", "labels-idx1-ubyte")
               for gz in ("", ".gz")):
            return folder
    return None


def fashion_mnist_present():
    """Whether FashionMNIST finds its test split (Debian's dataset-fashion-mnist, or
    $MINIGAN_DATA_DIR/fashion-mnist/), without downloading."""
    from minigan.data import DatasetNotFoundError, FashionMNIST
    try:
        FashionMNIST(split="test", download=False)
    except DatasetNotFoundError:
        return False
    return True


FASHION_MNIST_MISSING = ("Fashion-MNIST is not installed on this machine (Debian's dataset-fashion-mnist, "
                         "or $MINIGAN_DATA_DIR/fashion-mnist/): only the data is missing, so this check "
                         "runs wherever it is present")
