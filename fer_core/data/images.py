"""Decoding image files into FER's 48x48 grayscale form."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from ..errors import DataError
from .classes import IMAGE_SIZE

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


def to_fer_array(image: Image.Image) -> tuple[np.ndarray, bool]:
    """A PIL image as uint8 (48, 48) grayscale, and whether it had to be converted to get there."""
    converted = image.mode != "L" or image.size != (IMAGE_SIZE, IMAGE_SIZE)
    if image.mode != "L":
        image = image.convert("L")
    if image.size != (IMAGE_SIZE, IMAGE_SIZE):
        image = image.resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.BILINEAR, reducing_gap=2.0)
    return np.asarray(image, dtype=np.uint8), converted


def read_image_file(path: Path) -> tuple[np.ndarray, bool]:
    """Decode one dataset image; a :class:`DataError` naming the file if it cannot be read."""
    try:
        with Image.open(path) as image:
            image.draft("L", (IMAGE_SIZE, IMAGE_SIZE))  # JPEG: decode at reduced size, fast
            return to_fer_array(image)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise DataError(f"unreadable image {path}: {exc}") from None
