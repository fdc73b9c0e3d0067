"""Video files: frames read with their times, faces followed over time and classified."""

from .analysis import FaceRecord, VideoAnalysis, analyse_video
from .reading import EXTENSIONS, MAX_BYTES, MAX_SECONDS, VideoInfo, frames, video_info
from .tracking import FaceTracker

__all__ = [
    "EXTENSIONS",
    "MAX_BYTES",
    "MAX_SECONDS",
    "FaceRecord",
    "FaceTracker",
    "VideoAnalysis",
    "VideoInfo",
    "analyse_video",
    "frames",
    "video_info",
]
