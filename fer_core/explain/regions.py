"""Fixed face regions of a FER2013 crop, and what a class of faces shows when seen together.

FER2013 faces are roughly aligned (on the average test face the eyes sit on row 17, the nose tip
on row 25, the mouth on rows 37-41), so fixed boxes name the parts well enough to ask "where does
a model look for fear?" across thousands of faces, and to cover one part and see what changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import cv2
import keras
import numpy as np

from ..data import IMAGE_SIZE
from ..errors import FerError
from ..inference import forward


def _box(top: int, bottom: int, left: int, right: int) -> np.ndarray:
    mask = np.zeros((IMAGE_SIZE, IMAGE_SIZE), bool)
    mask[top:bottom, left:right] = True
    return mask


PARTS: dict[str, np.ndarray] = {
    "eyes and brows": _box(9, 22, 6, 42),
    "nose": _box(22, 32, 17, 31),
    "mouth": _box(32, 44, 12, 36),
}
REGIONS: dict[str, np.ndarray] = {
    **PARTS, "the rest": ~np.any(np.stack(list(PARTS.values())), axis=0)}
"""The parts, and everything else: the four regions cover each pixel exactly once."""


def region_shares(heatmap: np.ndarray) -> dict[str, float]:
    """The share of a map's mass (its values summed) that falls in each region; they add up
    to 1. A flat map gives each region its share of the face's area."""
    heatmap = np.asarray(heatmap, dtype=np.float64)
    total = heatmap.sum()
    if total <= 0:
        heatmap, total = np.ones_like(heatmap), float(heatmap.size)
    return {name: float(heatmap[mask].sum() / total) for name, mask in REGIONS.items()}


def class_maps(explain: Callable[[np.ndarray, np.ndarray], np.ndarray], images: np.ndarray,
               labels: np.ndarray, classes: Sequence[str], batch: int = 64,
               per_class: int | None = None, seed: int = 0) -> dict[str, np.ndarray]:
    """The average map of each class's faces (at most ``per_class`` of them, drawn at random),
    each face explained for its true class by ``explain(images, classes)``; classes without
    faces are left out."""
    averages = {}
    rng = np.random.default_rng(seed)
    for index, name in enumerate(classes):
        rows = np.flatnonzero(labels == index)
        if per_class is not None and len(rows) > per_class:
            rows = np.sort(rng.choice(rows, per_class, replace=False))
        if not len(rows):
            continue
        total = np.zeros((IMAGE_SIZE, IMAGE_SIZE), np.float64)
        for start in range(0, len(rows), batch):
            part = rows[start:start + batch]
            total += explain(images[part], np.full(len(part), index)).sum(axis=0)
        averages[name] = (total / len(rows)).astype(np.float32)
    return averages


def covered(face: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The face with ``mask`` hidden under a heavy blur of itself: the part's shape is gone, its
    lighting kept, so the model sees a missing part rather than a black patch."""
    blurred = cv2.GaussianBlur(face.astype(np.float32), (0, 0), sigmaX=5)
    return np.where(mask, blurred, face.astype(np.float32))


def cover_effect(model: keras.Model, face: np.ndarray,
                 masks: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Class probabilities of ``face`` as it is (``"nothing"``) and with each part covered, in
    one model call."""
    masks = PARTS if masks is None else masks
    views = np.stack([face.astype(np.float32), *(covered(face, m) for m in masks.values())])
    proba = forward(model, views)
    return dict(zip(["nothing", *masks], proba, strict=True))


@dataclass(frozen=True)
class Covering:
    """What covering a part did to a model's answer: its emotion on the whole face (a class
    index), that emotion's probability before and after, the class it predicts after, and the
    share of its own map for that emotion lying under the part, beside the part's share of the
    face. A faithful map is high where covering hurts."""

    emotion: int
    before: float
    after: float
    now: int
    map_share: float
    face_share: float


def covering(before: np.ndarray, after: np.ndarray, mask: np.ndarray,
             heatmap: np.ndarray) -> Covering:
    """The :class:`Covering` from the probabilities ``before`` and ``after`` covering ``mask``
    (as :func:`cover_effect` gives them) and the model's map for its emotion before."""
    top = int(np.argmax(before))
    total = float(heatmap.sum())
    return Covering(top, float(before[top]), float(after[top]), int(np.argmax(after)),
                    float(heatmap[mask].sum()) / total if total else 0.0, float(mask.mean()))


GRID_CELLS = 3


def part_mask(name: str) -> np.ndarray:
    """The mask named ``name``: one of :data:`PARTS`, or ``"grid R,C"`` for the cell in row R
    and column C (each 1 to 3) of a 3x3 grid over the face."""
    if name in PARTS:
        return PARTS[name]
    row, comma, column = name.removeprefix("grid").strip().partition(",")
    if name.startswith("grid") and comma and row.strip().isdigit() and column.strip().isdigit():
        r, c = int(row) - 1, int(column) - 1
        if 0 <= r < GRID_CELLS and 0 <= c < GRID_CELLS:
            return grid_cell(r, c, GRID_CELLS)
    raise FerError(f"no part {name!r}: name one of {', '.join(PARTS)}, or a grid cell as "
                     f"'grid R,C' with R and C from 1 to {GRID_CELLS}")


def grid_cell(row: int, column: int, cells: int = 3) -> np.ndarray:
    """The mask of one cell of a ``cells`` x ``cells`` grid over the face."""
    side = IMAGE_SIZE / cells
    return _box(round(row * side), round((row + 1) * side),
                round(column * side), round((column + 1) * side))
