"""``find_faces``: every face in a photo as a FER-style 48x48 crop, or an honest fallback.

The models only understand 48x48 grayscale face crops, while users upload anything from a FER2013
sample to a 12-megapixel phone photo. Photos go through detection at a size the cascade handles
well; images already the size of a face crop are used whole, because detection on them mostly
fails (the face fills the frame) and they need no cropping anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from PIL import Image

from .cropping import centre_square, fer_crop, square_around
from .detection import Box, Detection, FaceDetector, HaarFaceDetector, has_eyes
from .face_check import has_face

FaceSource = Literal["detected", "whole_image", "centre"]

CROP_MAX_SIDE = 64
"""An image no longer than this on either side is taken to be a face crop, not a photo."""

MAX_DETECTION_SIDE = 1600
"""Longer photos are shrunk for detection: faces stay far above the cascade's minimum size, and
a 4000x3000 photo is searched on a sixth of its pixels."""

MIN_DETECTION_SIDE = 200
"""Smaller photos are enlarged for detection, so that a face in them still spans more than the
cascade's smallest window (24 px) and the detector's ``min_size``."""

MIN_FACE_SIDE = 24
"""A whole image smaller than this on either side cannot show a face anyone could read."""

CLEAR_VOTES = 10
"""Detector votes from which a box is a clear face: nine in ten FER2013 faces placed in photos
reach it, few stray boxes do (see :class:`~.detection.Detection`)."""

DEFAULT_MARGIN = 0.05
"""On FER2013 itself the cascade's box is 0.98 of the crop's side (median; quartiles 0.91 and
1.04), so the dataset frames faces about as tightly as the box: a small margin matches it while
forgiving a box drawn a little small."""


@dataclass(frozen=True, eq=False)
class Face:
    """One face: where it is in the image, and its crop ready for a model.

    ``box`` is in the coordinates of the image given to :func:`find_faces`; ``crop`` is uint8
    (48, 48). ``source`` says how it was obtained: ``"detected"`` by the detector,
    ``"whole_image"`` for an image that is a face crop already, ``"centre"`` for the fallback
    when no face was found. ``is_face`` is false for the fallback and for a small image in
    which the detector sees no face; ``votes`` is how many detector windows agreed on a
    detected face: how face-like it looked.
    """

    box: Box
    crop: np.ndarray
    source: FaceSource
    is_face: bool = True
    votes: int | None = None
    eyes: bool | None = None

    @property
    def likeness(self) -> str:
        """How face-like the detector found it, in words."""
        if self.votes is None:
            return "a face crop" if self.is_face else "not a face"
        if self.votes < CLEAR_VOTES:
            return f"weakly face-like ({self.votes} detector votes): it may not be a face"
        if not self.eyes:
            return (f"face-like ({self.votes} detector votes) but with no eyes found: it may "
                    "not be a face")
        return f"a clear face ({self.votes} detector votes, eyes found)"


TURNS = (90, 270, 180)
"""Turns tried on a photo in which no upright face is found: a phone photo whose orientation tag
was lost lies on its side, and the detector only sees upright faces. Only clear faces with eyes
count once turned: a weak box in a turned photo is mostly a texture, not a face on its side."""


@dataclass(frozen=True, eq=False)
class FaceSearch:
    """The faces of one image, largest first, never empty, and a sentence for the user.

    ``turn`` is the quarter turn (degrees counter-clockwise) that made the faces upright: the
    boxes are in the coordinates of :meth:`upright` of the image, the image itself when 0.
    """

    faces: tuple[Face, ...]
    message: str
    turn: int = 0

    def upright(self, image: Image.Image) -> Image.Image:
        """``image`` turned as the faces were found in it."""
        return image.rotate(self.turn, expand=True) if self.turn else image

    @property
    def found(self) -> bool:
        """Whether the crops hold a face: detected, or a face crop the detector agrees with."""
        return self.faces[0].is_face


def find_faces(
    image: Image.Image,
    *,
    detector: FaceDetector | None = None,
    margin: float = DEFAULT_MARGIN,
) -> FaceSearch:
    """Every face in ``image`` (as returned by ``read_image``), largest first.

    Each crop is the square around a face's box, ``margin`` of the box's side wider on every side.
    When nothing is found the centre square of the image is offered instead, with
    :attr:`FaceSearch.found` false, so the user can still see what a model makes of it.
    """
    gray = image if image.mode == "L" else image.convert("L")
    width, height = gray.size
    if max(width, height) <= CROP_MAX_SIDE:
        return _whole(gray)
    detector = detector or HaarFaceDetector()
    upright = upright_faces(gray, detector=detector, margin=margin)
    if upright:
        return _found(upright, 0)
    turned = {turn: gray.rotate(turn, expand=True) for turn in TURNS}
    found = {turn: [d for d in _kept(_detect(image, detector), np.asarray(image))
                    if d.votes >= CLEAR_VOTES and has_eyes(np.asarray(image), d.box)]
             for turn, image in turned.items()}
    if any(found.values()):  # the turn the detector is surest of: a face, not its reflection
        turn = max((t for t in TURNS if found[t]), key=lambda t: found[t][0].votes)
        return _found(_faces(turned[turn], found[turn], margin), turn)
    centre = centre_square(gray.size)
    return FaceSearch(
        (Face(centre, fer_crop(gray, centre), "centre", is_face=False),),
        "No face found, so the centre of the image is used instead. "
        "A frontal, upright, well-lit face works best.",
    )


def upright_faces(gray: Image.Image, *, detector: FaceDetector | None = None,
                  margin: float = DEFAULT_MARGIN,
                  detection_side: int = MAX_DETECTION_SIDE) -> tuple[Face, ...]:
    """The detected upright faces of a grey image, largest first; none when there are none.
    The quick search a video frame needs: no turned copies, no fallback crop. A live camera
    passes a small ``detection_side``: its faces fill much of the frame, and are found in a
    fraction of the time on a smaller copy (they are still cropped from the full frame)."""
    detections = _kept(_detect(gray, detector or HaarFaceDetector(), detection_side),
                       np.asarray(gray))
    return _faces(gray, detections, margin)


def _faces(gray: Image.Image, detections: list[Detection], margin: float) -> tuple[Face, ...]:
    return tuple(
        Face(found.box, fer_crop(gray, square_around(found.box, margin, gray.size)), "detected",
             votes=found.votes, eyes=has_eyes(np.asarray(gray), found.box))
        for found in detections
    )


def _found(faces: tuple[Face, ...], turn: int) -> FaceSearch:
    plural = "face" if len(faces) == 1 else "faces, the largest first"
    message = f"Found {len(faces)} {plural}."
    if turn:
        message += (" The photo lay on its side (or upside down): it is turned upright, as "
                    "the faces were found.")
    return FaceSearch(faces, message, turn)


def _whole(gray: Image.Image) -> FaceSearch:
    """A face-crop-sized image, used whole: a face if the detector agrees, else said plainly."""
    width, height = gray.size
    whole = Box(0, 0, width, height)
    crop = fer_crop(gray, whole)
    if min(width, height) < MIN_FACE_SIDE:
        return FaceSearch((Face(whole, crop, "whole_image", is_face=False),),
                          f"The image is only {width}x{height} pixels: too small to show a "
                          "face.")
    if not has_face(np.asarray(gray)):
        return FaceSearch((Face(whole, crop, "whole_image", is_face=False),),
                          f"The image is only {width}x{height} pixels, the size of a face crop, "
                          "but the detector sees no face in it.")
    return FaceSearch(
        (Face(whole, crop, "whole_image"),),
        f"The image is only {width}x{height} pixels, the size of a face crop: "
        "it is used whole as the face, without detection.",
    )


def _kept(detections: list[Detection], gray: np.ndarray) -> list[Detection]:
    """The detections largest first, without the boxes that are probably not faces.

    A weak box (few votes) less than half as wide as the largest is mostly a shirt, a window
    pane or a logo beside the face; a weak box in which no eye is found is mostly a coin or a
    texture. A lone box is always kept (and said to be weak when it is): it may be the only
    face there is.
    """
    ordered = sorted(detections, key=lambda found: found.box.area, reverse=True)
    if len(ordered) < 2:
        return ordered
    largest = ordered[0].box.w

    def plausible(found: Detection) -> bool:
        if found.votes >= CLEAR_VOTES:
            return True
        return found.box.w * 2 >= largest and has_eyes(gray, found.box)

    kept = [found for found in ordered if plausible(found)]
    return kept or ordered[:1]


def _detect(gray: Image.Image, detector: FaceDetector,
            max_side: int = MAX_DETECTION_SIDE) -> list[Detection]:
    """The detector's boxes for ``gray``, searched at a workable size (its longer side at most
    ``max_side``), in ``gray``'s coordinates."""
    width, height = gray.size
    enlarge = max(1.0, MIN_DETECTION_SIDE / min(width, height))
    scale = min(enlarge, max_side / max(width, height))
    if scale != 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        gray = gray.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    return [Detection(_unscaled(found.box, scale, (width, height)), found.votes)
            for found in detector.detect(np.asarray(gray))]


def _unscaled(box: Box, scale: float, size: tuple[int, int]) -> Box:
    """A box found at ``scale`` mapped back onto the image of ``size``, kept inside it."""
    width, height = size
    x0, x1 = (min(max(round(v / scale), 0), width) for v in (box.x, box.x + box.w))
    y0, y1 = (min(max(round(v / scale), 0), height) for v in (box.y, box.y + box.h))
    return Box(x0, y0, x1 - x0, y1 - y0)
