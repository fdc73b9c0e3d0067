"""Synthetic faces whose emotion is decided by one known region: ground truth for explanations.

On real faces nobody knows which pixels a model *should* look at. Here the class is the bend of
the mouth alone (a smile curves up, a sad mouth down, a neutral one is flat), while eyes, brows,
skin, lighting and noise vary at random and say nothing about the class. A model that classifies
these faces well must use the mouth, so a faithful explanation must point at it: see
:func:`fer_core.explain.metrics.pointing_game`.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..data import IMAGE_SIZE

SYNTHETIC_CLASSES: tuple[str, ...] = ("happy", "sad", "neutral")
MOUTH_BEND = {"happy": 1, "sad": -1, "neutral": 0}  # sign of how far the corners rise
MAX_RISE = 6.0  # pixels


@dataclass(frozen=True)
class SyntheticFaces:
    """``images`` uint8 (N, 48, 48), ``labels`` (N,) into ``classes``, and ``regions`` bool
    (N, 48, 48): the only part of the face that decides the label.

    A region is the mouth's box as tall as any bend of that mouth could make it, whatever its
    label: a neutral mouth is told from a smile by the *plain skin* where a smile's corners
    would be, so that skin is evidence too, and the box's size gives away nothing.
    """

    images: np.ndarray
    labels: np.ndarray
    regions: np.ndarray
    classes: tuple[str, ...] = SYNTHETIC_CLASSES


def _curve(centre_x: float, centre_y: float, half_width: float, rise: float) -> np.ndarray:
    """Points of a parabola through the centre whose two ends sit ``rise`` pixels higher."""
    xs = np.linspace(-half_width, half_width, 15)
    ys = centre_y - rise * (xs / half_width) ** 2
    return np.round(np.stack([centre_x + xs, ys], axis=1)).astype(np.int32)


def _draw_distractors(image: np.ndarray, rng: np.random.Generator) -> None:
    """Skin, eyes and straight brows of random place, size, shade and tilt: nothing of the label."""
    centre = (int(24 + rng.integers(-2, 3)), int(24 + rng.integers(-2, 3)))
    axes = (int(rng.integers(16, 20)), int(rng.integers(20, 24)))
    cv2.ellipse(image, centre, axes, 0, 0, 360, float(rng.uniform(120, 200)), -1)
    for side in (-1, 1):
        eye_x, eye_y = int(24 + side * rng.integers(7, 11)), int(rng.integers(17, 21))
        eye_axes = (int(rng.integers(2, 5)), int(rng.integers(1, 3)))
        cv2.ellipse(image, (eye_x, eye_y), eye_axes, 0, 0, 360, float(rng.uniform(0, 255)), -1)
        brow_y, half, tilt = eye_y - rng.uniform(5, 8), rng.uniform(3, 5), rng.uniform(-3, 3)
        brow = np.round([[eye_x - half, brow_y - tilt], [eye_x + half, brow_y + tilt]])
        cv2.polylines(image, [brow.astype(np.int32)], False, float(rng.uniform(0, 255)),
                      int(rng.integers(1, 3)))


def _draw_mouth(image: np.ndarray, rng: np.random.Generator, label: str) -> np.ndarray:
    """The mouth, bent as ``label`` says; returns its region (see :class:`SyntheticFaces`)."""
    x, y, half_width = 24 + rng.uniform(-3, 3), 36 + rng.uniform(-2, 2), rng.uniform(6, 9)
    mouth = _curve(x, y, half_width, MOUTH_BEND[label] * rng.uniform(4, MAX_RISE))
    cv2.polylines(image, [mouth], False, float(rng.uniform(0, 80)), 2)
    region = np.zeros(image.shape, bool)
    reach_x, reach_y = half_width + 1, MAX_RISE + 1  # + 1: the line is 2 pixels thick
    region[int(y - reach_y):int(np.ceil(y + reach_y)) + 1,
           int(x - reach_x):int(np.ceil(x + reach_x)) + 1] = True
    return region


def _draw_face(rng: np.random.Generator, label: str) -> tuple[np.ndarray, np.ndarray]:
    """One noisy face and its region."""
    image = np.full((IMAGE_SIZE, IMAGE_SIZE), rng.uniform(20, 90), np.float32)
    _draw_distractors(image, rng)
    region = _draw_mouth(image, rng, label)
    image += rng.normal(0, rng.uniform(3, 12), image.shape)
    return np.clip(np.round(image), 0, 255).astype(np.uint8), region


def synthetic_faces(n: int, seed: int = 0) -> SyntheticFaces:
    """``n`` faces with balanced, shuffled labels; the same ``seed`` draws the same faces."""
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % len(SYNTHETIC_CLASSES))
    faces = [_draw_face(rng, SYNTHETIC_CLASSES[label]) for label in labels]
    return SyntheticFaces(np.stack([face for face, _ in faces]), labels,
                          np.stack([region for _, region in faces]))
