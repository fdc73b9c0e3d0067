"""Small generated data for the tests: random faces, folder layouts and CSVs."""

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

