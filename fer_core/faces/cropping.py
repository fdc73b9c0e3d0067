"""Square regions of an image and their FER-style 48x48 grayscale crops."""

from __future__ import annotations

import numpy as np
from PIL import Image

from ..data.images import to_fer_array
from .detection import Box


def square_around(box: Box, margin: float, size: tuple[int, int]) -> Box:
    """The square centred on ``box``, ``margin`` of its longer side wider on every side.

    FER2013 crops are square, so the crop must be too or the face would be squashed; where the
    square would leave the image (``size`` is width, height) it is shifted back inside, and
    shrunk only when the image itself is narrower.
    """
    width, height = size
    side = min(round(max(box.w, box.h) * (1 + 2 * margin)), width, height)
    x = _clamp(round(box.x + box.w / 2 - side / 2), 0, width - side)
    y = _clamp(round(box.y + box.h / 2 - side / 2), 0, height - side)
    return Box(x, y, side, side)


def centre_square(size: tuple[int, int]) -> Box:
    """The largest square in the middle of an image of ``size`` (width, height)."""
    width, height = size
    side = min(width, height)
    return Box((width - side) // 2, (height - side) // 2, side, side)


def fer_crop(gray: Image.Image, box: Box) -> np.ndarray:
    """The ``box`` region of a grayscale image as uint8 (48, 48), resized as the dataset is."""
    return to_fer_array(gray.crop((box.x, box.y, box.x + box.w, box.y + box.h)))[0]


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(value, high))
