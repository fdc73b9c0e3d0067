"""How often the face search finds the faces of a photo, and how many of its boxes are not faces,
before and after the check that drops weak boxes (``fer_core.faces.search._kept``).

    FER2013_DIR=... python -m benchmarks.bench_detector [--scenes 60] [--seed 0]

Each scene is a 800x600 picture of clutter that fools face detectors (window grids, stripes,
blocks of text-like marks, noise) with one to three real FER2013 test faces pasted in, each
enlarged to 120-240 pixels. A face is found when a box's centre falls inside it; a box whose
centre falls in no face is a false box. Real portrait photos cannot be fetched on this machine:
these scenes stand in for them, with faces that are real and backgrounds chosen to mislead.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np
from PIL import Image, ImageDraw

from fer_core.data import load_dataset
from fer_core.faces.detection import Box, HaarFaceDetector
from fer_core.faces.search import _detect, _kept

SIZE = (800, 600)


def clutter(rng: np.random.Generator) -> Image.Image:
    """A background of one kind of clutter, in random greys."""
    canvas = Image.new("L", SIZE, int(rng.integers(120, 220)))
    draw = ImageDraw.Draw(canvas)
    kind = rng.integers(4)
    if kind == 0:  # window panes
        step = int(rng.integers(40, 110))
        for x in range(0, SIZE[0], step):
            draw.rectangle((x, 0, x + 6, SIZE[1]), fill=int(rng.integers(0, 80)))
        for y in range(0, SIZE[1], step):
            draw.rectangle((0, y, SIZE[0], y + 6), fill=int(rng.integers(0, 80)))
    elif kind == 1:  # stripes
        step = int(rng.integers(10, 40))
        for y in range(0, SIZE[1], 2 * step):
            draw.rectangle((0, y, SIZE[0], y + step), fill=int(rng.integers(0, 120)))
    elif kind == 2:  # blocks of marks, like text or a logo
        for _ in range(400):
            x, y = int(rng.integers(SIZE[0])), int(rng.integers(SIZE[1]))
            w, h = int(rng.integers(4, 30)), int(rng.integers(4, 14))
            draw.rectangle((x, y, x + w, y + h), fill=int(rng.integers(0, 100)))
    else:  # blotchy noise
        noise = rng.normal(0, 40, (SIZE[1] // 8, SIZE[0] // 8)) + 150
        canvas = Image.fromarray(np.uint8(np.clip(noise, 0, 255))).resize(SIZE, Image.BILINEAR)
    return canvas


def scene(faces: np.ndarray, rng: np.random.Generator) -> tuple[Image.Image, list[Box]]:
    """Clutter with up to three faces pasted where they do not overlap; the faces' boxes."""
    canvas, boxes = clutter(rng), []
    for face in faces[:int(rng.integers(1, 4))]:
        side = int(rng.integers(120, 241))
        for _ in range(50):
            x, y = int(rng.integers(0, SIZE[0] - side)), int(rng.integers(0, SIZE[1] - side))
            if all(x + side < b.x or b.x + b.w < x or y + side < b.y or b.y + b.h < y
                   for b in boxes):
                canvas.paste(Image.fromarray(face).resize((side, side), Image.BICUBIC), (x, y))
                boxes.append(Box(x, y, side, side))
                break
    return canvas, boxes


def inside(box: Box, face: Box) -> bool:
    cx, cy = box.x + box.w / 2, box.y + box.h / 2
    return face.x <= cx <= face.x + face.w and face.y <= cy <= face.y + face.h


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not os.environ.get("FER2013_DIR"):
        print("set FER2013_DIR: the scenes hold real FER2013 test faces", file=sys.stderr)
        return 2
    test = load_dataset(os.environ["FER2013_DIR"]).split("test")
    rng = np.random.default_rng(args.seed)
    detector = HaarFaceDetector()
    totals = {"faces": 0, "before": [0, 0, 0], "after": [0, 0, 0]}  # found, boxes, false
    for _ in range(args.scenes):
        picture, faces = scene(test.images[rng.choice(len(test), 3, replace=False)], rng)
        gray = picture.convert("L")
        raw = _detect(gray, detector)
        totals["faces"] += len(faces)
        for stage, found in (("before", raw), ("after", _kept(raw, np.asarray(gray)))):
            boxes = [d.box for d in found]
            totals[stage][0] += sum(any(inside(b, f) for b in boxes) for f in faces)
            totals[stage][1] += len(boxes)
            totals[stage][2] += sum(not any(inside(b, f) for f in faces) for b in boxes)
    print(f"{args.scenes} scenes, {totals['faces']} real FER2013 faces in clutter (seed "
          f"{args.seed})")
    print(f"{'':<28}{'faces found':>12}{'boxes':>8}{'not faces':>11}")
    for stage, label in (("before", "detector alone"), ("after", "with the weak-box check")):
        found, boxes, false = totals[stage]
        print(f"{label:<28}{found / totals['faces']:>12.0%}{boxes:>8}"
              f"{false:>6} ({false / max(boxes, 1):.0%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
