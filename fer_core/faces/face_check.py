"""``has_face``: whether a FER2013-style 48x48 crop shows a face, for the data audit.

The cascade cannot find a face that fills the whole frame at 48 px: its windows need the face at
least 24 px wide *and* a little context around it. So the crop is enlarged three times and framed
with its own edge pixels repeated (mirroring the edges instead makes mirrored half-faces that the
cascade takes for faces), then searched with permissive settings for a face of at least half the
crop's size. Faces lowered or turned (often sad ones) are the ones it misses.
"""

from __future__ import annotations

import cv2
import numpy as np

from .detection import HaarFaceDetector

CHECK_SIDE = 144
_FRAME = CHECK_SIDE // 4
_DETECTOR = HaarFaceDetector(scale_factor=1.05, min_neighbors=2, min_size=CHECK_SIDE // 2)


def has_face(image: np.ndarray) -> bool:
    """Whether the cascade finds a face in a 2-D uint8 face crop (FER2013's 48x48, or any size)."""
    enlarged = cv2.resize(image, (CHECK_SIDE, CHECK_SIDE), interpolation=cv2.INTER_LINEAR)
    framed = cv2.copyMakeBorder(enlarged, _FRAME, _FRAME, _FRAME, _FRAME, cv2.BORDER_REPLICATE)
    return bool(_DETECTOR.detect(framed))
