"""Faces followed from frame to frame, so that a timeline belongs to one person.

The detector sees each frame anew. A track keeps a face's box and how fast it moves; each new
frame's boxes are matched to where the tracks are expected to be by then (their last centre
moved on at their speed), one box to one track, at the least total distance (the Hungarian
assignment). Matching the expected places rather than the last ones keeps two faces that cross
on their own tracks; a face unseen for a few frames keeps its track, and comes back to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from ..faces import Box

MAX_JUMP = 1.0
"""The farthest a face's centre may be from its expected place, in its box's sides: farther is
another face."""

MAX_UNSEEN = 0.75
"""Seconds a track waits for its face (turned away, covered, missed by the detector)."""

SPEED_MEMORY = 0.5
"""How much of a track's speed is its last step's (the rest is its earlier speed)."""


@dataclass
class Track:
    """One face over time: its number, last box and time seen, and its speed (px per second)."""

    number: int
    box: Box
    seen: float
    speed: np.ndarray = field(default_factory=lambda: np.zeros(2))

    def centre(self) -> np.ndarray:
        return _centre(self.box)

    def expected(self, seconds: float) -> np.ndarray:
        return self.centre() + self.speed * (seconds - self.seen)

    def follow(self, box: Box, seconds: float) -> None:
        step = seconds - self.seen
        if step > 0:
            moved = (_centre(box) - self.centre()) / step
            self.speed = SPEED_MEMORY * moved + (1 - SPEED_MEMORY) * self.speed
        self.box, self.seen = box, seconds


def _centre(box: Box) -> np.ndarray:
    return np.array([box.x + box.w / 2, box.y + box.h / 2])


class FaceTracker:
    """Track numbers (0, 1, ... in order of first sight) for each frame's face boxes."""

    def __init__(self) -> None:
        self.tracks: list[Track] = []
        self._next = 0

    def update(self, boxes: list[Box], seconds: float) -> list[int]:
        """The track number of each box found at ``seconds``, new tracks for new faces."""
        self.tracks = [t for t in self.tracks if seconds - t.seen <= MAX_UNSEEN]
        numbers: list[int | None] = [None] * len(boxes)
        if boxes and self.tracks:
            cost = np.array([[self._distance(track, box, seconds) for track in self.tracks]
                             for box in boxes])
            for b, t in zip(*linear_sum_assignment(cost), strict=True):
                if cost[b, t] <= MAX_JUMP:
                    self.tracks[t].follow(boxes[b], seconds)
                    numbers[b] = self.tracks[t].number
        for b, box in enumerate(boxes):
            if numbers[b] is None:
                self.tracks.append(Track(self._next, box, seconds))
                numbers[b] = self._next
                self._next += 1
        return [int(n) for n in numbers]

    @staticmethod
    def _distance(track: Track, box: Box, seconds: float) -> float:
        """How far ``box`` is from where ``track`` should be, in box sides (sizes count too:
        a face half as large is far even at the same place)."""
        side = (track.box.w + box.w) / 2
        place = np.linalg.norm(_centre(box) - track.expected(seconds)) / side
        size = abs(np.log(box.w / track.box.w))
        return float(place + size)
