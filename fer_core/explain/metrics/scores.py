"""The four faithfulness scores of a set of maps, face by face, and their bootstrap intervals.

Each score knows its direction and its label, so tables, verdicts and pages read them from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import keras
import numpy as np

from .perturbation import Perturbation, area_under, perturbation_scores


@dataclass(frozen=True)
class Score:
    name: str
    label: str
    lower_is_better: bool
    help: str

    def better(self, value: float, than: float) -> bool:
        return value < than if self.lower_is_better else value > than

    @property
    def arrow(self) -> str:
        return "↓" if self.lower_is_better else "↑"


SCORES: tuple[Score, ...] = (
    Score("deletion_auc", "deletion AUC", True,
          "Blur the pixels in the map's order, most important first: the probability should "
          "fall fast (small area)."),
    Score("insertion_auc", "insertion AUC", False,
          "Reveal the pixels in the map's order on a blurred face: the probability should "
          "rise fast (large area)."),
    Score("average_drop", "average drop", True,
          "How much probability is lost when the model sees the face times the map."),
    Score("average_increase", "average increase", False,
          "How often the face times the map gets a higher probability than the face."),
)
METRICS: tuple[str, ...] = tuple(score.name for score in SCORES)
SCORE = {score.name: score for score in SCORES}


def face_scores(model: keras.Model, images: np.ndarray, classes: np.ndarray,
                heatmaps: np.ndarray, how: Perturbation = Perturbation()) -> dict[str, np.ndarray]:
    """Every score for every face (N,) of ``heatmaps`` explaining ``classes`` on uint8
    ``images`` (N, 48, 48). Average drop per face is max(0, Y - O) / Y and average increase
    is O > Y, where Y is the probability on the face and O on the face times the map."""
    result = perturbation_scores(model, images, classes, heatmaps, how)
    original, masked = result["original"], result["masked"]
    return {
        "deletion_auc": area_under(result["deletion"]),
        "insertion_auc": area_under(result["insertion"]),
        "average_drop": np.maximum(0.0, original - masked) / np.maximum(original, 1e-12),
        "average_increase": (masked > original).astype(np.float64),
    }


def faithfulness(model: keras.Model, images: np.ndarray, classes: np.ndarray,
                 heatmaps: np.ndarray, how: Perturbation = Perturbation()) -> dict[str, float]:
    """The mean of each score over the faces."""
    per_face = face_scores(model, images, np.asarray(classes), heatmaps, how)
    return {name: float(values.mean()) for name, values in per_face.items()}


def bootstrap_interval(values: np.ndarray, resamples: int = 1000, seed: int = 0,
                       ) -> tuple[float, float]:
    """The 95% percentile bootstrap interval of the mean of ``values``."""
    values = np.asarray(values, dtype=np.float64)
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, len(values), (resamples, len(values)))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(low), float(high)


def beats_random(row: Mapping[str, float], chance: Mapping[str, float]) -> int:
    """On how many of the scores ``row`` does better than random maps on the same faces."""
    return sum(SCORE[name].better(row[name], chance[name]) for name in METRICS)


def clearly_beats_random(row: Mapping, chance: Mapping, name: str) -> bool:
    """``row`` is better than ``chance`` on score ``name`` with non-overlapping 95% intervals."""
    low, high = row[f"{name}_ci"]
    chance_low, chance_high = chance[f"{name}_ci"]
    return high < chance_low if SCORE[name].lower_is_better else low > chance_high
