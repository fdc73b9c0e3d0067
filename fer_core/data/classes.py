"""The one class list every part of the project uses.

FER2013's CSV numbers its emotions 0..6 in this order; the image-folder layout names them in
alphabetical order instead. Both layouts are mapped onto the CSV's order, so label 3 is always
"happy" whatever the source.
"""

from __future__ import annotations

from ..errors import DataError

CLASSES: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")

SPLITS: tuple[str, ...] = ("train", "val", "test")

IMAGE_SIZE = 48

FER2013_SIZES = {"train": 28_709, "test": 3_589}
"""Faces in FER2013's Training split and in each of its two test splits. The image folders hold
Training and PublicTest (their test split); the Kaggle CSV holds all three, its PublicTest
read as validation and PrivateTest as test."""


def class_index(name: str, where: str = "") -> int:
    """Index of a class name in :data:`CLASSES`, case-insensitive; a clear error otherwise."""
    try:
        return CLASSES.index(name.strip().lower())
    except ValueError:
        place = f" in {where}" if where else ""
        raise DataError(
            f"unknown class folder {name!r}{place}; expected one of: {', '.join(CLASSES)}"
        ) from None
