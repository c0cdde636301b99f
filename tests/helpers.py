"""Small helpers shared by several test files."""
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def mnist_dir():
    """Real MNIST for tests: $MINIGAN_DATA_DIR, else ../shared/data/mnist beside the repo; None if absent."""
    for candidate in (os.environ.get("MINIGAN_DATA_DIR"), REPO.parent / "shared" / "data" / "mnist"):
        if candidate and (Path(candidate) / "t10k-images-idx3-ubyte.gz").exists():
            return Path(candidate)
    return None
