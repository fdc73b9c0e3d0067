"""What a model looks at for each emotion, over a whole split, computed once per model version.

Averaging hundreds of maps takes minutes for the costlier methods on a CPU, so the result is
kept, keyed by the model file's content, the method and its settings, the layer and the faces
averaged: in the project's cache, or beside the model itself (``emotion_maps/`` in its folder,
written by ``fer explain-classes --beside-model``), where a shipped model carries its averages
so that a class's first visit need not compute them. Those beside the model are read first; the
cache is computed once for every server sharing it (:mod:`fer_core.shared_cache`). The key
holds no path or time, so such maps stay valid on any checkout of the same model and data, and
are ignored once either changes.
"""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..atomic import atomic_path
from ..data import Dataset
from ..evaluate import align_to_classes
from ..paths import cache_dir
from ..shared_cache import computed_once
from ..store import MODEL_FILE, StoredModel
from .methods import make_explainer, method_class
from .regions import REGIONS, class_maps, region_shares

BATCH = 64
PER_CLASS = 100
"""Faces averaged per emotion, drawn at random: enough for a steady average, few enough that the
costliest method (occlusion on vgg16_modified) takes minutes, not an hour, on a 2-core CPU."""


@dataclass(frozen=True)
class EmotionMaps:
    """The average map (48, 48) and region shares of each emotion, with the faces counted."""

    model: str
    method: str
    split: str
    maps: dict[str, np.ndarray]
    shares: dict[str, dict[str, float]]
    counts: dict[str, int]

    def summary(self) -> dict[str, Any]:
        return {"model": self.model, "method": self.method, "split": self.split,
                "regions": list(REGIONS), "counts": self.counts, "shares": self.shares}


BESIDE = "emotion_maps"
"""The folder of a stored model that holds averages computed for it ahead of time."""


@functools.lru_cache(maxsize=64)
def _file_digest(path: Path, size: int, mtime_ns: int) -> str:
    """The content hash of a model file (read once per file version and process)."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def model_digest(stored: StoredModel) -> str:
    """What identifies the stored network wherever its folder is: its file's content."""
    file = stored.path / MODEL_FILE
    if not file.is_file():
        return "missing"
    stat = file.stat()
    return _file_digest(file.resolve(), stat.st_size, stat.st_mtime_ns)


def _key(stored: StoredModel, method: str, faces: Dataset, per_class: int | None) -> str:
    version = [model_digest(stored), method, method_class(method).settings(),
               stored.gradcam_layer, faces.fingerprint, per_class]
    return hashlib.sha256(json.dumps(version).encode()).hexdigest()[:16]


def _read(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as found:
        return {name: found[name] for name in found.files}


def _write(maps: dict[str, np.ndarray], path: Path) -> None:
    with open(path, "wb") as file:
        np.savez_compressed(file, **maps)


def _counts(labels: np.ndarray, classes: list[str], per_class: int | None) -> dict[str, int]:
    """Faces averaged per class: all of them, or at most ``per_class``."""
    return {name: min(int((labels == i).sum()), per_class or len(labels))
            for i, name in enumerate(classes)}


def _averaging(stored: StoredModel, method: str, images: np.ndarray, labels: np.ndarray,
               per_class: int | None, progress: Callable[[int, int], None] | None,
               turn: Callable[[], AbstractContextManager[object]]):
    """The computation of the averages, for :func:`computed_once`: ``share(done, total)``
    tells the processes waiting for it, ``progress`` this process's caller."""
    def compute(share: Callable[[int, int], None]) -> dict[str, np.ndarray]:
        model = stored.load_keras()
        explainer = make_explainer(method, model, stored.gradcam_layer)
        done, total = [0], sum(_counts(labels, stored.classes, per_class).values())

        def explain(faces: np.ndarray, classes: np.ndarray) -> np.ndarray:
            with turn():
                found = explainer.explain(faces, classes)
            done[0] += len(faces)
            share(done[0], total)
            if progress is not None:
                progress(done[0], total)
            return found

        return class_maps(explain, images, labels, stored.classes, BATCH, per_class)

    return compute


def emotion_maps(stored: StoredModel, dataset: Dataset, method: str | None = None,
                 split: str = "test", per_class: int | None = PER_CLASS,
                 progress: Callable[[int, int], None] | None = None,
                 turn: Callable[[], AbstractContextManager[object]] = nullcontext,
                 beside_model: bool = False,
                 waiting: Callable[[int, int], None] | None = None) -> EmotionMaps:
    """The per-emotion average maps of ``stored`` (its own default method unless ``method``)
    over at most ``per_class`` faces of each emotion of ``split`` (None: all): those stored
    beside the model or in the cache when this model, method and faces were averaged before,
    else computed and cached (``beside_model``: written into the model's folder instead).
    ``progress(done, total)`` hears of each batch of faces; each batch is explained inside
    ``turn()`` (a server's share of the model between its users). The cache is computed once
    for every process sharing it (:func:`computed_once`): while another one computes it,
    ``waiting(done, total)`` hears of that one's progress instead."""
    method = method or stored.own_method
    part = dataset.split(split)
    images, labels = align_to_classes(part, stored.classes)
    name = f"{_key(stored, method, part, per_class)}.npz"
    beside, cached = stored.path / BESIDE / name, cache_dir("emotion_maps") / name
    if beside.is_file():
        maps = _read(beside)
    elif beside_model and cached.is_file():
        maps = _read(cached)
        with atomic_path(beside) as staged:
            shutil.copyfile(cached, staged)
    else:
        compute = _averaging(stored, method, images, labels, per_class, progress, turn)
        maps = computed_once(beside if beside_model else cached, compute, read=_read,
                             write=_write, waiting=waiting)
    counts = {name: n for name, n in _counts(labels, stored.classes, per_class).items()
              if name in maps}
    return EmotionMaps(stored.name, method, split, maps,
                       {name: region_shares(m) for name, m in maps.items()}, counts)
