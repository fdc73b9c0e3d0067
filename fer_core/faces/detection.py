"""Face detection behind a one-method interface, with OpenCV's Haar cascade as the backend.

:class:`FaceDetector` is all the rest of the project relies on, so a stronger backend (a DNN
detector, say) can be added later without touching the callers.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple, Protocol

import cv2
import numpy as np

from ..errors import ModelError

FRONTAL_FACE_CASCADE = "haarcascade_frontalface_default.xml"
EYE_CASCADE = "haarcascade_eye.xml"
EYE_SEARCH_WIDTH = 144  # the box's upper part is searched at this width: eyes of 14 px and up


class Box(NamedTuple):
    """A rectangle in pixels: top-left corner, width and height."""

    x: int
    y: int
    w: int
    h: int

    @property
    def area(self) -> int:
        return self.w * self.h


class Detection(NamedTuple):
    """A box the detector found, and how many of its overlapping windows agreed on it: on
    FER2013 faces placed in photos the median is about 30 and nine in ten have at least 10,
    while stray boxes on shirts or textures mostly gather 5 to 9."""

    box: Box
    votes: int


class FaceDetector(Protocol):
    """Anything that finds faces in a uint8 grayscale image, in that image's coordinates."""

    def detect(self, gray: np.ndarray) -> list[Detection]: ...


@dataclass(frozen=True)
class HaarFaceDetector:
    """Viola-Jones face detection with the frontal-face cascade shipped in the OpenCV wheel.

    The defaults suit photos: ``scale_factor`` 1.1 and ``min_neighbors`` 5 keep false positives
    on textures rare, and faces under ``min_size`` pixels are too small to classify anyway. The
    image is not histogram-equalized: the cascade already normalizes every window's contrast, and
    on FER2013 crops equalizing found no more faces but more false ones on noise.
    """

    scale_factor: float = 1.1
    min_neighbors: int = 5
    min_size: int = 30
    cascade: str = FRONTAL_FACE_CASCADE

    def detect(self, gray: np.ndarray) -> list[Detection]:
        """Every face found in ``gray`` (2-D uint8), in no particular order."""
        if gray.ndim != 2 or gray.dtype != np.uint8:
            raise ValueError(f"expected a 2-D uint8 grayscale image, got {gray.dtype} {gray.shape}")
        classifier, lock = _classifier(self.cascade)
        with lock:
            found, votes = classifier.detectMultiScale2(
                gray,
                scaleFactor=self.scale_factor,
                minNeighbors=self.min_neighbors,
                minSize=(self.min_size, self.min_size),
            )
        return [Detection(Box(*(int(v) for v in row)), int(count))
                for row, count in zip(found, np.ravel(votes), strict=True)]


def has_eyes(gray: np.ndarray, box: Box) -> bool:
    """Whether OpenCV's eye cascade finds an eye in the upper 60% of ``box``: a second check
    that a box is a face: it finds an eye in most real faces and in few of the coins and cells
    the face cascade takes for faces (`python -m benchmarks.bench_detector`)."""
    x, y, w, h = box
    upper = gray[y:y + max(1, int(h * 0.6)), x:x + w]
    if upper.size == 0:
        return False
    height = max(1, round(EYE_SEARCH_WIDTH * upper.shape[0] / upper.shape[1]))
    upper = cv2.resize(upper, (EYE_SEARCH_WIDTH, height), interpolation=cv2.INTER_LINEAR)
    classifier, lock = _classifier(EYE_CASCADE)
    with lock:
        found = classifier.detectMultiScale(upper, scaleFactor=1.1, minNeighbors=3,
                                            minSize=(14, 14))
    return len(found) > 0


@cache
def _classifier(filename: str) -> tuple[cv2.CascadeClassifier, threading.Lock]:
    """The cascade, loaded once per process, with the lock that guards it.

    OpenCV's algorithms must not be shared between threads (the dashboard serves every session
    from its own thread), and loading a cascade per call would cost more than most detections.
    """
    path = cv2.data.haarcascades + filename
    classifier = cv2.CascadeClassifier(path)
    if classifier.empty():
        raise ModelError(
            f"cannot load OpenCV's face detector {path}; reinstall opencv-python-headless"
        )
    return classifier, threading.Lock()
