"""The table of stored models, from their own files: what the README shows, never typed."""

from __future__ import annotations

from typing import Sequence

from .store import StoredModel


def _percent(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}%}"


def _hours(seconds: float | None) -> str:
    if not seconds:
        return "-"
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min"


def _study(stored: StoredModel) -> str:
    from .errors import ModelError
    from .models import get_spec

    try:
        return _percent(get_spec(stored.family).study_accuracy)
    except ModelError:  # an ensemble
        return "-"


def zoo_markdown(models: Sequence[StoredModel]) -> str:
    """One row per stored model: parameters, training epochs and CPU time, test accuracy raw,
    with flip and with ten-crop TTA, accuracy on the real validation photos (as recorded by
    ``fer predict --record``), macro-F1, the study's figure for its family, and the
    explanation method chosen for it."""
    lines = ["| model | params | epochs | last run's training | test | flip | ten-crop "
             "| real photos | macro-F1 | study | explained by |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for stored in models:
        metrics = stored.metrics or {}
        tta = metrics.get("tta") or {}
        config = stored.config
        epochs = "-" if stored.is_ensemble else str(len(stored.history) or config.get("epochs"))
        method = stored.default_method or ("-" if stored.is_ensemble else "none beats random")
        lines.append(
            f"| `{stored.name}` | {config.get('parameters', 0) / 1e6:.2f} M | {epochs} | "
            f"{_hours(config.get('training_seconds'))} | {_percent(metrics.get('accuracy'))} | "
            f"{_percent(tta.get('flip', {}).get('accuracy'))} | "
            f"{_percent(tta.get('tencrop', {}).get('accuracy'))} | "
            f"{_percent(stored.real_photo_accuracy)} | "
            f"{metrics.get('macro_f1', float('nan')):.3f} | {_study(stored)} | {method} |")
    return "\n".join(lines)


def real_photos_markdown(models: Sequence[StoredModel]) -> str:
    """One row per model scored on the real validation photos: faces found, accuracy and each
    emotion's recall there, beside its FER2013 test accuracy; models never scored are left out."""
    scored = [(stored, stored.real_photo_scores) for stored in models]
    scored = [(stored, scores) for stored, scores in scored if scores]
    emotions = list(dict.fromkeys(e for _, scores in scored for e in scores.get("recall", {})))
    lines = ["| model | faces found | real photos | " + " | ".join(emotions) + " | FER2013 test |",
             "|---|---:|---:|" + "---:|" * len(emotions) + "---:|"]
    for stored, scores in scored:
        recall = scores.get("recall", {})
        lines.append(
            f"| `{stored.name}` | {scores.get('faces_found', '-')} of {scores.get('photos', '-')} "
            f"| {_percent(scores.get('accuracy'))} | "
            + " | ".join(_percent(recall.get(e), digits=0) for e in emotions)
            + f" | {_percent(stored.test_accuracy)} |")
    return "\n".join(lines)
