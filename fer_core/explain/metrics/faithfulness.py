"""The comparison of explanation methods across models: faithfulness with intervals, the
sanity and stability checks, and which method earns a model's default.

Every figure stands next to the same figure for random maps: a method is only worth showing if
it beats noise on that model and those faces.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import keras
import numpy as np

from ..base import predicted_classes
from ..methods import BASELINE, METHODS, make_explainer
from .checks import (
    SANE_BELOW,
    STABLE_ABOVE,
    MethodChecks,
    other_classes,
    randomised_top,
    rank_correlation,
    stability,
)
from .perturbation import Perturbation
from .scores import (
    METRICS,
    SCORE,
    beats_random,
    bootstrap_interval,
    clearly_beats_random,
    face_scores,
)

DECIDING = ("deletion_auc", "insertion_auc")  # the scores a default method must clearly win
CHECKED_FACES = 100  # correlations settle on far fewer faces than the scores' intervals need


def _row(model: keras.Model, images: np.ndarray, classes: np.ndarray, maps: np.ndarray,
         how: Perturbation) -> dict[str, Any]:
    per_face = face_scores(model, images, classes, maps, how)
    row: dict[str, Any] = {"n": len(images)}
    for name, values in per_face.items():
        row[name] = float(values.mean())
        row[f"{name}_ci"] = list(bootstrap_interval(values))
    return row


def _checks(model: keras.Model, layer: str | None, method: str, images: np.ndarray,
            classes: np.ndarray, maps: np.ndarray, randomised: keras.Model | None,
            ) -> dict[str, float | None]:
    """Sanity, random-logit and stability correlations of one method (None for the baseline)."""
    if method == BASELINE:
        return {"sanity": None, "random_logit": None, "stability": None}
    explainer = make_explainer(method, model, layer)
    other = other_classes(classes, model.output_shape[-1])
    found = {
        "random_logit": float(rank_correlation(maps, explainer.explain(images, other)).mean()),
        "stability": stability(explainer.explain, images, classes, maps),
        "sanity": None,
    }
    if randomised is not None:
        fresh = make_explainer(method, randomised, layer).explain(images, classes)
        found["sanity"] = float(rank_correlation(maps, fresh).mean())
    return found


def earns_default(row: Mapping[str, Any], chance: Mapping[str, Any]) -> bool:
    """Beats random maps on deletion and insertion with separate 95% intervals, passes the
    sanity check and is stable: a default the page would flag would teach the wrong lesson."""
    checks = MethodChecks.of(row)
    passes = checks.sane is not False and checks.stable is not False
    return passes and all(clearly_beats_random(row, chance, name) for name in DECIDING)


def best_row(rows: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """Of one model's rows, the one that earns the default with the widest gap between
    insertion and deletion AUC; None when no row earns it."""
    chance = next(row for row in rows if row["method"] == BASELINE)
    earning = [row for row in rows if row["method"] != BASELINE and earns_default(row, chance)]
    return max(earning, key=_gap, default=None)


def _gap(row: Mapping[str, Any]) -> float:
    return row["insertion_auc"] - row["deletion_auc"]


def compare_methods(
    models: Mapping[str, tuple[keras.Model, str | None]],
    images: np.ndarray,
    methods: Sequence[str] = METHODS,
    defaults: Mapping[str, str | None] | None = None,
    checks: bool = True,
    how: Perturbation = Perturbation(),
) -> list[dict[str, Any]]:
    """One row per model and method (the ``random`` row always among them): each score with
    its 95% interval, explaining the model's own predictions, how many scores beat random
    maps, the sanity, random-logit and stability correlations (with ``checks``, on the first
    :data:`CHECKED_FACES` faces), and
    ``default: true`` on the model's default method (``defaults`` maps a model to it).
    ``models`` maps a name to (model, CAM layer). Rows are plain dicts, ready for JSON."""
    rows = []
    for name, (model, layer) in models.items():
        classes = predicted_classes(model, images)
        randomised = randomised_top(model, layer) if checks and layer else None
        ordered = [m for m in methods if m != BASELINE] + [BASELINE]
        found = []
        for method in ordered:
            maps = make_explainer(method, model, layer).explain(images, classes)
            row = {"model": name, "method": method,
                   **_row(model, images, classes, maps, how)}
            if checks:
                few = slice(0, CHECKED_FACES)
                row.update(_checks(model, layer, method, images[few], classes[few], maps[few],
                                   randomised))
            found.append(row)
        chance = found[-1]
        for row in found:
            row["beats_random"] = None if row is chance else beats_random(row, chance)
            row["default"] = bool(defaults and defaults.get(name) == row["method"])
        rows += found
    return rows


def format_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """The rows of :func:`compare_methods` as a plain-text table."""
    width = max(len("model"), *(len(row["model"]) for row in rows)) + 2
    method_width = max(len("method"), *(len(row["method"]) for row in rows)) + 3
    checks = [c for c in ("sanity", "stability") if any(row.get(c) is not None for row in rows)]
    lines = [f"{'model':<{width}}{'method':<{method_width}}"
             + "".join(f"{SCORE[m].label + ' ' + SCORE[m].arrow:>20}" for m in METRICS)
             + f"{'beats random':>14}" + "".join(f"{c:>11}" for c in checks)]
    for row in rows:
        wins = "" if row.get("beats_random") is None else f"{row['beats_random']}/{len(METRICS)}"
        mark = " *" if row.get("default") else ""
        lines.append(
            f"{row['model']:<{width}}{row['method'] + mark:<{method_width}}"
            + "".join(f"{row[m]:>20.3f}" for m in METRICS) + f"{wins:>14}"
            + "".join(f"{'' if row.get(c) is None else format(row[c], '.2f'):>11}"
                      for c in checks))
    lines.append("* the model's default method. sanity: rank correlation with the maps of the "
                 f"network with its top layers randomised (passes below {SANE_BELOW}); "
                 "stability: with the maps of the same face re-encoded as JPEG or shifted by a "
                 f"pixel (stable from {STABLE_ABOVE}).")
    return "\n".join(lines)


def format_markdown(rows: Sequence[Mapping[str, Any]]) -> str:
    """The rows of :func:`compare_methods` as a Markdown table, intervals in brackets."""
    def score(row: Mapping[str, Any], name: str) -> str:
        low, high = row[f"{name}_ci"]
        return f"{row[name]:.3f} [{low:.3f}, {high:.3f}]"

    def check(value: float | None) -> str:
        return "" if value is None else f"{value:.2f}"

    lines = ["| model | method | n | " + " | ".join(f"{SCORE[m].label} {SCORE[m].arrow}"
                                                 for m in DECIDING)
             + " | beats random | sanity | stability |",
             "|---|---|---:|" + "---:|" * len(DECIDING) + "---:|---:|---:|"]
    for row in rows:
        method = f"**{row['method']}** (default)" if row.get("default") else row["method"]
        wins = "" if row.get("beats_random") is None else f"{row['beats_random']}/{len(METRICS)}"
        lines.append(f"| {row['model']} | {method} | {row['n']} | "
                     + " | ".join(score(row, m) for m in DECIDING)
                     + f" | {wins} | {check(row.get('sanity'))} | {check(row.get('stability'))} |")
    return "\n".join(lines)
