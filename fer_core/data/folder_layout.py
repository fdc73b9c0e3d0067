"""Reader for the image-folder layout: ``train/<class>/``, ``test/<class>/``, optional ``val/``."""

from __future__ import annotations

import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DataError
from .classes import SPLITS, class_index
from .images import IMAGE_SUFFIXES, read_image_file


@dataclass(frozen=True)
class ImageFile:
    """One image of the layout: where it is, its id (path from the root), split, label and stat.

    Size and modification time come from the listing and let the loader fingerprint the source
    without opening each file.
    """

    path: str
    id: str
    split: str
    label: int
    size: int
    mtime_ns: int


def split_folders(root: Path) -> dict[str, Path]:
    """The split folders present under ``root`` (case-insensitive names)."""
    found = {}
    for child in root.iterdir():
        if child.is_dir() and child.name.lower() in SPLITS:
            found[child.name.lower()] = child
    return found


def _sorted_entries(folder: Path) -> list[os.DirEntry]:
    with os.scandir(folder) as entries:
        return sorted((e for e in entries if not e.name.startswith(".")), key=lambda e: e.name)


def list_images(root: Path) -> list[ImageFile]:
    """Every image of the layout, sorted by id, after checking that each class folder is known."""
    files, skipped = [], 0
    for split, folder in sorted(split_folders(root).items()):
        for entry in _sorted_entries(folder):
            if not entry.is_dir():
                raise DataError(
                    f"{entry.path} lies directly in {folder.name}/; images belong in "
                    f"{folder.name}/<class>/ folders"
                )
            label = class_index(entry.name, where=str(folder))
            prefix = f"{folder.name}/{entry.name}/"
            for image in _sorted_entries(Path(entry.path)):
                if not image.name.lower().endswith(IMAGE_SUFFIXES):
                    skipped += 1
                    continue
                stat = image.stat()
                files.append(ImageFile(image.path, prefix + image.name, split, label,
                                       stat.st_size, stat.st_mtime_ns))
    if skipped:
        warnings.warn(f"skipped {skipped} file(s) that are not .jpg or .png images", stacklevel=2)
    if not files:
        raise DataError(f"{root} holds no .jpg or .png images in its split/class folders")
    return files


def read_folder(
    files: list[ImageFile],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Decode the listed images: images, labels, ids, splits and how many needed converting."""
    # Pillow releases the GIL while decoding, so a few threads use both cores.
    with ThreadPoolExecutor(max_workers=4) as pool:
        decoded = list(pool.map(lambda f: read_image_file(f.path), files))
    images = np.stack([array for array, _ in decoded])
    converted = sum(flag for _, flag in decoded)
    labels = np.array([f.label for f in files], dtype=np.int64)
    ids = np.array([f.id for f in files])
    splits = np.array([f.split for f in files])
    return images, labels, ids, splits, converted
