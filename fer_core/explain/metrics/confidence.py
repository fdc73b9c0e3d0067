"""Average drop and increase in confidence (Chattopadhay et al. 2018, Grad-CAM++): how much of
the model's confidence survives when it sees only what the map highlights (the face multiplied
by the map)."""

from __future__ import annotations

import keras
import numpy as np

from ...evaluate import predict_proba


def confidence_change(
    model: keras.Model, images: np.ndarray, classes: np.ndarray, heatmaps: np.ndarray
) -> dict[str, float]:
    """``average_drop``: mean relative loss of the class probability, max(0, Y - O) / Y (lower
    is better); ``average_increase``: fraction of faces whose probability rises (higher is
    better). Y is the probability on the face, O on the face x map; one ``predict`` for both."""
    masked = images.astype(np.float32) * heatmaps
    proba = predict_proba(model, np.concatenate([images.astype(np.float32), masked]))
    rows = np.arange(len(images))
    original = proba[:len(images)][rows, classes]
    explained = proba[len(images):][rows, classes]
    drop = np.maximum(0.0, original - explained) / np.maximum(original, 1e-12)
    return {"average_drop": float(drop.mean()),
            "average_increase": float((explained > original).mean())}
