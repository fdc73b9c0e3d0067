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


def class_index(name: str, where: str = "") -> int:
    """Index of a class name in :data:`CLASSES`, case-insensitive; a clear error otherwise."""
    try:
        return CLASSES.index(name.strip().lower())
    except ValueError:
        place = f" in {where}" if where else ""
        raise DataError(
            f"unknown class folder {name!r}{place}; expected one of: {', '.join(CLASSES)}"
        ) from None
