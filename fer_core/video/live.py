"""A live camera's frames annotated as they come: each face boxed, the model's top emotions as
bars beside it, its map blended over it, and a smoothed timeline of the last seconds.

The work per frame is the photo path cut to what a frame allows: faces looked for on a small
copy of the frame (:data:`DETECTION_SIDE`), followed by a :class:`~.tracking.FaceTracker`,
each crop classified, and the map made by a one-pass method (:func:`live_method`). Probabilities
are smoothed over time per face, so that the bars and the timeline show an expression rather
than the flicker of single frames. Frames are never kept beyond the newest one.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from ..explain.heatmaps import COLORMAPS
from ..explain.methods import EXPLAINERS
from ..explain.metrics.checks import MethodChecks
from ..faces import Box, upright_faces
from .tracking import FaceTracker

DETECTION_SIDE = 320
"""Faces are looked for on a copy of the frame this long: a face at a webcam's distance still
spans far more than the detector's smallest window, in about a third of the time."""

HALF_LIFE = 0.5
"""Seconds after which a frame's probabilities count half in the smoothed ones (exponential
smoothing): long enough to steady the bars, short enough to follow a smile as it comes."""

WINDOW = 10.0
"""Seconds of smoothed probabilities the timeline keeps."""

TOP = 3
"""Emotions drawn as bars beside each face."""

RATE_FRAMES = 30
"""Frames the annotation rate is measured over."""

Classify = Callable[[np.ndarray], np.ndarray]
"""Faces (N, 48, 48) uint8 to (N, classes) probabilities."""

Explain = Callable[[np.ndarray, int], np.ndarray]
"""One face (48, 48) uint8 and a class to its map (48, 48) in [0, 1]."""


def live_method(own: str, checks: Mapping[str, MethodChecks]) -> str:
    """The method whose map follows the camera: the model's own one if it takes a single pass,
    else the one-pass method that beat random maps on most validation scores (its stored
    checks, ``StoredModel.method_checks()``; steadier maps first among equals), else Grad-CAM."""
    if EXPLAINERS[own].one_pass:
        return own
    quick = [m for m, cls in EXPLAINERS.items() if cls.one_pass and cls.uses_layer]
    unchecked = MethodChecks()
    return max(quick, key=lambda m: (checks.get(m, unchecked).beats_random or 0,
                                     checks.get(m, unchecked).stability or 0.0,
                                     m == "gradcam"))


@dataclass(frozen=True)
class LiveFace:
    """One face of the newest frame: its track, box, crop, smoothed probabilities and map."""

    track: int
    box: Box
    crop: np.ndarray
    probabilities: np.ndarray
    heatmap: np.ndarray | None


class LiveAnnotator:
    """Frames in, annotated frames out, one at a time; the timeline and the newest frame are
    read by the page from another thread (under :attr:`_lock`)."""

    def __init__(self, classify: Classify, classes: Sequence[str], explain: Explain | None = None,
                 *, method: str | None = None, colormap: str = "jet", alpha: float = 0.45
                 ) -> None:
        self.classify, self.classes, self.explain = classify, tuple(classes), explain
        self.method = method
        """The name of the method ``explain`` runs, for the page to say which maps it shows."""
        self.colormap, self.alpha = COLORMAPS[colormap], alpha
        self.tracker = FaceTracker()
        self.frames = 0
        self._smoothed: dict[int, tuple[float, np.ndarray]] = {}
        self._timeline: deque[tuple[float, int, np.ndarray]] = deque()
        self._newest: tuple[np.ndarray, tuple[LiveFace, ...]] | None = None
        self._done: deque[float] = deque(maxlen=RATE_FRAMES)
        self._lock = threading.Lock()

    def annotate(self, rgb: np.ndarray, seconds: float) -> np.ndarray:
        """``rgb`` (H, W, 3) uint8 with every face's box, bars and map drawn on a copy."""
        faces = self.read(rgb, seconds)
        shown = rgb.copy()
        for face in faces:
            self._draw(shown, face)
        if not faces:
            _caption(shown, "No face in view: face the camera, in even light", (12, 30))
        return shown

    def redraw(self, rgb: np.ndarray) -> np.ndarray:
        """``rgb`` with the last frame's faces drawn as they were: for a frame that is passed
        on without being read (the server busy with others), so the picture keeps moving and
        costs nothing but the drawing."""
        with self._lock:
            faces = self._newest[1] if self._newest else ()
        shown = rgb.copy()
        for face in faces:
            self._draw(shown, face)
        return shown

    def read(self, rgb: np.ndarray, seconds: float) -> tuple[LiveFace, ...]:
        """The faces of one frame, tracked, classified, smoothed and (with ``explain``) mapped."""
        gray = Image.fromarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), "L")
        found = upright_faces(gray, detection_side=DETECTION_SIDE)
        numbers = self.tracker.update([face.box for face in found], seconds)
        faces: tuple[LiveFace, ...] = ()
        if found:
            crops = np.stack([face.crop for face in found])
            proba = self.classify(crops)
            faces = tuple(self._face(n, f.box, crop, p, seconds)
                          for n, f, crop, p in zip(numbers, found, crops, proba, strict=True))
        with self._lock:
            self.frames += 1
            self._done.append(time.monotonic())
            self._newest = (rgb, faces)
            for face in faces:
                self._timeline.append((seconds, face.track, face.probabilities))
            while self._timeline and self._timeline[0][0] < seconds - WINDOW:
                self._timeline.popleft()
        return faces

    def _face(self, track: int, box: Box, crop: np.ndarray, proba: np.ndarray,
              seconds: float) -> LiveFace:
        last = self._smoothed.get(track)
        if last is not None and seconds > last[0]:
            keep = 0.5 ** ((seconds - last[0]) / HALF_LIFE)
            proba = keep * last[1] + (1 - keep) * proba
        self._smoothed[track] = (seconds, proba)
        heatmap = self.explain(crop, int(proba.argmax())) if self.explain else None
        return LiveFace(track, box, crop, proba, heatmap)

    def timeline(self) -> list[tuple[float, int, np.ndarray]]:
        """The last :data:`WINDOW` seconds: (seconds, track, smoothed probabilities) per face."""
        with self._lock:
            return list(self._timeline)

    def rate(self) -> float:
        """Frames annotated per second, over the last :data:`RATE_FRAMES`."""
        with self._lock:
            done = list(self._done)
        return (len(done) - 1) / (done[-1] - done[0]) if len(done) > 1 and done[-1] > done[0] \
            else 0.0

    def newest(self) -> tuple[np.ndarray, tuple[LiveFace, ...]] | None:
        """The newest frame (unannotated) and its faces, for a freeze: or None before any."""
        with self._lock:
            return self._newest

    def _draw(self, frame: np.ndarray, face: LiveFace) -> None:
        x, y, w, h = face.box
        if face.heatmap is not None and w > 0 and h > 0:
            heat = cv2.resize(face.heatmap.astype(np.float32), (w, h))
            coloured = cv2.applyColorMap(np.uint8(np.clip(heat, 0, 1) * 255), self.colormap)
            region = frame[y:y + h, x:x + w]
            coloured = cv2.cvtColor(coloured, cv2.COLOR_BGR2RGB)[:region.shape[0], :region.shape[1]]
            frame[y:y + h, x:x + w] = cv2.addWeighted(region, 1 - self.alpha, coloured,
                                                      self.alpha, 0)
        cv2.rectangle(frame, (x, y), (x + w, y + h), (255, 196, 0), 2)
        order = np.argsort(face.probabilities)[::-1][:TOP]
        left = x + w + 8 if x + w + 150 < frame.shape[1] else max(0, x - 150)
        for row, k in enumerate(order):
            top = y + row * 26
            share = float(face.probabilities[k])
            cv2.rectangle(frame, (left, top), (left + 140, top + 22), (255, 255, 255), -1)
            cv2.rectangle(frame, (left, top), (left + round(140 * share), top + 22),
                          (47, 109, 181) if row == 0 else (184, 199, 220), -1)
            _caption(frame, f"{self.classes[k]} {share:.0%}", (left + 4, top + 16), 0.5)


def _caption(frame: np.ndarray, text: str, at: tuple[int, int], scale: float = 0.7) -> None:
    """Text with a dark outline, readable on any background."""
    cv2.putText(frame, text, at, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(frame, text, at, cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1,
                cv2.LINE_AA)
