"""How a model holds up when faces look like real photos and webcams rather than FER2013's crops.

Each shift turns a batch of 48x48 faces into the faces a model would be given under one change
a real photo brings: lower or higher contrast, brightness and gamma, blur, a face seen small and
enlarged (a webcam at a distance), JPEG artefacts, a looser or tighter or shifted crop, a tilted
head, and a face found by the detector in a larger photo, as the Explain page finds it. The
table puts each model's accuracy and happy and neutral recall under each shift beside its clean
figures: what the real-photo gap is made of.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import numpy as np
from PIL import Image, ImageFilter

from .evaluate import ensemble_proba, predict_proba
from .faces import find_faces

Shift = Callable[[np.ndarray], np.ndarray]
"""Faces (N, 48, 48) uint8 in, the shifted faces out."""


def _each(change: Callable[[Image.Image], Image.Image]) -> Shift:
    def shifted(faces: np.ndarray) -> np.ndarray:
        return np.stack([np.asarray(change(Image.fromarray(face)).convert("L"))
                         for face in faces])
    return shifted


def _levels(change: Callable[[np.ndarray], np.ndarray]) -> Shift:
    def shifted(faces: np.ndarray) -> np.ndarray:
        return np.clip(change(faces.astype(np.float32)), 0, 255).astype(np.uint8)
    return shifted


def _contrast(factor: float) -> Shift:
    return _levels(lambda x: (x - x.mean(axis=(1, 2), keepdims=True)) * factor
                   + x.mean(axis=(1, 2), keepdims=True))


def _gamma(gamma: float) -> Shift:
    return _levels(lambda x: 255.0 * (x / 255.0) ** gamma)


def _jpeg(quality: int) -> Shift:
    def change(image: Image.Image) -> Image.Image:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality)
        return Image.open(buffer)
    return _each(change)


def _rescaled(side: int) -> Shift:
    return _each(lambda image: image.resize((side, side), Image.Resampling.BILINEAR)
                 .resize(image.size, Image.Resampling.BILINEAR))


def _crop_scale(scale: float) -> Shift:
    """The crop ``scale`` times as wide around the same centre (edges repeated outside)."""
    def change(image: Image.Image) -> Image.Image:
        side = image.size[0]
        pad = side
        padded = np.pad(np.asarray(image), pad, mode="edge")
        half = side * scale / 2
        centre = pad + side / 2
        box = (centre - half, centre - half, centre + half, centre + half)
        return Image.fromarray(padded).resize((side, side), Image.Resampling.BILINEAR, box=box)
    return _each(change)


def _shifted(fraction: float) -> Shift:
    def change(image: Image.Image) -> Image.Image:
        step = round(image.size[0] * fraction)
        array = np.pad(np.asarray(image), step, mode="edge")
        return Image.fromarray(array[2 * step:, 2 * step:][:image.size[1], :image.size[0]])
    return _each(change)


def _rotated(degrees: float) -> Shift:
    return _each(lambda image: image.rotate(degrees, Image.Resampling.BILINEAR,
                                            fillcolor=int(np.median(np.asarray(image)))))


REFRAME_SIDE = 180
"""Pixels the face is enlarged to in the photo the detector searches."""


def reframed(faces: np.ndarray) -> np.ndarray:
    """Each face enlarged into a larger plain photo and found again by the page's detector; the
    face as given where the detector finds none (:func:`reframe` says which)."""
    return reframe(faces)[0]


def reframe(faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The faces found again in larger photos (:func:`reframed`), and which were found."""
    found, detected = [], []
    for face in faces:
        photo = Image.new("L", (3 * REFRAME_SIDE // 2 * 2, 2 * REFRAME_SIDE),
                          int(np.median(face)))
        photo.paste(Image.fromarray(face).resize((REFRAME_SIDE, REFRAME_SIDE),
                                                 Image.Resampling.BICUBIC),
                    (REFRAME_SIDE, REFRAME_SIDE // 2))
        search = find_faces(photo)
        found.append(search.faces[0].crop if search.found else face)
        detected.append(search.found)
    return np.stack(found), np.array(detected)


SHIFTS: dict[str, Shift] = {
    "clean": lambda faces: faces,
    "contrast x0.5": _contrast(0.5),
    "contrast x1.5": _contrast(1.5),
    "brighter +40": _levels(lambda x: x + 40),
    "darker -40": _levels(lambda x: x - 40),
    "gamma 0.6": _gamma(0.6),
    "gamma 1.6": _gamma(1.6),
    "blur": _each(lambda image: image.filter(ImageFilter.GaussianBlur(1.2))),
    "seen at 16 px": _rescaled(16),
    "seen at 24 px": _rescaled(24),
    "JPEG q20": _jpeg(20),
    "crop 15% wider": _crop_scale(1.15),
    "crop 15% tighter": _crop_scale(0.85),
    "crop shifted 8%": _shifted(0.08),
    "tilted +15°": _rotated(15),
    "tilted -15°": _rotated(-15),
    "found in a photo": reframed,
}
"""Every shift by name, the clean faces first."""


def robustness_rows(models: dict[str, Sequence], images: np.ndarray, labels: np.ndarray,
                    classes: Sequence[str], shifts: Sequence[str] | None = None) -> list[dict]:
    """One row per model and shift: accuracy and happy and neutral recall. ``models`` maps a
    name to its Keras networks (several: an ensemble, their probabilities averaged)."""
    happy, neutral = classes.index("happy"), classes.index("neutral")
    rows = []
    for shift in shifts or SHIFTS:
        faces = SHIFTS[shift](images)
        for name, networks in models.items():
            predicted = ensemble_proba([predict_proba(m, faces) for m in networks]).argmax(1)
            rows.append({"model": name, "shift": shift,
                         "accuracy": float((predicted == labels).mean()),
                         "happy": _recall(predicted, labels, happy),
                         "neutral": _recall(predicted, labels, neutral)})
    return rows


def _recall(predicted: np.ndarray, labels: np.ndarray, index: int) -> float | None:
    mask = labels == index
    return float((predicted[mask] == index).mean()) if mask.any() else None
