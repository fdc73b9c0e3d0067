"""All faithfulness figures of a set of maps, and the table comparing methods across models.

Every figure stands next to the same figure for random maps: a method is only worth showing if
it beats noise on that model and those faces.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import keras
import numpy as np

from ..base import model_input, predicted_classes
from ..methods import METHODS, make_explainer
from .confidence import confidence_change
from .perturbation import area_under, perturbation_curves

METRICS = ("deletion_auc", "insertion_auc", "average_drop", "average_increase")
LOWER_IS_BETTER = frozenset({"deletion_auc", "average_drop"})
RANDOM = "random"


def random_maps(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    """Uniform noise maps (N, H, W) in [0, 1], the baseline every method has to beat."""
    return np.random.default_rng(seed).random(shape, dtype=np.float32)


def faithfulness(
    model: keras.Model,
    images: np.ndarray,
    classes: np.ndarray,
    heatmaps: np.ndarray,
    steps: int = 20,
    baseline: str = "blur",
) -> dict[str, float]:
    """Mean deletion AUC, insertion AUC, average drop and average increase of ``heatmaps``
    explaining ``classes`` (usually the predicted ones) on uint8 ``images`` (N, 48, 48)."""
    classes = np.asarray(classes)
    figures = {
        f"{mode}_auc": float(area_under(perturbation_curves(
            model, images, classes, heatmaps, mode, steps, baseline)).mean())
        for mode in ("deletion", "insertion")
    }
    return {**figures, **confidence_change(model, images, classes, heatmaps)}


def compare_methods(
    models: Mapping[str, tuple[keras.Model, str | None]],
    images: np.ndarray,
    methods: Sequence[str] = METHODS,
    seed: int = 0,
    steps: int = 20,
    baseline: str = "blur",
) -> list[dict[str, Any]]:
    """One row per model and method (plus a ``random`` row per model): each metric for the
    maps explaining the model's own predictions. ``models`` maps a name to (model, CAM layer).

    Rows are plain dicts, ready for ``pandas.DataFrame(rows)`` or JSON.
    """
    rows = []
    for name, (model, layer) in models.items():
        classes = predicted_classes(model, model_input(images))
        candidates = {method: make_explainer(method, model, layer).explain(images, classes)
                      for method in methods}
        candidates[RANDOM] = random_maps(images.shape, seed)
        for method, heatmaps in candidates.items():
            rows.append({"model": name, "method": method, "n": len(images),
                         **faithfulness(model, images, classes, heatmaps, steps, baseline)})
    return rows


def beats_random(row: Mapping[str, Any], chance: Mapping[str, Any]) -> int:
    """On how many of the metrics ``row`` does better than random maps on the same faces."""
    return sum((row[m] < chance[m]) if m in LOWER_IS_BETTER else (row[m] > chance[m])
               for m in METRICS)


def format_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """The rows of :func:`compare_methods` as a plain-text table, with how many metrics each
    method wins against its model's random maps."""
    chance = {row["model"]: row for row in rows if row["method"] == RANDOM}
    width = max(len("model"), *(len(row["model"]) for row in rows)) + 2
    lines = [f"{'model':<{width}}{'method':<12}" + "".join(f"{m:>18}" for m in METRICS)
             + f"{'beats random':>14}"]
    for row in rows:
        wins = ("" if row["method"] == RANDOM or row["model"] not in chance
                else f"{beats_random(row, chance[row['model']])}/{len(METRICS)}")
        lines.append(f"{row['model']:<{width}}{row['method']:<12}"
                     + "".join(f"{row[m]:>18.3f}" for m in METRICS) + f"{wins:>14}")
    lines.append("lower is better: " + ", ".join(m for m in METRICS if m in LOWER_IS_BETTER)
                 + "; higher is better: "
                 + ", ".join(m for m in METRICS if m not in LOWER_IS_BETTER))
    return "\n".join(lines)
