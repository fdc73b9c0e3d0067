"""Reading an uploaded photo into a PIL image that face detection can use.

Uploads are arbitrary: any size, any colour mode, rotated by an EXIF tag, animated, or no image
at all. Everything unusable becomes an :class:`ImageError` whose message the dashboard shows as
it is; everything usable comes back upright, as a single ``RGB`` or ``L`` frame.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import ImageError

MAX_BYTES = 20_000_000
"""Largest accepted file: a 50-megapixel JPEG from a phone is well under this."""

MAX_PIXELS = 50_000_000
"""Largest accepted width x height, checked from the header before any pixel is decoded, so a
small file that declares a huge image (a decompression bomb) never reaches memory."""

FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF")
"""Raster photo formats only: Pillow's other plugins (EPS, PSD, ...) are not for uploads."""
EXTENSIONS = ("jpg", "jpeg", "png", "gif", "webp", "bmp", "tif", "tiff")
"""The file endings of :data:`FORMATS`, for an upload field."""

ImageSource = bytes | str | Path | BinaryIO


def read_image(source: ImageSource) -> Image.Image:
    """The image in ``source`` (raw bytes, a path, or an open binary file), upright, RGB or L.

    EXIF orientation is applied, transparency is composited on white (a transparent background
    reads as black otherwise, which hides dark hair and outlines), 16-bit and 32-bit grey levels are
    stretched to 8 bits, and only the first frame of an animation is kept. Raises
    :class:`ImageError` for a file that is too large, not an image, truncated or corrupt.
    """
    label = _label(source)
    data = _read_bytes(source, label)
    try:
        with Image.open(io.BytesIO(data), formats=FORMATS) as image:
            _check_pixels(image.size, label)
            upright = ImageOps.exif_transpose(image)
            return _detectable(upright)
    except Image.DecompressionBombError:
        raise ImageError(
            f"{label} is too large: it declares more pixels than the limit of "
            f"{_megapixels(MAX_PIXELS)}"
        ) from None
    except UnidentifiedImageError:
        raise ImageError(
            f"{label} is not an image or is corrupt (readable formats: {', '.join(FORMATS)})"
        ) from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise ImageError(f"{label} is not an image or is corrupt: {exc}") from None


def _label(source: ImageSource) -> str:
    """How messages name the source: the file name when there is one."""
    if isinstance(source, (str, Path)):
        return f"'{Path(source).name}'"
    name = getattr(source, "name", None)  # open files and Streamlit uploads carry a name
    return f"'{Path(name).name}'" if isinstance(name, str) else "the uploaded file"


def _read_bytes(source: ImageSource, label: str) -> bytes:
    """All bytes of the source, refusing more than :data:`MAX_BYTES` before reading them all."""
    if isinstance(source, (str, Path)):
        try:
            size = Path(source).stat().st_size
            _check_bytes(size, label)
            return Path(source).read_bytes()
        except OSError as exc:
            raise ImageError(f"cannot read {label}: {exc.strerror or exc}") from None
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    else:
        data = source.read(MAX_BYTES + 1)
    _check_bytes(len(data), label)
    return data


def _check_bytes(size: int, label: str) -> None:
    if size > MAX_BYTES:
        raise ImageError(
            f"{label} is too large: {size / 1e6:.1f} MB; the limit is {MAX_BYTES / 1e6:g} MB"
        )


def _check_pixels(size: tuple[int, int], label: str) -> None:
    width, height = size
    if width * height > MAX_PIXELS:
        raise ImageError(
            f"{label} is too large: {width} x {height} pixels ({_megapixels(width * height)}); "
            f"the limit is {_megapixels(MAX_PIXELS)}"
        )


def _megapixels(pixels: int) -> str:
    return f"{round(pixels / 1e6, 1):,g} megapixels"


def _detectable(image: Image.Image) -> Image.Image:
    """``image`` as ``L`` (grey sources) or ``RGB`` (everything else)."""
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        return _stretched(image)
    if image.has_transparency_data:
        white = Image.new("RGBA", image.size, "white")
        return Image.alpha_composite(white, image.convert("RGBA")).convert("RGB")
    if image.mode in ("L", "RGB"):
        return image
    return image.convert("L" if image.mode == "1" else "RGB")


def _stretched(image: Image.Image) -> Image.Image:
    """A high-bit-depth grey image mapped onto 0..255 by its own range.

    Pillow's own conversion clips at 255 instead of scaling, and many 16-bit files only use 10 or
    12 bits, so a fixed division would leave them nearly black.
    """
    values = np.asarray(image, dtype=np.float64)
    low, high = float(values.min()), float(values.max())
    scale = 255.0 / (high - low) if high > low else 0.0
    return Image.fromarray(np.round((values - low) * scale).astype(np.uint8))
