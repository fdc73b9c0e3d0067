"""Small generated data for the tests: random faces, folder layouts, CSVs, a dataset with
something for the audit to find, and tiny untrained models stored as ``train_model`` stores them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from fer_core.data import CLASSES, Dataset


def random_faces(n: int, seed: int = 0) -> np.ndarray:
    """``n`` distinct random 48x48 uint8 images."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, 48, 48), dtype=np.uint8)


def write_folder_layout(
    root: Path, per_class: int = 4, splits=("train", "test"), seed: int = 0
) -> Path:
    """A small image-folder dataset: ``per_class`` random PNGs per class and split."""
    images = iter(random_faces(per_class * len(CLASSES) * len(splits), seed))
    for split in splits:
        for name in CLASSES:
            folder = root / split / name
            folder.mkdir(parents=True)
            for i in range(per_class):
                Image.fromarray(next(images)).save(folder / f"{split}_{name}_{i}.png")
    return root


def write_csv(path: Path, rows: list[tuple[object, object, object]]) -> Path:
    """A FER2013 CSV with the given (emotion, pixels, Usage) rows."""
    lines = ["emotion,pixels,Usage"] + [f"{e},{p},{u}" for e, p, u in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def pixel_string(image: np.ndarray) -> str:
    return " ".join(str(int(v)) for v in image.ravel())


def smooth_faces(n: int, seed: int = 0) -> np.ndarray:
    """``n`` distinct smooth 48x48 images: random 6x6 blobs scaled up.

    Unlike pixel noise, their perceptual hashes barely move under small noise, which is what
    near-duplicate tests need.
    """
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, size=(n, 6, 6), dtype=np.uint8)
    return np.stack([
        np.asarray(Image.fromarray(s).resize((48, 48), Image.Resampling.BICUBIC)) for s in small
    ])


def make_dataset(rows: list[tuple[str, str, str, np.ndarray]]) -> Dataset:
    """A raw in-memory :class:`Dataset` from ``(id, split, class name, image)`` rows."""
    ids, splits, names, images = zip(*rows, strict=True)
    return Dataset(
        images=np.stack(images).astype(np.uint8),
        labels=np.array([CLASSES.index(n) for n in names], dtype=np.int64),
        ids=np.array(ids),
        splits=np.array(splits),
        classes=CLASSES,
        source="memory",
        source_fingerprint="memory",
    )


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
              "label": spec.label, "classes": classes, "gradcam_layer": spec.gradcam_layer,
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
