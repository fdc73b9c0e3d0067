"""Deletion and insertion curves (Petsiuk et al. 2018, RISE): does the map rank pixels by how
much the model needs them?

Deletion removes the most salient pixels first: a faithful map makes the class probability fall
fast (low area under the curve). Insertion reveals them first on a blank face: the probability
should rise fast (high area). Removed pixels take a baseline value rather than black, so the
model sees missing evidence rather than a strange dark shape.
"""

from __future__ import annotations

import cv2
import keras
import numpy as np

from ...errors import ModelError
from ...evaluate import predict_proba

MODES = ("deletion", "insertion")
BASELINES = ("blur", "mean")
CHUNK = 128  # faces per predict call: steps x CHUNK perturbed faces


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


def perturbation_curves(
    model: keras.Model,
    images: np.ndarray,
    classes: np.ndarray,
    heatmaps: np.ndarray,
    mode: str = "deletion",
    steps: int = 20,
    baseline: str = "blur",
) -> np.ndarray:
    """Probability of each face's class (N, steps + 1) as 0, 1/steps, ..., all of its pixels
    are deleted (or inserted) in saliency order; every step of a chunk of faces goes through
    one ``predict`` call."""
    if mode not in MODES:
        raise ModelError(f"unknown perturbation mode {mode!r}; known: {', '.join(MODES)}")
    classes = np.asarray(classes)
    counts = np.round(np.linspace(0, 1, steps + 1) * images[0].size)
    curves = []
    for start in range(0, len(images), CHUNK):
        part = slice(start, start + CHUNK)
        faces = images[part].astype(np.float32)[:, None]
        blank = baseline_images(images[part], baseline)[:, None]
        chosen = saliency_ranks(heatmaps[part])[:, None] < counts[None, :, None, None]
        if mode == "deletion":
            sequence = np.where(chosen, blank, faces)
        else:
            sequence = np.where(chosen, faces, blank)
        proba = predict_proba(model, sequence.reshape(-1, *images.shape[1:]))
        proba = proba.reshape(len(faces), steps + 1, -1)
        curves.append(np.take_along_axis(proba, classes[part, None, None], axis=2)[..., 0])
    return np.concatenate(curves)


def area_under(curves: np.ndarray) -> np.ndarray:
    """Trapezoid area of each curve over the fraction of pixels, [0, 1]: one number per face."""
    return np.trapezoid(curves, dx=1.0 / (curves.shape[1] - 1), axis=1)
