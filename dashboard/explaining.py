"""Predictions and explanations of one face, cached so that a rerun redraws instead of recomputing.

Every result is keyed by the model's version (folder and file time), the methods, the class and
the face's pixels; the Keras model itself is passed unhashed (a leading underscore tells
Streamlit to skip it). Results are shared by every session of the server process.
"""

from __future__ import annotations

import keras
import numpy as np
import streamlit as st

from fer_core.data import Dataset
from fer_core.evaluate import align_to_classes, known_rows, predict_proba
from fer_core.explain import BASELINE, METHODS, MethodResult, explain_face, method_class
from fer_core.store import StoredModel

from .compute import MODEL_TIME

OWN = "own"
"""The method picker's entry for each model's own default method."""
CHOICES = (OWN, *(m for m in METHODS if m != BASELINE))


def method_title(method: str) -> str:
    return "Each model's own" if method == OWN else method_class(method).title


def methods_for(stored: StoredModel, picked: list[str]) -> list[str]:
    """The methods a model's row shows: its own default first where asked, then the others."""
    own = [stored.own_method] if OWN in picked else []
    return list(dict.fromkeys(own + [m for m in picked if m != OWN]))


@st.cache_data(max_entries=512, show_spinner=False)
def probabilities(_model: keras.Model, version: str, face: np.ndarray) -> np.ndarray:
    """The model's class probabilities for one uint8 48x48 face (milliseconds: ahead of the
    maps waiting for the model)."""
    with MODEL_TIME.quick:
        return predict_proba(_model, face[None])[0]


@st.cache_data(max_entries=512, show_spinner=False)
def explanations(_model: keras.Model, version: str, layer: str | None, methods: tuple[str, ...],
                 face: np.ndarray, target: int) -> dict[str, MethodResult]:
    """Every map of ``face`` for class ``target``, scored, with the random baseline last."""
    with MODEL_TIME:
        return explain_face(_model, layer, methods, face, target)


@st.cache_data(max_entries=16, show_spinner="Predicting the test faces...")
def split_probabilities(_model: keras.Model, version: str, _images: np.ndarray,
                        images_key: str) -> np.ndarray:
    """The model's probabilities for a set of faces named by ``images_key`` (the split's
    fingerprint, and what was taken of it)."""
    with MODEL_TIME:
        return predict_proba(_model, _images)


def misclassified(model: keras.Model, version: str, classes: list[str],
                  test: Dataset) -> np.ndarray:
    """A mask over ``test``'s rows: the images this model gets wrong (its classes only)."""
    known = known_rows(test, classes)
    images, labels = align_to_classes(test, classes)
    wrong = np.zeros(len(test), dtype=bool)
    predicted = split_probabilities(model, version, images, test.fingerprint).argmax(axis=1)
    wrong[known] = predicted != labels
    return wrong
