"""Shared fixtures and builders: an isolated cache and store per test session, the real
dataset's path, a small dataset with something for the audit to find, and tiny untrained models
stored as ``train_model`` stores them (test modules import the builders from here)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

from fer_core.startup import import_tensorflow_quietly

import_tensorflow_quietly()  # first, as the app does: the Live page's libraries load before it

from fer_core.data import CLASSES, Dataset  # noqa: E402
from tests.helpers import write_folder_layout  # noqa: E402


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


FAKE_EPOCHS = 3


def write_data(root: Path) -> Path:
    """A small image-folder dataset with something for the audit to find: a train face copied
    into test under another emotion (a leak with conflicting labels) and a blank image."""
    write_folder_layout(root, per_class=3)
    (root / "test" / "sad" / "leak.png").write_bytes(
        (root / "train" / "happy" / "train_happy_0.png").read_bytes())
    Image.new("L", (48, 48), 128).save(root / "train" / "neutral" / "blank.png")
    return root


def save_tiny(store, name: str, seed: int = 0, dataset: Dataset | None = None):
    """An untrained ``custom_cnn`` stored under ``name`` with the config ``train_model`` writes;
    with a ``dataset``, a fake history and real metrics measured on it."""
    import keras

    from fer_core.evaluate import full_report
    from fer_core.models import build_model, get_spec
    from fer_core.training import make_config

    classes = list(dataset.classes if dataset is not None else CLASSES)
    spec = get_spec("custom_cnn")
    keras.utils.set_random_seed(seed)
    model = build_model(spec, len(classes))
    config = {**make_config("custom_cnn", {"seed": seed}).to_dict(), "name": name,
              "family": spec.family, "classes": classes, "gradcam_layer": spec.gradcam_layer,
              "cache_key": f"test-{name}", "parameters": int(model.count_params())}
    if dataset is None:
        return store.save(name, model=model, config=config, history=[])
    history = [{"epoch": e, "phase": "all layers", "loss": 2.0 - 0.2 * e - 0.1 * seed,
                "accuracy": 0.2 + 0.05 * e, "val_loss": 2.0 - 0.1 * e,
                "val_accuracy": 0.18 + 0.03 * e, "learning_rate": 1e-3, "seconds": 1.0}
               for e in range(1, FAKE_EPOCHS + 1)]
    return store.save(name, model=model, config=config, history=history,
                      metrics=full_report([model], dataset.classes, dataset))


def write_store(root: Path, data: Path, names: tuple[str, ...] = ("tiny_a", "tiny_b")) -> Path:
    """A store at ``root`` of tiny models named ``names``, measured on the dataset at ``data``."""
    from fer_core.data import load_dataset
    from fer_core.store import ModelStore

    dataset = load_dataset(data)
    store = ModelStore(root)
    for seed, name in enumerate(names):
        save_tiny(store, name, seed, dataset)
    return root
