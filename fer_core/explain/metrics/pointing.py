"""The pointing game (Zhang et al. 2016): does the map's peak land on the region that matters?"""

from __future__ import annotations

import cv2
import numpy as np


def pointing_game(
    heatmaps: np.ndarray,
    regions: np.ndarray,
    correct: np.ndarray | None = None,
    margin: int = 2,
) -> float:
    """Fraction of maps whose maximum falls inside their region grown by ``margin`` pixels.

    ``correct`` restricts the game to correctly classified faces: a wrong prediction has no
    reason to look at the right place. NaN when no face is left to score.
    """
    keep = np.ones(len(heatmaps), bool) if correct is None else np.asarray(correct, bool)
    if not keep.any():
        return float("nan")
    kernel = np.ones((2 * margin + 1, 2 * margin + 1), np.uint8)
    hits = []
    for heatmap, region in zip(heatmaps[keep], regions[keep], strict=True):
        grown = cv2.dilate(region.astype(np.uint8), kernel).astype(bool)
        hits.append(grown[np.unravel_index(np.argmax(heatmap), heatmap.shape)])
    return float(np.mean(hits))
