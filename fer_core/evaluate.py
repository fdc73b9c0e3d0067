"""Evaluation: predictions with test-time augmentation, ensembles, and the figures we report.

Accuracy, macro-F1, per-class precision/recall/F1 and the confusion matrix come from
scikit-learn; expected calibration error says whether a model's confidence can be trusted.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import keras
import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

from .data import Dataset
from .errors import ModelError
from .inference import forward, model_input

TTA_MODES = ("flip", "tencrop")
CROP = 42  # ten-crop window on a 48x48 face; crops are resized back to 48


def ten_crops(images: np.ndarray) -> list[np.ndarray]:
    """The four corner crops and the centre crop, each also flipped, resized back to 48x48."""
    size = images.shape[1]
    offsets = [(0, 0), (0, size - CROP), (size - CROP, 0), (size - CROP, size - CROP),
               ((size - CROP) // 2, (size - CROP) // 2)]
    views = []
    for top, left in offsets:
        crop = images[:, top:top + CROP, left:left + CROP, None].astype(np.float32)
        resized = keras.ops.convert_to_numpy(keras.ops.image.resize(crop, (size, size)))
        views += [resized, resized[:, :, ::-1]]
    return views


def predict_proba(model: keras.Model, images: np.ndarray, tta: str | None = None) -> np.ndarray:
    """Class probabilities for uint8 faces (N, 48, 48), averaged over the TTA views if asked."""
    if tta not in (None, *TTA_MODES):
        raise ModelError(f"unknown TTA {tta!r}; known: {', '.join(TTA_MODES)}")
    x = model_input(images)
    if tta is None:
        views = [x]
    elif tta == "flip":
        views = [x, x[:, :, ::-1]]
    else:
        views = ten_crops(images)
    return np.mean([forward(model, v) for v in views], axis=0)


def ensemble_proba(members: Sequence[np.ndarray]) -> np.ndarray:
    """An ensemble's class probabilities: its members' (each N x classes), averaged."""
    return np.mean(members, axis=0)


def expected_calibration_error(labels: np.ndarray, proba: np.ndarray, bins: int = 15) -> float:
    """Mean gap between confidence and accuracy over equal-width confidence bins, weighted."""
    confidence = proba.max(axis=1)
    correct = proba.argmax(axis=1) == labels
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    error = 0.0
    for b in range(bins):
        members = which == b
        if members.any():
            error += members.mean() * abs(correct[members].mean() - confidence[members].mean())
    return float(error)


def classification_metrics(
    labels: np.ndarray, proba: np.ndarray, classes: Sequence[str]
) -> dict[str, Any]:
    """The figures of one model on one split, as stored in ``metrics.json``."""
    predicted = proba.argmax(axis=1)
    ids = list(range(len(classes)))
    precision, recall, f1, support = precision_recall_fscore_support(
        labels, predicted, labels=ids, zero_division=0)
    return {
        "accuracy": float((predicted == labels).mean()),
        "macro_f1": float(f1_score(labels, predicted, labels=ids, average="macro",
                                   zero_division=0)),
        "ece": expected_calibration_error(labels, proba),
        "per_class": {
            name: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for name, p, r, f, s in zip(classes, precision, recall, f1, support, strict=True)
        },
        "confusion": confusion_matrix(labels, predicted, labels=ids).tolist(),
        "classes": list(classes),
        "n": int(len(labels)),
    }


def known_rows(dataset: Dataset, classes: Sequence[str]) -> np.ndarray:
    """A mask over ``dataset``'s rows: those whose class is one of ``classes``."""
    return np.isin(np.asarray(dataset.classes)[dataset.labels], list(classes))


def align_to_classes(dataset: Dataset, classes: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Images and labels of ``dataset`` in a model's class order, dropping classes it lacks
    (the rows :func:`known_rows` keeps).

    A model trained without ``disgust`` is evaluated on the other six classes only.
    """
    keep = known_rows(dataset, classes)
    if not keep.any():
        raise ModelError("the dataset has no images of the model's classes")
    position = {name: i for i, name in enumerate(classes)}
    mapping = np.array([position.get(name, -1) for name in dataset.classes])
    return dataset.images[keep], mapping[dataset.labels][keep]


def provenance(dataset: Dataset, split: str) -> dict[str, str]:
    """Which data a figure was measured on: split, fingerprints, cleaning policy, source."""
    return {"split": split, "dataset_fingerprint": dataset.fingerprint,
            "source_fingerprint": dataset.source_fingerprint, "policy": dataset.policy,
            "source": dataset.source}


def full_report(models: Sequence[keras.Model], classes: Sequence[str], dataset: Dataset,
                split: str = "test",
                on_step: Callable[[int, int, str], None] | None = None) -> dict[str, Any]:
    """``metrics.json`` content: plain figures plus flip and ten-crop TTA, with provenance.

    Several models are averaged as an ensemble. ``on_step(done, total, what)`` hears of each
    of the passes over the split (a big model takes minutes for all of them).
    """
    part = dataset.required_split(split)
    images, labels = align_to_classes(part, classes)
    modes = (None, *TTA_MODES)
    total = len(modes) * len(models)
    done = 0

    def proba(tta: str | None) -> np.ndarray:
        nonlocal done
        found = []
        for model in models:
            if on_step is not None:
                on_step(done, total, tta or "plain")
            found.append(predict_proba(model, images, tta))
            done += 1
        return ensemble_proba(found)

    report = classification_metrics(labels, proba(None), classes)
    report["tta"] = {mode: classification_metrics(labels, proba(mode), classes)
                     for mode in TTA_MODES}
    report["data"] = provenance(part, split)
    return report
