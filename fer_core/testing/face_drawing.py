"""Generated photos with faces in them, for the face-detection tests and benchmark.

The faces are drawings (an oval with eyebrows, eyes, a lit nose, nostrils and a mouth, softened
by a blur) that OpenCV's frontal-face cascade detects reliably at any size from about 30 px up.
No real photo is needed, so nothing personal or licensed is committed.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from fer_core.faces import Box

FACE_BOX = (53, 56, 298, 298)  # where the cascade boxes the 400 px drawing


@cache
def _face_400() -> Image.Image:
    face = Image.new("L", (400, 400), 60)
    draw = ImageDraw.Draw(face)
    draw.ellipse((100, 60, 300, 340), fill=200)  # head
    draw.line([(125, 140), (180, 132)], fill=50, width=10)  # eyebrows
    draw.line([(220, 132), (275, 140)], fill=50, width=10)
    draw.ellipse((130, 155, 180, 185), fill=40)  # eyes
    draw.ellipse((220, 155, 270, 185), fill=40)
    draw.ellipse((190, 170, 210, 250), fill=225)  # lit nose bridge
    draw.ellipse((178, 240, 198, 255), fill=90)  # nostrils
    draw.ellipse((202, 240, 222, 255), fill=90)
    draw.ellipse((150, 275, 250, 305), fill=60)  # mouth
    return face.filter(ImageFilter.GaussianBlur(3))


def face_drawing(side: int) -> Image.Image:
    """The face drawing, ``side`` pixels square, grayscale."""
    return _face_400().resize((side, side), Image.Resampling.LANCZOS)


def photo(size: tuple[int, int], faces: Sequence[tuple[int, int, int]] = ()) -> Image.Image:
    """An RGB 'photo': a soft gradient with face drawings of (side, x, y) pasted on it."""
    width, height = size
    gradient = np.add.outer(np.linspace(70, 130, height), np.linspace(0, 40, width))
    scene = Image.fromarray(gradient.astype(np.uint8))
    for side, x, y in faces:
        scene.paste(face_drawing(side), (x, y))
    return ImageOps.colorize(scene, (50, 30, 20), (255, 225, 195))


def expected_box(side: int, x: int, y: int) -> Box:
    """Where the cascade should box a face drawing of ``side`` pasted at (x, y)."""
    bx, by, bw, bh = (round(v * side / 400) for v in FACE_BOX)
    return Box(x + bx, y + by, bw, bh)


