"""Generated clips for the video tests and benchmarks: scenes of face drawings, encoded by PyAV."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import av
import numpy as np
from PIL import Image


def write_clip(path: Path, scenes: Iterable[Image.Image], fps: int = 10,
               codec: str = "mpeg4", container_format: str | None = None) -> Path:
    """``scenes`` (RGB images of one size) as a clip at ``fps`` frames a second."""
    scenes = list(scenes)
    width, height = scenes[0].size
    with av.open(str(path), "w", format=container_format) as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        for scene in scenes:
            frame = av.VideoFrame.from_ndarray(np.asarray(scene.convert("RGB")), format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def dimmed(scene: Image.Image, factor: float) -> Image.Image:
    """``scene`` with every pixel's brightness scaled by ``factor``."""
    return Image.fromarray((np.asarray(scene, np.float32) * factor).astype(np.uint8))


def fake_camera_clip(path: Path, scenes: Iterable[Image.Image], fps: int = 15) -> Path:
    """``scenes`` as the raw Y4M file Chromium plays as its camera
    (``--use-file-for-fake-video-capture``), looping."""
    return write_clip(path, scenes, fps, codec="rawvideo", container_format="yuv4mpegpipe")
