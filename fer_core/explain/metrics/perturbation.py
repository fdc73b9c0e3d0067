"""Deletion and insertion curves (Petsiuk et al. 2018, RISE) and the confidence change of the
face seen through its map (Chattopadhay et al. 2018): does the map rank pixels by how much the
model needs them?

Deletion removes the most salient pixels first: a faithful map makes the class probability fall
fast (low area under the curve). Insertion reveals them first on a blank face: the probability
should rise fast (high area). Removed pixels take a baseline value rather than black, so the
model sees missing evidence rather than a strange dark shape. Every perturbed face of a batch
goes through the model in one call, and each distinct one once: the face itself and its blank
start or end every curve of every map of it.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import keras
import numpy as np

from ...errors import ModelError
from ...inference import forward

MODES = ("deletion", "insertion")
BASELINES = ("blur", "mean")
CHUNK = 64  # maps per model call: CHUNK x (2 x (steps + 1) + 2) perturbed faces


@dataclass(frozen=True)
class Perturbation:
    """How a map's pixels are taken away (deletion) or given back (insertion): in ``steps``
    equal shares, a removed pixel taking the ``baseline``'s value (:func:`baseline_images`)."""

    steps: int = 20
    baseline: str = "blur"


def baseline_images(images: np.ndarray, kind: str = "blur") -> np.ndarray:
    """What removed pixels become: the face heavily blurred (shapes gone, lighting kept) or
    its mean grey."""
    images = images.astype(np.float32)
    if kind == "blur":
        return np.stack([cv2.GaussianBlur(image, (0, 0), sigmaX=5) for image in images])
    if kind == "mean":
        return np.broadcast_to(images.mean(axis=(1, 2), keepdims=True), images.shape).copy()
    raise ModelError(f"unknown perturbation baseline {kind!r}; known: {', '.join(BASELINES)}")


def saliency_ranks(heatmaps: np.ndarray) -> np.ndarray:
    """Per map, each pixel's rank by decreasing saliency (0 = most salient); ties in reading
    order, so the ranking is deterministic."""
    flat = heatmaps.reshape(len(heatmaps), -1)
    order = np.argsort(-flat, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(flat.shape[1])[None, :], axis=1)
    return ranks.reshape(heatmaps.shape)


def _sequences(images: np.ndarray, heatmaps: np.ndarray, how: Perturbation) -> np.ndarray:
    """(N, 2 x (steps + 1) + 2, 48, 48): the deletion steps, the insertion steps, the face and
    the face times its map."""
    faces = images.astype(np.float32)[:, None]
    blank = baseline_images(images, how.baseline)[:, None]
    counts = np.round(np.linspace(0, 1, how.steps + 1) * images[0].size)
    chosen = saliency_ranks(heatmaps)[:, None] < counts[None, :, None, None]
    return np.concatenate([np.where(chosen, blank, faces), np.where(chosen, faces, blank),
                           faces, faces * heatmaps[:, None]], axis=1)


def perturbation_scores(model: keras.Model, images: np.ndarray, classes: np.ndarray,
                        heatmaps: np.ndarray, how: Perturbation = Perturbation(),
                        ) -> dict[str, np.ndarray]:
    """Per face: ``deletion`` and ``insertion`` curves (N, steps + 1) of the class's
    probability, and ``original`` and ``masked`` probabilities (N,) of the face and of the face
    times its map."""
    classes = np.asarray(classes)
    steps = how.steps
    rows = 2 * (steps + 1) + 2
    picked = []
    for start in range(0, len(images), CHUNK):
        part = slice(start, start + CHUNK)
        sequence = _sequences(images[part], heatmaps[part], how)
        flat = sequence.reshape(-1, *images.shape[1:])
        distinct, where = np.unique(flat.reshape(len(flat), -1), axis=0, return_inverse=True)
        proba = forward(model, distinct.reshape(-1, *images.shape[1:]))[where.ravel()].reshape(
            len(sequence), rows, -1)
        picked.append(np.take_along_axis(proba, classes[part, None, None], axis=2)[..., 0])
    curves = np.concatenate(picked)
    return {"deletion": curves[:, :steps + 1], "insertion": curves[:, steps + 1:2 * steps + 2],
            "original": curves[:, -2], "masked": curves[:, -1]}


def perturbation_curves(model: keras.Model, images: np.ndarray, classes: np.ndarray,
                        heatmaps: np.ndarray, mode: str = "deletion",
                        how: Perturbation = Perturbation()) -> np.ndarray:
    """Probability of each face's class (N, steps + 1) as 0, 1/steps, ..., all of its pixels
    are deleted (or inserted) in saliency order."""
    if mode not in MODES:
        raise ModelError(f"unknown perturbation mode {mode!r}; known: {', '.join(MODES)}")
    return perturbation_scores(model, images, classes, heatmaps, how)[mode]


def area_under(curves: np.ndarray) -> np.ndarray:
    """Trapezoid area of each curve over the fraction of pixels, [0, 1]: one number per face."""
    return np.trapezoid(curves, dx=1.0 / (curves.shape[1] - 1), axis=1)
