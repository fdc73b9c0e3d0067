"""Where the project keeps its own files: the model store and the cache.

Both default to folders of the project checkout and can be moved with environment variables, so
tests and CI can point them at a temp folder. Nothing is ever written beside a dataset.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def models_dir() -> Path:
    """The model store: ``$FER_MODELS_DIR`` or ``<project>/models``."""
    return Path(os.environ.get("FER_MODELS_DIR", PROJECT_ROOT / "models"))


def cache_dir(*parts: str) -> Path:
    """A sub-folder of the cache (``$FER_CACHE_DIR`` or ``<project>/.cache``), created on demand."""
    folder = Path(os.environ.get("FER_CACHE_DIR", PROJECT_ROOT / ".cache")).joinpath(*parts)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
