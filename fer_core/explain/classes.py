"""What a model looks at for each emotion, over a whole split, computed once per model version.

Averaging thousands of maps takes minutes for the costlier methods on a CPU, so the result is
cached under the project's cache, keyed by the model's files, the method, the layer and the
data: the dashboard and the CLI ask again for free.
"""

from __future__ import annotations

import hashlib
import json
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..atomic import atomic_path
from ..data import Dataset
from ..evaluate import align_to_classes
from ..paths import cache_dir
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


def _key(stored: StoredModel, method: str, dataset: Dataset, split: str,
         per_class: int | None) -> str:
    file = stored.path / MODEL_FILE
    version = [str(stored.path.resolve()), file.stat().st_mtime_ns if file.is_file() else 0,
               stored.config.get("cache_key"), method, method_class(method).settings(),
               stored.gradcam_layer,
               dataset.fingerprint, split, per_class]
    return hashlib.sha256(json.dumps(version).encode()).hexdigest()[:16]


def _counts(labels: np.ndarray, classes: list[str], per_class: int | None) -> dict[str, int]:
    """Faces averaged per class: all of them, or at most ``per_class``."""
    return {name: min(int((labels == i).sum()), per_class or len(labels))
            for i, name in enumerate(classes)}


def emotion_maps(stored: StoredModel, dataset: Dataset, method: str | None = None,
                 split: str = "test", per_class: int | None = PER_CLASS,
                 progress: Callable[[int, int], None] | None = None,
                 turn: Callable[[], AbstractContextManager[object]] = nullcontext,
                 ) -> EmotionMaps:
    """The per-emotion average maps of ``stored`` (its own default method unless ``method``)
    over at most ``per_class`` faces of each emotion of ``split`` (None: all), from the cache
    when this model, method and data were averaged before. ``progress(done, total)`` hears of
    each batch of faces; each batch is explained inside ``turn()`` (a server's share of the
    model between its users)."""
    method = method or stored.own_method
    part = dataset.split(split)
    images, labels = align_to_classes(part, stored.classes)
    path = cache_dir("emotion_maps") / f"{_key(stored, method, dataset, split, per_class)}.npz"
    if path.is_file():
        with np.load(path) as cached:
            maps = {name: cached[name] for name in cached.files}
    else:
        model = stored.load_keras()
        explainer = make_explainer(method, model, stored.gradcam_layer)
        done, total = [0], sum(_counts(labels, stored.classes, per_class).values())

        def explain(faces: np.ndarray, classes: np.ndarray) -> np.ndarray:
            with turn():
                found = explainer.explain(faces, classes)
            done[0] += len(faces)
            if progress is not None:
                progress(done[0], total)
            return found

        maps = class_maps(explain, images, labels, stored.classes, BATCH, per_class)
        with atomic_path(path) as staged:
            with open(staged, "wb") as file:
                np.savez(file, **maps)
    counts = {name: n for name, n in _counts(labels, stored.classes, per_class).items()
              if name in maps}
    return EmotionMaps(stored.name, method, split, maps,
                       {name: region_shares(m) for name, m in maps.items()}, counts)
