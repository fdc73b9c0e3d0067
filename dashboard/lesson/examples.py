"""The Lesson page's examples (found by :mod:`fer_core.lesson`), with the model's predictions
cached for the session, and the sanity lesson's two maps side by side."""

from __future__ import annotations

import numpy as np
import streamlit as st

from fer_core import lesson
from fer_core.data import Dataset
from fer_core.explain import make_explainer, overlay
from fer_core.explain.metrics.checks import randomised_top
from fer_core.store import StoredModel

from ..compute import MODEL_TIME
from ..data_views import audit_findings
from ..explaining import split_probabilities
from ..pictures import enlarged
from ..sources import load_model, model_version


def _sample(stored: StoredModel, dataset: Dataset) -> tuple[lesson.Sample, np.ndarray] | None:
    model = load_model(stored)
    if model is None:
        return None
    sample = lesson.lesson_sample(dataset, stored.classes)
    return sample, split_probabilities(model, model_version(stored), sample.images, sample.key)


def confident_right(stored: StoredModel, dataset: Dataset) -> lesson.Example | None:
    found = _sample(stored, dataset)
    return lesson.confident_right(stored, *found) if found else None


def mistaken(stored: StoredModel, dataset: Dataset) -> lesson.Example | None:
    found = _sample(stored, dataset)
    return lesson.mistaken(stored, *found) if found else None


def leaked(dataset: Dataset) -> lesson.Example | None:
    return lesson.leaked(dataset, audit_findings(dataset, dataset.fingerprint)[0])


def sanity_pair(stored: StoredModel, method: str, face: np.ndarray) -> None:
    """The method's map of the trained network beside the map of the network with random top
    layers: nearly the same picture, so the map shows the face, not what was learned."""
    model = load_model(stored)
    if model is None:
        return
    with MODEL_TIME:
        trained = make_explainer(method, model, stored.gradcam_layer).explain(face[None])[0]
        scrambled = randomised_top(model, stored.gradcam_layer)
        random = make_explainer(method, scrambled, stored.gradcam_layer).explain(face[None])[0]
    left, middle, right = st.columns(3)
    left.image(enlarged(face, 192), caption="the face")
    middle.image(overlay(face, trained, size=192), caption=f"{method}, trained {stored.name}")
    right.image(overlay(face, random, size=192), caption=f"{method}, top layers random")
