"""Turning an uploaded photo into the 48x48 grayscale face crops the models need.

Read with :func:`read_image`, find and crop with :func:`find_faces`; :func:`has_face` checks a
dataset crop for the data audit. Neither Streamlit nor TensorFlow is imported here.
"""

from .detection import Box, Detection, FaceDetector, HaarFaceDetector
from .face_check import has_face
from .reading import EXTENSIONS, MAX_BYTES, MAX_PIXELS, ImageSource, read_image
from .search import Face, FaceSearch, find_faces, upright_faces

__all__ = [
    "EXTENSIONS",
    "MAX_BYTES",
    "MAX_PIXELS",
    "Box",
    "Detection",
    "Face",
    "FaceDetector",
    "FaceSearch",
    "HaarFaceDetector",
    "ImageSource",
    "find_faces",
    "has_face",
    "read_image",
    "upright_faces",
]
