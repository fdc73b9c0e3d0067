"""A clip's faces over time: every sampled frame's faces found, followed and classified.

The same path as a photo's (the detector, the FER crop, each model's probabilities), frame by
frame, with a :class:`~.tracking.FaceTracker` that gives each person one track. The result is a
list of records (one per frame and face) that the CLI prints and the page charts, and the
moments where each face shows each emotion most.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image

from ..faces import Box, upright_faces
from .reading import Frame, VideoInfo, VideoSource, frames, video_info
from .tracking import FaceTracker

Classify = Callable[[np.ndarray], dict[str, np.ndarray]]
"""Faces (N, 48, 48) uint8 to each model's (N, classes) probabilities (``Predictor``'s)."""

Progress = Callable[[int, int | None, float], None]
"""Called after each sampled frame with frames read, frames expected (None when the clip does
not say) and seconds left (estimated)."""


@dataclass(frozen=True)
class FaceRecord:
    """One face in one sampled frame: when, which track, where, each model's answer, and the
    48x48 crop the models saw (kept for the maps of the moments that matter)."""

    frame: int
    seconds: float
    track: int
    box: Box
    probabilities: dict[str, np.ndarray]
    crop: np.ndarray = field(repr=False, compare=False)


@dataclass(frozen=True)
class VideoAnalysis:
    """Every record of a clip, its own description and the classes the models answer in."""

    info: VideoInfo
    classes: tuple[str, ...]
    models: tuple[str, ...]
    records: tuple[FaceRecord, ...]
    frames_read: int
    seconds_taken: float
    every: int = 1

    @property
    def tracks(self) -> list[int]:
        return sorted({r.track for r in self.records})

    def of_track(self, track: int) -> list[FaceRecord]:
        return [r for r in self.records if r.track == track]

    def peaks(self, track: int, model: str) -> dict[str, FaceRecord]:
        """For each emotion, the record of ``track`` where ``model`` gives it most."""
        mine = self.of_track(track)
        if not mine:
            return {}
        table = np.stack([r.probabilities[model] for r in mine])
        return {c: mine[int(table[:, i].argmax())] for i, c in enumerate(self.classes)}

    def shown(self, track: int, model: str) -> list[str]:
        """The emotions ``model`` reads first in at least one frame of ``track``, in order of
        first appearance: the ones worth showing a peak frame of."""
        read = [self.classes[int(r.probabilities[model].argmax())] for r in self.of_track(track)]
        return list(dict.fromkeys(read))

    def rows(self) -> list[dict[str, Any]]:
        """One flat row per record and model (time, face, box, probabilities): CSV and JSON."""
        return [{"seconds": round(r.seconds, 3), "frame": r.frame, "face": r.track,
                 **{k: int(v) for k, v in r.box._asdict().items()}, "model": name,
                 "predicted": self.classes[int(p.argmax())],
                 **{c: round(float(v), 4) for c, v in zip(self.classes, p, strict=True)}}
                for r in self.records for name, p in r.probabilities.items()]

    def csv(self) -> str:
        """:meth:`rows` as CSV text, a header first."""
        rows = self.rows()
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["seconds"])
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue()

    def document(self, name: str) -> dict[str, Any]:
        """The clip, how it was sampled and every row: the JSON the CLI prints and the page
        offers."""
        return {"file": name, "fps": round(self.info.fps, 3), "seconds": self.info.seconds,
                "every": self.every, "frames_read": self.frames_read, "faces": self.tracks,
                "records": self.rows()}


def analyse_video(source: VideoSource, classify: Classify, classes: Sequence[str], *,
                  every: int = 1, progress: Progress | None = None) -> VideoAnalysis:
    """Every ``every``-th frame's faces of ``source``, tracked and classified by ``classify``.

    A clip in which no frame shows a face gives an analysis with no records: the caller says so.
    """
    info = video_info(source)
    expected = -(-info.frames // every) if info.frames else None
    tracker, records, read, started = FaceTracker(), [], 0, time.perf_counter()
    for frame in frames(source, every):
        records.extend(_frame_records(frame, tracker, classify))
        read += 1
        if progress is not None:
            spent = time.perf_counter() - started
            left = spent / read * (expected - read) if expected and expected > read else 0.0
            progress(read, expected, left)
    models = tuple(records[0].probabilities) if records else ()
    return VideoAnalysis(info, tuple(classes), models, tuple(records), read,
                         time.perf_counter() - started, every)


def _frame_records(frame: Frame, tracker: FaceTracker, classify: Classify) -> list[FaceRecord]:
    faces = upright_faces(Image.fromarray(frame.gray, "L"))
    numbers = tracker.update([face.box for face in faces], frame.seconds)
    if not faces:
        return []
    answers = classify(np.stack([face.crop for face in faces]))
    return [FaceRecord(frame.index, frame.seconds, number, face.box,
                       {name: proba[i] for name, proba in answers.items()}, face.crop)
            for i, (face, number) in enumerate(zip(faces, numbers, strict=True))]
