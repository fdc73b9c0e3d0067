"""Shared fixtures only: an isolated cache and store per test session, float32 training and the
real dataset's path. The builders (datasets, tiny stored models) are in ``tests/helpers.py``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fer_core.startup import import_tensorflow_quietly

import_tensorflow_quietly()  # first, as the app does: the Live page's libraries load before it


@pytest.fixture(autouse=True, scope="session")
def isolated_folders(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Point the cache and the model store at temp folders: tests never touch the checkout's."""
    os.environ["FER_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    os.environ["FER_MODELS_DIR"] = str(tmp_path_factory.mktemp("models"))


@pytest.fixture(autouse=True)
def float32_training(monkeypatch: pytest.MonkeyPatch) -> None:
    """Train in float32 whatever the CPU, so that figures do not depend on the machine (the
    precision tests ask for bfloat16 themselves)."""
    from fer_core.training import config

    monkeypatch.setattr(config, "default_precision", lambda: "float32")


@pytest.fixture(scope="session")
def fer2013_dir() -> Path:
    """The real dataset from ``FER2013_DIR``; skips the test when it is not set."""
    path = os.environ.get("FER2013_DIR")
    if not path:
        pytest.skip("FER2013_DIR is not set: real-data test skipped (see docs/models.md, 'Data')")
    return Path(path)
