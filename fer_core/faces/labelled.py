"""Folders of labelled real photos (``<emotion>/<photo>``) as the face crops a model sees.

Real photos reach the models through the same path as an upload (:func:`read_image`, then the
largest face :func:`find_faces` detects), whether they are a validation set for the real-photo
gap or extra training faces: a model is judged and trained on the framing it meets on the page.
Photos in which no face is detected are left out and counted rather than guessed at: the centre
of a photo is no training face. Detection takes a while (a few thousand photos a minute), so
the crops are cached like a decoded dataset, keyed by the photos' names, sizes and times.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..atomic import atomic_path
from ..data import CLASSES, IMAGE_SIZE
from ..errors import DataError, ImageError
from ..paths import cache_dir
from .reading import EXTENSIONS, read_image
from .search import DEFAULT_MARGIN, find_faces

CACHE_FORMAT = 2  # 2: photos on their side turned upright


@dataclass(frozen=True, eq=False)
class LabelledFaces:
    """The detected faces of a folder of labelled photos.

    ``images`` is uint8 (N, 48, 48), ``labels`` index :data:`~fer_core.data.CLASSES`, ``ids`` are
    the photos' paths from the root; ``unread`` and ``faceless`` count the photos left out
    (not an image, or no face detected).
    """

    root: str
    images: np.ndarray
    labels: np.ndarray
    ids: np.ndarray
    unread: int
    faceless: int

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def fingerprint(self) -> str:
        """A short hash of the crops and labels: what a training run's key depends on."""
        digest = hashlib.sha256(np.ascontiguousarray(self.images).tobytes())
        digest.update(self.labels.astype(np.int64).tobytes())
        return digest.hexdigest()[:16]

    def counts(self) -> dict[str, int]:
        """Faces per class, for the classes present."""
        per_class = np.bincount(self.labels, minlength=len(CLASSES))
        return {name: int(n) for name, n in zip(CLASSES, per_class, strict=True) if n}


def photo_files(root: Path) -> list[tuple[str, int]]:
    """``(id, label)`` of every photo under ``root``'s emotion folders, sorted; folders whose
    name is not an emotion are an error, so a typo does not silently drop a class."""
    if not root.is_dir():
        raise DataError(f"no folder of labelled photos at {root}")
    found = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if folder.name.startswith("__"):
            continue  # __pycache__ and the like beside a script
        name = folder.name.lower()
        if name not in CLASSES:
            raise DataError(f"{folder} is not an emotion folder; expected {', '.join(CLASSES)}")
        found += [(f"{folder.name}/{photo.name}", CLASSES.index(name))
                  for photo in sorted(folder.iterdir())
                  if photo.suffix.lower().lstrip(".") in EXTENSIONS]
    if not found:
        raise DataError(f"{root} holds no photos in <emotion>/ folders ({', '.join(CLASSES)})")
    return found


def largest_face(path: Path) -> np.ndarray | None:
    """The crop of the largest detected face of a photo; None when it is unreadable (raised as
    :class:`ImageError`) or holds no detected face."""
    search = find_faces(read_image(path), margin=DEFAULT_MARGIN)
    return search.faces[0].crop if search.found else None


def load_labelled_faces(root: str | Path, *, use_cache: bool = True) -> LabelledFaces:
    """The faces of the labelled photos under ``root`` (``<emotion>/<photo>``), cached."""
    root = Path(root).expanduser().resolve()
    files = photo_files(root)
    stats = [(name, *_stat(root / name)) for name, _ in files]
    key = hashlib.sha256(repr((str(root), stats, DEFAULT_MARGIN, CACHE_FORMAT)).encode())
    cache = cache_dir("faces") / f"{key.hexdigest()[:20]}.npz"
    if use_cache and (cached := _read_cache(cache, str(root))) is not None:
        return cached

    def crop(name: str) -> np.ndarray | None | ImageError:
        try:
            return largest_face(root / name)
        except ImageError as error:
            return error

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        crops = list(pool.map(crop, [name for name, _ in files]))
    kept = [i for i, c in enumerate(crops) if isinstance(c, np.ndarray)]
    faces = LabelledFaces(
        root=str(root),
        images=(np.stack([crops[i] for i in kept]) if kept
                else np.zeros((0, IMAGE_SIZE, IMAGE_SIZE), np.uint8)),
        labels=np.array([files[i][1] for i in kept], dtype=np.int64),
        ids=np.array([files[i][0] for i in kept], dtype=str),
        unread=sum(isinstance(c, ImageError) for c in crops),
        faceless=sum(c is None for c in crops),
    )
    if use_cache:
        with atomic_path(cache) as staged, open(staged, "wb") as handle:
            np.savez(handle, images=faces.images, labels=faces.labels, ids=faces.ids,
                     left_out=np.array([faces.unread, faces.faceless]))
    return faces


def _stat(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


def _read_cache(cache: Path, root: str) -> LabelledFaces | None:
    if not cache.is_file():
        return None
    try:
        with np.load(cache, allow_pickle=False) as stored:
            unread, faceless = (int(n) for n in stored["left_out"])
            return LabelledFaces(root, stored["images"], stored["labels"], stored["ids"],
                                 unread, faceless)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None  # damaged: detected again and rewritten
