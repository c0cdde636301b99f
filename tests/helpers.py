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
