"""The Lesson page's examples: five faces that each teach one thing, found in the data (or drawn
by the project) and shown with the same grid as Explain."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from fer_core.data import Dataset
from fer_core.evaluate import align_to_classes
from fer_core.explain import make_explainer, overlay
from fer_core.explain.metrics import SANE_BELOW
from fer_core.explain.metrics.checks import randomised_top
from fer_core.store import StoredModel

from ..data_views import audit_findings
from ..explaining import split_probabilities
from ..pictures import enlarged
from ..sources import load_model, model_version

SAMPLE = 600  # test faces searched for an example: enough to find each kind, quick to predict


@dataclass(frozen=True)
class Example:
    """A face to show, what it is, and its label where the data gives one."""

    face: np.ndarray
    note: str
    truth: str | None = None
    is_face: bool = True


def _predictions(stored: StoredModel, dataset: Dataset) -> tuple[np.ndarray, np.ndarray,
                                                                   np.ndarray, np.ndarray]:
    """A seeded sample of test faces, their labels, ids and the model's probabilities."""
    test = dataset.split("test")
    images, labels = align_to_classes(test, stored.classes)
    ids = np.asarray(test.ids)[np.isin(np.asarray(test.classes)[test.labels], stored.classes)]
    pick = np.sort(np.random.default_rng(0).choice(len(images), min(SAMPLE, len(images)),
                                                   replace=False))
    model = load_model(stored)
    proba = split_probabilities(model, model_version(stored), images[pick],
                                f"{test.fingerprint}:{SAMPLE}")
    return images[pick], labels[pick], ids[pick], proba


def confident_right(stored: StoredModel, dataset: Dataset) -> Example | None:
    images, labels, ids, proba = _predictions(stored, dataset)
    right = np.flatnonzero(proba.argmax(axis=1) == labels)
    if not len(right):
        return None
    best = right[np.argmax(proba[right].max(axis=1))]
    truth = stored.classes[labels[best]]
    return Example(images[best], f"{ids[best]}: {stored.name} is {proba[best].max():.0%} sure, "
                                 f"and right.", truth)


def mistaken(stored: StoredModel, dataset: Dataset, truth: str = "fear",
             guess: str = "surprise") -> Example | None:
    if truth not in stored.classes or guess not in stored.classes:
        return None
    images, labels, ids, proba = _predictions(stored, dataset)
    t, g = stored.classes.index(truth), stored.classes.index(guess)
    cell = np.flatnonzero((labels == t) & (proba.argmax(axis=1) == g))
    if not len(cell):
        return None
    best = cell[np.argmax(proba[cell, g])]
    return Example(images[best], f"{ids[best]}: labelled {truth}, and {stored.name} says "
                                 f"{guess} ({proba[best, g]:.0%}). Wide eyes and an open mouth "
                                 "belong to both.", truth)


def leaked(dataset: Dataset) -> Example | None:
    findings, _ = audit_findings(dataset, dataset.fingerprint)
    leaks = findings[(findings["reason"] == "cross_split_duplicate")
                     & (findings["split"] == "test")]
    if leaks.empty:
        return None
    row = leaks.iloc[0]
    face = dataset.images[int(row["row"])]
    return Example(face, f"{row['id']} is in the test split, and the same picture is in train: "
                         "a model that is right here may only remember it.", str(row["label"]))


def not_a_face() -> Example:
    gradient = np.tile(np.linspace(20, 235, 48), (48, 1)).astype(np.uint8)
    return Example(gradient, "A grey gradient: no face at all.", is_face=False)


def failing_method(models: list[StoredModel]) -> tuple[StoredModel, str] | None:
    """A model and a method whose maps its validation check found nearly unchanged when the
    network's top layers were randomised."""
    for stored in models:
        methods = (stored.config.get("explanation_checks") or {}).get("methods", {})
        for method, checks in methods.items():
            if checks.get("sanity") is not None and checks["sanity"] >= SANE_BELOW:
                return stored, method
    return None


def sanity_pair(stored: StoredModel, method: str, face: np.ndarray) -> None:
    """The method's map of the trained network beside the map of the network with random top
    layers: nearly the same picture, so the map shows the face, not what was learned."""
    model = load_model(stored)
    if model is None:
        return
    trained = make_explainer(method, model, stored.gradcam_layer).explain(face[None])[0]
    scrambled = randomised_top(model, stored.gradcam_layer)
    random = make_explainer(method, scrambled, stored.gradcam_layer).explain(face[None])[0]
    left, middle, right = st.columns(3)
    left.image(enlarged(face, 192), caption="the face")
    middle.image(overlay(face, trained, size=192), caption=f"{method}, trained {stored.name}")
    right.image(overlay(face, random, size=192), caption=f"{method}, top layers random")
