"""Video files as grey frames with their own times, decoded from a path or from memory.

PyAV (FFmpeg's libraries in a wheel) reads mp4, webm, mov, avi, mkv and animated GIFs from bytes
as well as from files, so an upload never has to be written to disk, and each frame carries its
presentation time: a clip with a variable frame rate (phones record them) keeps true seconds.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import VideoError

EXTENSIONS = (".mp4", ".webm", ".mov", ".avi", ".mkv", ".gif")
MAX_BYTES = 200 * 1024 * 1024
MAX_SECONDS = 300.0
"""Five minutes: a lesson's clip, analysed within minutes on two cores; longer ones are cut."""

VideoSource = str | Path | bytes


@dataclass(frozen=True)
class Frame:
    """One decoded frame: its index in the clip, its time in seconds, its uint8 grey pixels."""

    index: int
    seconds: float
    gray: np.ndarray


@dataclass(frozen=True)
class VideoInfo:
    """What a clip says of itself: frames per second, length (None when the container does not
    tell, as webm often does), size and an estimated frame count for progress."""

    fps: float
    seconds: float | None
    width: int
    height: int

    @property
    def frames(self) -> int | None:
        return round(self.fps * self.seconds) if self.seconds else None


def _label(source: VideoSource) -> str:
    return "the video" if isinstance(source, bytes) else str(source)


def _open(source: VideoSource):
    import av

    label = _label(source)
    if isinstance(source, bytes):
        size, stream = len(source), io.BytesIO(source)
    else:
        path = Path(source)
        if not path.is_file():
            raise VideoError(f"{label}: no such file")
        size, stream = path.stat().st_size, str(path)
    if size > MAX_BYTES:
        raise VideoError(f"{label} is {size / 2**20:.0f} MB; the limit is "
                         f"{MAX_BYTES / 2**20:.0f} MB")
    if size == 0:
        raise VideoError(f"{label} is empty")
    try:
        container = av.open(stream)
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise VideoError(f"{label} is not a video that can be read ({exc})") from None
    if not container.streams.video:
        container.close()
        raise VideoError(f"{label} has no video stream (sound only, or not a video)")
    return container


def _rate(stream) -> float:
    """The stream's frames per second; 25 (PAL's) where it does not say."""
    return float(stream.average_rate or stream.guessed_rate or 25)


def video_info(source: VideoSource) -> VideoInfo:
    """The clip's rate, length and size; a :class:`VideoError` when it cannot be read."""
    container = _open(source)
    try:
        stream = container.streams.video[0]
        fps = _rate(stream)
        if stream.duration is not None and stream.time_base is not None:
            seconds = float(stream.duration * stream.time_base)
        elif container.duration:
            seconds = container.duration / 1_000_000
        else:
            seconds = None
        return VideoInfo(fps, seconds, stream.codec_context.width, stream.codec_context.height)
    finally:
        container.close()


def frames(source: VideoSource, every: int = 1) -> Iterator[Frame]:
    """Every ``every``-th frame of the clip, up to :data:`MAX_SECONDS`, as grey pixels.

    A clip that breaks off part-way ends there (what was read stays read); one with no frame
    that decodes at all is a :class:`VideoError`.
    """
    import av

    if every < 1:
        raise VideoError(f"every must be 1 or more, got {every}")
    container = _open(source)
    read = 0
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        rate = _rate(stream)
        decoded = container.decode(stream)
        index = 0
        while True:
            try:
                frame = next(decoded)
            except StopIteration:
                break
            except (av.FFmpegError, OSError, ValueError) as exc:
                if not read:
                    raise VideoError(f"{_label(source)} is corrupt: no frame decodes ({exc})"
                                     ) from None
                break
            seconds = float(frame.time) if frame.time is not None else index / rate
            if seconds > MAX_SECONDS:
                break
            if index % every == 0:
                read += 1
                yield Frame(index, seconds, frame.to_ndarray(format="gray"))
            index += 1
    finally:
        container.close()
    if not read:
        raise VideoError(f"{_label(source)} has no frame that decodes")
