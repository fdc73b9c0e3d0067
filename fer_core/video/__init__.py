"""Video: files read with their frame times, faces followed over time and classified, and a
live camera's frames annotated as they come."""

from .analysis import FaceRecord, VideoAnalysis, analyse_video
from .live import LiveAnnotator, LiveFace, live_method
from .reading import EXTENSIONS, MAX_BYTES, MAX_SECONDS, VideoInfo, frames, video_info
from .tracking import FaceTracker

__all__ = [
    "EXTENSIONS",
    "MAX_BYTES",
    "MAX_SECONDS",
    "FaceRecord",
    "FaceTracker",
    "LiveAnnotator",
    "LiveFace",
    "VideoAnalysis",
    "VideoInfo",
    "analyse_video",
    "frames",
    "live_method",
    "video_info",
]
