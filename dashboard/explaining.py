"""Predictions and explanations of one face, cached so that a rerun redraws instead of recomputing.

Every result is keyed by the model's version (folder and file time), the method and the face's
pixels; the Keras model itself is passed unhashed (a leading underscore tells Streamlit to skip
it). Changing one widget therefore only computes the cells that are new.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
import streamlit as st

from fer_core.data import Dataset
from fer_core.evaluate import align_to_classes, predict_proba
from fer_core.explain import make_explainer
from fer_core.explain.metrics import RANDOM, faithfulness, random_maps

METHOD_NAMES = {
    "gradcam": "Grad-CAM",
    "gradcampp": "Grad-CAM++",
    "scorecam": "Score-CAM",
    "layercam": "LayerCAM",
    "saliency": "Saliency",
    "smoothgrad": "SmoothGrad",
    RANDOM: "random (baseline)",
}
SCORE_NAMES = {
    "deletion_auc": ("deletion AUC ↓", "Lower is better"),
    "insertion_auc": ("insertion AUC ↑", "Higher is better"),
    "average_drop": ("average drop ↓", "Lower is better"),
    "average_increase": ("average increase ↑", "Higher is better"),
}
"""Each faithfulness score's column title, with the arrow of the better direction, and help."""


@dataclass(frozen=True)
class Explanation:
    """One map in [0, 1] over the 48x48 face, and its faithfulness scores."""

    heatmap: np.ndarray
    scores: dict[str, float]


@st.cache_data(max_entries=512, show_spinner=False)
def probabilities(_model: keras.Model, version: str, face: np.ndarray) -> np.ndarray:
    """The model's class probabilities for one uint8 48x48 face."""
    return predict_proba(_model, face[None])[0]


@st.cache_data(max_entries=1024, show_spinner=False)
def explain(_model: keras.Model, version: str, layer: str | None, method: str,
            face: np.ndarray, target: int) -> Explanation:
    """The ``method`` map of ``face`` for class ``target``, with its faithfulness scores.

    ``random`` gives noise scored the same way: the baseline a method has to beat.
    """
    if method == RANDOM:
        heatmap = random_maps(face[None].shape)[0]
    else:
        heatmap = make_explainer(method, _model, layer).explain(face[None], target)[0]
    scores = faithfulness(_model, face[None], np.array([target]), heatmap[None])
    return Explanation(heatmap, scores)


@st.cache_data(max_entries=16, show_spinner="Predicting the test split...")
def _test_predictions(_model: keras.Model, version: str, _images: np.ndarray,
                      fingerprint: str) -> np.ndarray:
    return predict_proba(_model, _images).argmax(axis=1)


def misclassified(model: keras.Model, version: str, classes: list[str],
                  test: Dataset) -> np.ndarray:
    """A mask over ``test``'s rows: the images this model gets wrong (its classes only)."""
    known = np.isin(np.asarray(test.classes)[test.labels], classes)
    images, labels = align_to_classes(test, classes)
    wrong = np.zeros(len(test), dtype=bool)
    wrong[known] = _test_predictions(model, version, images, test.fingerprint) != labels
    return wrong
