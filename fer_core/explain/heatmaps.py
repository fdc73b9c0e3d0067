"""Heatmaps as pictures: normalisation to [0, 1] and a coloured overlay on the face."""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from ..errors import ImageError

COLORMAPS: dict[str, int] = {
    "jet": cv2.COLORMAP_JET,
    "turbo": cv2.COLORMAP_TURBO,
    "inferno": cv2.COLORMAP_INFERNO,
    "viridis": cv2.COLORMAP_VIRIDIS,
    "magma": cv2.COLORMAP_MAGMA,
    "hot": cv2.COLORMAP_HOT,
}


def normalize_maps(maps: np.ndarray) -> np.ndarray:
    """Each map (N, H, W) rescaled to [0, 1] on its own, as float32.

    Methods differ wildly in scale (gradients vs. weighted activations), so only the ranking of
    pixels within one map is comparable. A flat map (all zeros when ReLU removed every negative
    contribution) becomes all zeros rather than NaN, and stray NaNs count as zero.
    """
    maps = np.nan_to_num(np.asarray(maps, dtype=np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    low = maps.min(axis=(1, 2), keepdims=True)
    span = maps.max(axis=(1, 2), keepdims=True) - low
    return np.divide(maps - low, span, out=np.zeros_like(maps), where=span > 0)


def upsample(maps: np.ndarray, size: int) -> np.ndarray:
    """Maps (N, h, w) bilinearly resized to (N, size, size), cell centres on pixel centres.

    tf-keras-vis' own expansion (``scipy.ndimage.zoom``) pins the outer cells' centres to the
    image corners, stretching a coarse map outwards: on a 3x3 map over 48x48 an outer cell's
    peak moves 7.5 pixels off the 16x16 patch it summarises. OpenCV's resize (half-pixel
    centres) keeps every cell over its patch.
    """
    maps = np.asarray(maps, dtype=np.float32)
    if maps.shape[1:] == (size, size):
        return maps
    return np.stack([cv2.resize(m, (size, size), interpolation=cv2.INTER_LINEAR) for m in maps])


def overlay(
    face: np.ndarray,
    heatmap: np.ndarray,
    alpha: float = 0.5,
    colormap: str = "jet",
    size: int | None = None,
) -> Image.Image:
    """The grey face with the heatmap coloured on top, as an RGB image ready to save as PNG.

    ``face`` is uint8 (H, W) or (H, W, 1), ``heatmap`` (H, W) in [0, 1]. With ``size``, both are
    resized to size x size *before* colouring (bicubic face, bilinear map), so an upscaled overlay
    is smooth instead of showing 48x48 blocks.
    """
    face = np.asarray(face)
    face = face[..., 0] if face.ndim == 3 and face.shape[-1] == 1 else face
    heatmap = np.asarray(heatmap, dtype=np.float32)
    if face.ndim != 2 or face.shape != heatmap.shape:
        raise ImageError(f"face {face.shape} and heatmap {heatmap.shape} must be the same 2-D size")
    if colormap not in COLORMAPS:
        raise ImageError(f"unknown colormap {colormap!r}; known: {', '.join(COLORMAPS)}")
    if not 0.0 <= alpha <= 1.0:
        raise ImageError(f"alpha must be between 0 and 1, got {alpha}")
    side = (size, size) if size else face.shape[::-1]
    grey = cv2.resize(face.astype(np.uint8), side, interpolation=cv2.INTER_CUBIC)
    heat = np.clip(cv2.resize(heatmap, side, interpolation=cv2.INTER_LINEAR), 0.0, 1.0)
    coloured = cv2.applyColorMap(np.uint8(np.round(heat * 255)), COLORMAPS[colormap])
    coloured = cv2.cvtColor(coloured, cv2.COLOR_BGR2RGB).astype(np.float32)
    blended = (1.0 - alpha) * grey[..., None].astype(np.float32) + alpha * coloured
    return Image.fromarray(np.round(blended).astype(np.uint8))
