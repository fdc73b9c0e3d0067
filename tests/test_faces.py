"""fer_core.faces: reading uploads, finding faces in photos, FER crops, the audit's face check."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import ExifTags, Image

from fer_core.data.images import to_fer_array
from fer_core.errors import ImageError
from fer_core.faces import (
    Box,
    Detection,
    FaceSearch,
    HaarFaceDetector,
    find_faces,
    has_face,
    read_image,
    reading,
)
from fer_core.faces.cropping import centre_square, square_around
from fer_core.testing.face_drawing import expected_box, face_drawing, photo


def iou(a: Box, b: Box) -> float:
    w = max(0, min(a.x + a.w, b.x + b.w) - max(a.x, b.x))
    h = max(0, min(a.y + a.h, b.y + b.h) - max(a.y, b.y))
    return w * h / (a.area + b.area - w * h)


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def assert_crops(search: FaceSearch) -> None:
    for face in search.faces:
        assert face.crop.shape == (48, 48) and face.crop.dtype == np.uint8


# -- finding faces ------------------------------------------------------------------------------


def test_face_found_in_a_photo():
    search = find_faces(photo((400, 400), [(200, 110, 90)]))
    assert search.found and len(search.faces) == 1
    face = search.faces[0]
    assert face.source == "detected"
    assert iou(face.box, expected_box(200, 110, 90)) > 0.7
    assert_crops(search)
    assert "1 face" in search.message


@pytest.mark.parametrize("turn", [90, 270])  # a drawing upside down still reads as a face
def test_a_photo_on_its_side_is_turned_upright_to_find_its_face(turn):
    upright = photo((400, 300), [(180, 110, 60)])
    search = find_faces(upright.rotate(turn, expand=True))
    assert search.found and search.turn == (360 - turn) % 360
    assert "turned upright" in search.message
    box = search.faces[0].box
    assert search.upright(upright.rotate(turn, expand=True)).size == upright.size
    assert iou(box, expected_box(180, 110, 60)) > 0.7


def test_small_photo_is_enlarged_so_its_small_face_is_found():
    small = photo((120, 120), [(36, 40, 50)])
    assert HaarFaceDetector().detect(np.asarray(small.convert("L"))) == []  # too small as it is
    search = find_faces(small)
    assert search.found
    assert iou(search.faces[0].box, expected_box(36, 40, 50)) > 0.5


def test_faces_come_largest_first():
    search = find_faces(photo((640, 480), [(110, 40, 60), (240, 330, 200)]))
    boxes = [face.box for face in search.faces]
    assert len(boxes) == 2
    assert boxes[0].area > boxes[1].area
    assert iou(boxes[0], expected_box(240, 330, 200)) > 0.7
    assert iou(boxes[1], expected_box(110, 40, 60)) > 0.7
    assert_crops(search)


def test_boxes_of_a_shrunk_photo_are_in_its_own_coordinates():
    search = find_faces(photo((2000, 1500), [(600, 1100, 700)]))
    assert len(search.faces) == 1
    assert iou(search.faces[0].box, expected_box(600, 1100, 700)) > 0.7


class RecordingDetector:
    """A detector that reports one fixed box and remembers what it was shown."""

    def __init__(self, box: Box) -> None:
        self.box = box
        self.shown: list[np.ndarray] = []

    def detect(self, gray: np.ndarray) -> list[Detection]:
        self.shown.append(gray)
        return [Detection(self.box, 30)]


@pytest.mark.parametrize(
    ("size", "work_size", "found", "expected"),
    [
        ((3200, 2400), (1200, 1600), Box(100, 50, 200, 200), Box(200, 100, 400, 400)),
        ((100, 80), (200, 250), Box(50, 25, 100, 100), Box(20, 10, 40, 40)),
        ((800, 600), (600, 800), Box(700, 500, 200, 200), Box(700, 500, 100, 100)),  # clamped
    ],
)
def test_detection_size_and_box_mapping(size, work_size, found, expected):
    detector = RecordingDetector(found)
    search = find_faces(Image.new("RGB", size, "grey"), detector=detector)
    (shown,) = detector.shown
    assert shown.shape == work_size and shown.dtype == np.uint8
    assert search.faces[0].box == expected


@pytest.mark.parametrize(
    "image",
    [
        Image.fromarray(np.random.default_rng(0).integers(0, 256, (300, 400), dtype=np.uint8)),
        Image.new("RGB", (300, 200), (90, 120, 150)),
    ],
    ids=["noise", "flat"],
)
def test_without_a_face_the_centre_is_offered(image):
    search = find_faces(image)
    assert not search.found
    (face,) = search.faces
    assert face.source == "centre"
    assert face.box == centre_square(image.size)
    assert "No face" in search.message
    assert_crops(search)


@pytest.mark.parametrize("size", [(48, 48), (64, 40)])
def test_a_face_crop_is_used_whole_without_detection(size):
    crop = face_drawing(48).resize(size)
    detector = RecordingDetector(Box(0, 0, 1, 1))
    search = find_faces(crop, detector=detector)
    assert detector.shown == []
    assert search.found
    (face,) = search.faces
    assert face.source == "whole_image" and face.box == Box(0, 0, *size)
    np.testing.assert_array_equal(face.crop, to_fer_array(crop)[0])
    assert "face crop" in search.message


@pytest.mark.parametrize(("image", "words"), [
    (Image.new("L", (1, 1), 128), "too small to show a face"),
    (Image.fromarray(np.random.default_rng(1).integers(0, 256, (48, 48), dtype=np.uint8)),
     "sees no face in it"),
])
def test_a_small_image_without_a_face_is_not_taken_for_one(image, words):
    search = find_faces(image)
    assert not search.found and not search.faces[0].is_face
    assert words in search.message
    assert search.faces[0].crop.shape == (48, 48)


class FixedDetector:
    def __init__(self, *found: Detection) -> None:
        self.found = list(found)

    def detect(self, gray: np.ndarray) -> list[Detection]:
        return self.found


def test_weak_boxes_beside_a_face_are_dropped_and_a_lone_weak_one_is_flagged():
    face, weak_small = Detection(Box(100, 100, 300, 300), 40), Detection(Box(600, 50, 80, 80), 6)
    strong_small = Detection(Box(600, 300, 80, 80), 25)
    search = find_faces(Image.new("L", (800, 600), 128),
                        detector=FixedDetector(weak_small, face, strong_small))
    assert [f.box for f in search.faces] == [face.box, strong_small.box]
    assert search.faces[0].likeness.startswith("face-like (40 detector votes) but with no eyes")
    (alone,) = find_faces(Image.new("L", (800, 600), 128),
                          detector=FixedDetector(weak_small)).faces
    assert alone.is_face and alone.likeness.startswith("weakly face-like (6 detector votes)")


def test_a_drawn_face_is_a_clear_one_with_eyes():
    (face,) = find_faces(photo((480, 360), [(120, 100, 160)])).faces
    assert face.eyes and face.likeness.startswith("a clear face")


def test_margin_widens_the_square_and_stays_inside_the_image():
    assert square_around(Box(100, 100, 100, 80), 0.1, (1000, 1000)) == Box(90, 80, 120, 120)
    assert square_around(Box(0, 0, 100, 100), 0.2, (1000, 1000)) == Box(0, 0, 140, 140)
    assert square_around(Box(10, 0, 100, 100), 0.5, (300, 120)) == Box(0, 0, 120, 120)
    assert centre_square((300, 200)) == Box(50, 0, 200, 200)


# -- has_face -----------------------------------------------------------------------------------


def test_has_face_on_48_px_crops():
    assert has_face(np.asarray(face_drawing(48)))
    assert not has_face(np.random.default_rng(1).integers(0, 256, (48, 48), dtype=np.uint8))
    assert not has_face(np.full((48, 48), 128, np.uint8))


def test_has_face_finds_most_real_fer2013_faces(fer2013_dir: Path):
    files = sorted((fer2013_dir / "train").glob("*/*.*"))[::450][:60]
    crops = [to_fer_array(Image.open(path))[0] for path in files]
    assert np.mean([has_face(crop) for crop in crops]) > 0.7  # 84% on a random 500


# -- reading ------------------------------------------------------------------------------------


def test_exif_orientation_is_applied():
    stored = Image.new("L", (60, 40), 255)
    stored.paste(0, (0, 0, 30, 40))  # left half dark
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # shown turned 90 degrees clockwise
    image = read_image(encoded(stored, "JPEG", exif=exif))
    assert image.size == (40, 60)
    pixels = np.asarray(image)
    assert pixels[:25].mean() < 30 and pixels[35:].mean() > 225  # the left half is now on top


def _grey16(mode: str) -> Image.Image:
    levels = np.linspace(1000, 4000, 64 * 48).reshape(48, 64).astype(np.uint16)
    return Image.fromarray(levels).convert(mode)


def _animated(fmt: str) -> bytes:
    frames = [Image.new("RGB", (64, 48), colour) for colour in ("red", "blue")]
    return encoded(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)


@pytest.mark.parametrize(
    ("data", "mode", "pixel"),
    [
        (encoded(Image.new("RGB", (64, 48), (10, 200, 30)), "PNG"), "RGB", (10, 200, 30)),
        (encoded(Image.new("RGBA", (64, 48), (0, 0, 0, 0)), "PNG"), "RGB", (255, 255, 255)),
        (encoded(Image.new("LA", (64, 48), (0, 0)), "PNG"), "RGB", (255, 255, 255)),
        (encoded(Image.new("RGB", (64, 48), "red").convert("P"), "PNG"), "RGB", (255, 0, 0)),
        (encoded(Image.new("P", (64, 48), 3), "GIF", transparency=3), "RGB", (255, 255, 255)),
        (encoded(Image.new("CMYK", (64, 48), (0, 0, 0, 255)), "JPEG"), "RGB", (0, 0, 0)),
        (encoded(Image.new("CMYK", (64, 48), (0, 255, 255, 0)), "TIFF"), "RGB", (255, 0, 0)),
        (encoded(_grey16("I;16"), "PNG"), "L", 0),
        (encoded(_grey16("I"), "TIFF"), "L", 0),
        (encoded(Image.new("1", (64, 48), 1), "PNG"), "L", 255),
        (encoded(Image.new("L", (64, 48), 77), "BMP"), "L", 77),
        (_animated("GIF"), "RGB", (255, 0, 0)),
        (_animated("WEBP"), "RGB", (255, 0, 0)),
        (_animated("PNG"), "RGB", (255, 0, 0)),
    ],
    ids=["RGB", "RGBA", "LA", "P", "P-transparent", "CMYK-JPEG", "CMYK-TIFF", "I;16", "I", "1",
         "L-BMP", "GIF", "WebP", "APNG"],
)
def test_every_mode_reads_as_rgb_or_l(data, mode, pixel):
    image = read_image(data)
    assert image.mode == mode and image.size == (64, 48)
    first = np.asarray(image)[0, 0]
    np.testing.assert_allclose(first, pixel, atol=8)  # lossy formats land close, not exact
    assert_crops(find_faces(image))


def test_16_bit_grey_is_stretched_to_the_full_range():
    pixels = np.asarray(read_image(encoded(_grey16("I;16"), "PNG")))
    assert pixels.min() == 0 and pixels.max() == 255


def test_every_kind_of_source_is_read(tmp_path: Path):
    data = encoded(photo((80, 60)), "PNG")
    path = tmp_path / "photo.png"
    path.write_bytes(data)
    with path.open("rb") as file:
        images = [read_image(data), read_image(path), read_image(str(path)), read_image(file)]
    for image in images:
        assert image.tobytes() == images[0].tobytes()


def _png_declaring(width: int, height: int) -> bytes:
    """A PNG of a few dozen bytes that declares a ``width`` x ``height`` RGB image."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = chunk(b"IDAT", zlib.compress(b""))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + pixels + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"certainly not an image", "not an image or is corrupt"),
        (b"", "not an image or is corrupt"),
        (encoded(photo((200, 150)), "PNG")[:-400], "not an image or is corrupt"),
        (encoded(photo((200, 150)), "JPEG")[:600], "not an image or is corrupt"),
        (encoded(photo((20, 10)), "PPM"), "not an image or is corrupt (readable formats: JPEG"),
        (_png_declaring(100_000, 100_000), "declares more pixels than the limit of 50 megapixels"),
        (_png_declaring(10_000, 6_000), "10000 x 6000 pixels (60 megapixels); the limit is 50"),
        (b"\0" * 20_000_001, "is too large: 20.0 MB; the limit is 20 MB"),
    ],
    ids=["text", "empty", "truncated-png", "truncated-jpeg", "ppm", "bomb", "megapixels", "bytes"],
)
def test_unusable_data_is_refused_clearly(data, words):
    with pytest.raises(ImageError, match="^the uploaded file ") as error:
        read_image(data)
    assert words in str(error.value)


def test_limits_can_be_lowered(monkeypatch, tmp_path: Path):
    path = tmp_path / "big.png"
    path.write_bytes(encoded(Image.new("L", (1200, 1000)), "PNG"))
    monkeypatch.setattr(reading, "MAX_PIXELS", 1_000_000)
    with pytest.raises(ImageError, match=r"'big.png' is too large: 1200 x 1000 pixels \(1.2 mega"):
        read_image(path)
    monkeypatch.setattr(reading, "MAX_BYTES", 100)
    with pytest.raises(ImageError, match="'big.png' is too large: .* MB; the limit is 0.0001 MB"):
        read_image(path)


def test_a_missing_file_is_named(tmp_path: Path):
    with pytest.raises(ImageError, match="cannot read 'absent.jpg'"):
        read_image(tmp_path / "absent.jpg")
