"""Pictures for the pages: faces enlarged, photos with their face boxes, mosaics and the
explanation grid as one PNG a teacher can drop into slides."""

from __future__ import annotations

import io
from typing import Sequence

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from fer_core.faces import Face

BOX_COLOUR = (255, 196, 0)
DISPLAY_SIDE = 480


def enlarged(face: np.ndarray, side: int = 192) -> Image.Image:
    """A 48x48 face scaled up smoothly, so a class can see it from the back of the room."""
    return Image.fromarray(np.asarray(face, dtype=np.uint8)).resize(
        (side, side), Image.Resampling.BICUBIC)


def with_boxes(image: Image.Image, faces: Sequence[Face], chosen: int = 0) -> Image.Image:
    """The photo shrunk for display with each face's box drawn and numbered (chosen one thicker)."""
    scale = min(1.0, DISPLAY_SIDE / max(image.size))
    shown = image.convert("RGB").resize(
        (max(1, round(image.width * scale)), max(1, round(image.height * scale))))
    draw = ImageDraw.Draw(shown)
    font = ImageFont.load_default(size=max(12, round(shown.width / 25)))
    for number, face in enumerate(faces):
        x, y, w, h = (round(v * scale) for v in face.box)
        draw.rectangle((x, y, x + w, y + h), outline=BOX_COLOUR, width=4 if number == chosen else 2)
        draw.text((x + 4, y + 2), str(number + 1), fill=BOX_COLOUR, font=font)
    return shown


def mosaic(faces: np.ndarray, columns: int, side: int = 72, gap: int = 4) -> Image.Image:
    """Faces (N, 48, 48) in a grid of ``columns``, one picture (one element for the browser)."""
    rows = max(1, -(-len(faces) // columns))
    sheet = Image.new("L", (columns * (side + gap) - gap, rows * (side + gap) - gap), 255)
    for i, face in enumerate(faces):
        row, column = divmod(i, columns)
        sheet.paste(enlarged(face, side), (column * (side + gap), row * (side + gap)))
    return sheet


def grid_png(
    row_titles: Sequence[str],
    cells: Sequence[Sequence[tuple[str, Image.Image]]],
    side: int = 160,
) -> bytes:
    """Titled rows of titled pictures, as PNG bytes (the Explain page's download)."""
    font = ImageFont.load_default(size=15)
    label_width, caption, gap = 190, 24, 6
    width = label_width + max((len(row) for row in cells), default=1) * (side + gap)
    height = len(row_titles) * (caption + side + gap)
    sheet = Image.new("RGB", (width, max(height, 1)), "white")
    draw = ImageDraw.Draw(sheet)
    for i, (title, row) in enumerate(zip(row_titles, cells, strict=True)):
        top = i * (caption + side + gap)
        draw.multiline_text((6, top + caption + 6), title, fill="black", font=font, spacing=4)
        for j, (name, picture) in enumerate(row):
            left = label_width + j * (side + gap)
            draw.text((left + 4, top + 4), name, fill="black", font=font)
            sheet.paste(picture.convert("RGB").resize((side, side)), (left, top + caption))
    return png_bytes(sheet)


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def colour_scale(colormap: str, width: int = 256, height: int = 14) -> Image.Image:
    """The heatmaps' colours from 0 (left) to 1 (right), as a strip to read the maps by."""
    from fer_core.explain import COLORMAPS

    ramp = np.tile(np.linspace(0, 255, width).astype(np.uint8), (height, 1))
    bgr = cv2.applyColorMap(ramp, COLORMAPS[colormap])
    return Image.fromarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
