"""Old name of :mod:`minigan.serialization` (a module named ``io`` read like the standard
library's); ``minigan.io.save`` and the rest keep working."""
from .serialization import atomic_write, load, save, save_figure, save_json  # noqa: F401

__all__ = ["atomic_write", "load", "save", "save_figure", "save_json"]
