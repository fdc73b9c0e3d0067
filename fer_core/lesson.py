"""A lesson in five faces, each teaching one thing about what these models do: a confident right
answer, fear taken for surprise, a train/test leak, a non-face that still gets an answer, and a
map that fails its sanity check. The faces are found in the data (a seeded sample of the test
split, so that a lesson is the same from one class to the next)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .data import Dataset
from .evaluate import align_to_classes, known_rows
from .store import StoredModel

SAMPLE = 600  # test faces searched for an example: enough to find each kind, quick to predict


@dataclass(frozen=True)
class Example:
    """A face to show, what it teaches, its label where the data gives one, and its id."""

    face: np.ndarray
    note: str
    truth: str | None = None
    is_face: bool = True
    id: str | None = None


@dataclass(frozen=True)
class Sample:
    """The seeded sample of test faces a lesson searches, with labels and ids."""

    images: np.ndarray
    labels: np.ndarray
    ids: np.ndarray
    key: str  # names the sample, for caching its predictions


def lesson_sample(dataset: Dataset, classes: list[str]) -> Sample:
    """Up to ``SAMPLE`` test faces of ``classes``, drawn with seed 0."""
    test = dataset.split("test")
    images, labels = align_to_classes(test, classes)
    ids = np.asarray(test.ids)[known_rows(test, classes)]
    pick = np.sort(np.random.default_rng(0).choice(len(images), min(SAMPLE, len(images)),
                                                   replace=False))
    return Sample(images[pick], labels[pick], ids[pick], f"{test.fingerprint}:{SAMPLE}")


def confident_right(stored: StoredModel, sample: Sample, proba: np.ndarray) -> Example | None:
    """The face the model is surest of among those it gets right."""
    right = np.flatnonzero(proba.argmax(axis=1) == sample.labels)
    if not len(right):
        return None
    best = right[np.argmax(proba[right].max(axis=1))]
    return Example(sample.images[best], f"{sample.ids[best]}: {stored.name} is "
                   f"{proba[best].max():.0%} sure, and right.",
                   stored.classes[sample.labels[best]], id=str(sample.ids[best]))


def mistaken(stored: StoredModel, sample: Sample, proba: np.ndarray, truth: str = "fear",
             guess: str = "surprise") -> Example | None:
    """The face labelled ``truth`` that the model most surely takes for ``guess``."""
    if truth not in stored.classes or guess not in stored.classes:
        return None
    t, g = stored.classes.index(truth), stored.classes.index(guess)
    cell = np.flatnonzero((sample.labels == t) & (proba.argmax(axis=1) == g))
    if not len(cell):
        return None
    best = cell[np.argmax(proba[cell, g])]
    return Example(sample.images[best], f"{sample.ids[best]}: labelled {truth}, and "
                   f"{stored.name} says {guess} ({proba[best, g]:.0%}). Wide eyes and an open "
                   "mouth belong to both.", truth, id=str(sample.ids[best]))


def leaked(dataset: Dataset, findings: pd.DataFrame) -> Example | None:
    """A test face whose picture is also in train (``findings``: the audit's table)."""
    leaks = findings[(findings["reason"] == "cross_split_duplicate")
                     & (findings["split"] == "test")]
    if leaks.empty:
        return None
    row = leaks.iloc[0]
    face = dataset.images[list(dataset.ids).index(row["id"])]
    return Example(face, f"{row['id']} is in the test split, and the "
                   "same picture is in train: a model that is right here may only remember it.",
                   str(row["label"]), id=str(row["id"]))


def not_a_face() -> Example:
    gradient = np.tile(np.linspace(20, 235, 48), (48, 1)).astype(np.uint8)
    return Example(gradient, "A grey gradient: no face at all.", is_face=False)


def failing_method(models: list[StoredModel]) -> tuple[StoredModel, str] | None:
    """A model and a method whose maps its validation check found nearly unchanged when the
    network's top layers were randomised."""
    for stored in models:
        for method, checks in stored.method_checks().items():
            if checks.sane is False:
                return stored, method
    return None
