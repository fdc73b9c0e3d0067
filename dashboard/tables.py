"""Stored models' records as tidy tables: what the figures draw and the CSV downloads contain.

One table per figure, built once: the chart and the "download as CSV" button show the same data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np
import pandas as pd

from fer_core.store import StoredModel

from .sources import model_costs, study_accuracy

if TYPE_CHECKING:
    from fer_core.models import ModelSpec

CURVE_COLUMNS = ("loss", "accuracy", "val_loss", "val_accuracy", "learning_rate", "seconds")


def _tta(metrics: dict, mode: str) -> float | None:
    return (metrics.get("tta") or {}).get(mode, {}).get("accuracy")


def accuracy_frame(models: Sequence[StoredModel]) -> pd.DataFrame:
    """Per model: family, parameters, test accuracy without and with TTA, macro-F1, the study's."""
    rows = []
    for model in models:
        metrics = model.metrics or {}
        rows.append({
            "model": model.name,
            "family": model.family,
            "parameters": model.config.get("parameters"),
            "accuracy": metrics.get("accuracy"),
            "accuracy_flip": _tta(metrics, "flip"),
            "accuracy_tencrop": _tta(metrics, "tencrop"),
            "macro_f1": metrics.get("macro_f1"),
            "study_accuracy": study_accuracy(model),
            "test_images": metrics.get("n"),
        })
    return pd.DataFrame(rows, columns=[
        "model", "family", "parameters", "accuracy", "accuracy_flip", "accuracy_tencrop",
        "macro_f1", "study_accuracy", "test_images"])


def cost_frame(models: Sequence[StoredModel]) -> pd.DataFrame:
    """Per model: what it cost to train and costs to run, beside its test accuracy."""
    rows = []
    for model in models:
        macs, ms = model_costs(model)
        seconds = model.config.get("training_seconds")
        rows.append({"model": model.name, "accuracy": (model.metrics or {}).get("accuracy"),
                     "multiply_adds_m": None if macs is None else macs / 1e6,
                     "ms_per_face": ms,
                     "training_hours": None if seconds is None else seconds / 3600})
    return pd.DataFrame(rows, columns=["model", "accuracy", "multiply_adds_m", "ms_per_face",
                                       "training_hours"])


def zoo_frame(specs: Sequence[ModelSpec], models: Sequence[StoredModel]) -> pd.DataFrame:
    """Every stored model, then every family nobody has trained yet (with the study's figure)."""
    stored = accuracy_frame(models)
    trained = set(stored["family"])
    untrained = pd.DataFrame([
        {"model": "(not trained yet)", "family": spec.name, "study_accuracy": spec.study_accuracy}
        for spec in specs if spec.name not in trained
    ], columns=["model", "family", "study_accuracy"])
    return pd.concat([stored, untrained], ignore_index=True) if len(untrained) else stored


def history_frame(models: Sequence[StoredModel]) -> pd.DataFrame:
    """Per model and epoch: training and validation loss and accuracy, learning rate, seconds."""
    rows = [{"model": model.name, "epoch": record.get("epoch", i + 1),
             **{key: record.get(key) for key in CURVE_COLUMNS}}
            for model in models for i, record in enumerate(model.history)]
    return pd.DataFrame(rows, columns=["model", "epoch", *CURVE_COLUMNS])


def curves_frame(history: Sequence[dict], model: str) -> pd.DataFrame:
    """A live run's epochs in :func:`history_frame`'s form, for the same learning-curve chart."""
    return pd.DataFrame(
        [{"model": model, "epoch": r["epoch"], **{k: r.get(k) for k in CURVE_COLUMNS}}
         for r in history],
        columns=["model", "epoch", *CURVE_COLUMNS])


def confusion_frame(models: Sequence[StoredModel]) -> pd.DataFrame:
    """Per model, true and predicted class: the test count and its share of the true class."""
    rows = []
    for model in models:
        metrics = model.metrics or {}
        if "confusion" not in metrics:
            continue
        matrix = np.asarray(metrics["confusion"], dtype=float)
        shares = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
        classes = metrics["classes"]
        rows += [{"model": model.name, "true": t, "predicted": p, "count": int(matrix[i, j]),
                  "row_share": float(shares[i, j])}
                 for i, t in enumerate(classes) for j, p in enumerate(classes)]
    return pd.DataFrame(rows, columns=["model", "true", "predicted", "count", "row_share"])


def per_class_frame(models: Sequence[StoredModel]) -> pd.DataFrame:
    """Per model and class: test precision, recall, F1 and support."""
    rows = [{"model": model.name, "class": name, **figures}
            for model in models
            for name, figures in ((model.metrics or {}).get("per_class") or {}).items()]
    return pd.DataFrame(rows, columns=["model", "class", "precision", "recall", "f1", "support"])
