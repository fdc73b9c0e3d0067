"""``load_dataset``: one entry point for every layout, with a decode cache.

Decoding 32k JPEGs or a 300 MB CSV takes a while; the decoded arrays are cached as one ``.npz``
in the project's cache, keyed by a fingerprint of the source files (names, sizes, modification
times) and the loading options, so a second load is a single file read.
"""

from __future__ import annotations

import hashlib
import warnings
import zipfile
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from ..atomic import atomic_path
from ..errors import DataError
from ..paths import cache_dir
from .classes import CLASSES
from .csv_layout import read_csv
from .dataset import Dataset
from .folder_layout import list_images, read_folder, split_folders

CACHE_FORMAT = 1
CACHE_KEYS = ("images", "labels", "ids", "splits", "converted", "source_key")
CSV_NAMES = ("fer2013.csv", "fer2013/fer2013.csv", "icml_face_data.csv")
LAYOUT_HELP = (
    "expected the Kaggle fer2013.csv (a file, or a folder holding it) or an image-folder layout "
    "with train/<class>/ and test/<class>/ (optional val/<class>/)"
)


def find_csv(root: Path) -> Path | None:
    """The FER2013 CSV in a folder, under one of its usual names."""
    return next((root / n for n in CSV_NAMES if (root / n).is_file()), None)


def _fingerprint(entries: list[tuple[str, int, int]]) -> str:
    """A short hash of (name, size, mtime) triples: changes whenever a source file does."""
    text = "\n".join(f"{name}\0{size}\0{mtime_ns}" for name, size, mtime_ns in entries)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _file_entry(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return path.name, stat.st_size, stat.st_mtime_ns


def _carve_validation(
    labels: np.ndarray, splits: np.ndarray, fraction: float, seed: int
) -> np.ndarray:
    """Move a stratified, seeded ``fraction`` of train into val (used when a layout has no val)."""
    train_rows = np.flatnonzero(splits == "train")
    if fraction <= 0 or len(train_rows) < 2:
        return splits
    counts = np.bincount(labels[train_rows])
    counts = counts[counts > 0]
    # Stratifying needs two images per class and room for one of each class in val.
    can_stratify = counts.min() >= 2 and fraction * len(train_rows) >= len(counts)
    stratify = labels[train_rows] if can_stratify else None
    _, val_rows = train_test_split(
        train_rows, test_size=fraction, random_state=seed, stratify=stratify
    )
    splits = splits.copy()
    splits[val_rows] = "val"
    return splits


def _locate(path: Path) -> tuple[str, Path | list, str]:
    """Which layout ``path`` holds and its source fingerprint, without decoding anything."""
    if path.is_file():
        return "csv", path, _fingerprint([_file_entry(path)])
    if split_folders(path):
        files = list_images(path)
        return "folder", files, _fingerprint([(f.id, f.size, f.mtime_ns) for f in files])
    if (csv := find_csv(path)) is not None:
        return "csv", csv, _fingerprint([_file_entry(csv)])
    raise DataError(f"unknown dataset layout at {path}: {LAYOUT_HELP}")


def _decode(layout: str, source: Path | list) -> tuple:
    """Images, labels, ids, splits and the number of converted images of a located source."""
    return read_folder(source) if layout == "folder" else (*read_csv(source), 0)


def _read_cache(cache: Path) -> dict[str, np.ndarray] | None:
    """The cached arrays, or None when there is no cache entry or it is damaged (then the source
    is decoded again and the entry rewritten)."""
    if not cache.is_file():
        return None
    try:
        with np.load(cache, allow_pickle=False) as stored:
            arrays = {k: stored[k] for k in stored.files}
        return arrays if set(CACHE_KEYS) <= set(arrays) else None
    except (OSError, ValueError, zipfile.BadZipFile):
        return None


def load_dataset(
    path: str | Path, *, val_fraction: float = 0.1, seed: int = 0, use_cache: bool = True
) -> Dataset:
    """Read FER2013 from a CSV file, a folder holding it, or an image-folder layout.

    Without a validation split in the source, a stratified ``val_fraction`` of train (seeded)
    becomes ``val``. Images that were not 48x48 grayscale are converted and counted in a warning.
    """
    path = Path(path).expanduser().resolve()
    if not path.exists():
        raise DataError(f"dataset path does not exist: {path}")
    layout, source, source_key = _locate(path)
    key = f"{path}|{source_key}|{val_fraction}|{seed}|{CACHE_FORMAT}"
    cache = cache_dir("data") / f"{hashlib.sha256(key.encode()).hexdigest()[:20]}.npz"
    arrays = _read_cache(cache) if use_cache else None
    if arrays is None:
        images, labels, ids, splits, converted = _decode(layout, source)
        if "val" not in splits:
            splits = _carve_validation(labels, splits, val_fraction, seed)
        arrays = dict(
            images=images, labels=labels, ids=ids, splits=splits,
            converted=np.array(converted), source_key=np.array(source_key),
        )
        if use_cache:
            with atomic_path(cache) as staged, open(staged, "wb") as handle:
                np.savez(handle, **arrays)
    converted = int(arrays["converted"])
    if converted:
        warnings.warn(
            f"{converted} image(s) were not 48x48 grayscale and were converted", stacklevel=2
        )
    return Dataset(
        images=arrays["images"],
        labels=arrays["labels"],
        ids=arrays["ids"],
        splits=arrays["splits"],
        classes=CLASSES,
        source=str(path),
        source_fingerprint=str(arrays["source_key"]),
        converted=converted,
    )
