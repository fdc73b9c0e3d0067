"""One face explained by several methods of one model, every map scored, in as few model calls
as the methods allow: what the Explain page shows for a face."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import keras
import numpy as np

from .methods import BASELINE, make_explainer
from .metrics.perturbation import Perturbation
from .metrics.scores import METRICS, beats_random, face_scores


@dataclass(frozen=True)
class MethodResult:
    """One map in [0, 1] over the 48x48 face, its faithfulness scores, and on how many of them
    it beats the random map of the same face (None for the random map itself)."""

    method: str
    heatmap: np.ndarray
    scores: dict[str, float]
    beats_random: int | None


FACE_STEPS = 10
"""Deletion and insertion steps for one face's verdict: half the model calls of the 20 that
the figures deciding each model's default use, and close enough to say which map beats noise."""


def explain_face(model: keras.Model, layer: str | None, methods: Sequence[str],
                 face: np.ndarray, target: int, steps: int = FACE_STEPS,
                 ) -> dict[str, MethodResult]:
    """Maps of ``face`` (uint8 48x48) for class ``target`` by each of ``methods`` and by the
    random baseline, scored together in one batch; keyed by method, the baseline last."""
    ordered = [m for m in dict.fromkeys(methods) if m != BASELINE] + [BASELINE]
    maps = np.stack([make_explainer(m, model, layer).explain(face[None], target)[0]
                     for m in ordered])
    faces = np.repeat(face[None], len(maps), axis=0)
    per_face = face_scores(model, faces, np.full(len(maps), target), maps, Perturbation(steps))
    rows = [{name: float(per_face[name][i]) for name in METRICS} for i in range(len(maps))]
    chance = rows[-1]
    return {method: MethodResult(method, heatmap, row,
                                 None if method == BASELINE else beats_random(row, chance))
            for method, heatmap, row in zip(ordered, maps, rows, strict=True)}
