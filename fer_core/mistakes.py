"""The faces behind one cell of a model's confusion matrix: the test faces of one emotion that a
model takes for another, surest first, with what the data audit says of each. A class learns
more from twelve such faces than from the number in the cell."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .cleaning import REASON_WORDS
from .errors import ModelError


@dataclass(frozen=True)
class Cell:
    """``rows`` (positions in the faces given, surest first, at most the limit asked) are
    ``total`` of the ``of`` faces of emotion ``true`` that the model predicts ``predicted``;
    ``probabilities`` are its probability of ``predicted`` for each row."""

    true: str
    predicted: str
    rows: np.ndarray
    probabilities: np.ndarray
    total: int
    of: int


def confusion_cell(proba: np.ndarray, labels: np.ndarray, classes: list[str], true: str,
                   predicted: str, limit: int = 12) -> Cell:
    """The cell (``true``, ``predicted``) of the confusion matrix of ``proba`` (faces x
    classes) against ``labels`` (indices into ``classes``)."""
    t, p = (emotion_index(classes, name) for name in (true, predicted))
    of_true = labels == t
    cell = np.flatnonzero(of_true & (proba.argmax(axis=1) == p))
    surest = cell[np.argsort(-proba[cell, p], kind="stable")][:limit]
    return Cell(classes[t], classes[p], surest, proba[surest, p], len(cell), int(of_true.sum()))


def audit_notes(findings: pd.DataFrame) -> dict[str, str]:
    """Image id to the audit's first finding for it, in words (``findings`` as
    :meth:`~fer_core.cleaning.Audit.to_frame` gives them)."""
    notes: dict[str, str] = {}
    for image_id, reason in zip(findings["id"], findings["reason"], strict=True):
        notes.setdefault(image_id, REASON_WORDS.get(reason, reason.replace("_", " ")))
    return notes


def emotion_index(classes: list[str], name: str) -> int:
    """The position of emotion ``name`` (any case) in ``classes``; a clear error if absent."""
    try:
        return classes.index(name.strip().lower())
    except ValueError:
        raise ModelError(f"no emotion {name!r}; the model's are {', '.join(classes)}") from None
