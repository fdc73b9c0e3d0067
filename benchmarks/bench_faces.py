"""How long face search takes on photos, and how often ``has_face`` sees a face on FER2013.

Run from the project root: ``python -m benchmarks.bench_faces [--n 500]``. The photos are
generated (a drawn face on a gradient, saved as JPEG); the FER2013 figures need ``FER2013_DIR``
pointing at the image-folder layout, and are skipped without it.
"""

from __future__ import annotations

import argparse
import io
import os
import time
from functools import partial
from pathlib import Path

import numpy as np
from PIL import Image

from benchmarks.timing import median_ms
from fer_core.data.classes import CLASSES
from fer_core.data.images import IMAGE_SUFFIXES, to_fer_array
from fer_core.faces import find_faces, has_face, read_image
from fer_core.testing.face_drawing import photo


def bench_photos(repeats: int) -> None:
    """Reading and searching a VGA and a 12-megapixel photo, each with one face a third as tall."""
    for width, height in ((640, 480), (4000, 3000)):
        side = height // 3
        buffer = io.BytesIO()
        photo((width, height), [(side, width // 2, height // 3)]).save(buffer, "JPEG", quality=90)
        data = buffer.getvalue()
        image = read_image(data)
        faces = len(find_faces(image).faces)
        read_ms = median_ms(partial(read_image, data), repeats)
        find_ms = median_ms(partial(find_faces, image), repeats)
        print(f"{width}x{height} JPEG: read {read_ms:.1f} ms, find_faces {find_ms:.1f} ms, "
              f"faces found: {faces}")


def bench_fer2013(root: Path, n: int, seed: int) -> None:
    """``has_face`` on ``n`` random training images: rate overall and per class, and speed."""
    train = sorted(p for p in (root / "train").glob("*/*") if p.suffix.lower() in IMAGE_SUFFIXES)
    picked = np.random.default_rng(seed).choice(len(train), size=min(n, len(train)), replace=False)
    sample = [train[i] for i in picked]
    crops = []
    for path in sample:
        with Image.open(path) as image:
            crops.append(to_fer_array(image)[0])
    start = time.perf_counter()
    found = np.array([has_face(crop) for crop in crops])
    elapsed = time.perf_counter() - start
    classes = np.array([path.parent.name.lower() for path in sample])
    print(f"FER2013 has_face: {found.mean():.1%} of {len(crops)} train images, "
          f"{1000 * elapsed / len(crops):.1f} ms/image")
    per_class = ", ".join(
        f"{name} {found[classes == name].mean():.0%} ({(classes == name).sum()})"
        for name in CLASSES if (classes == name).any()
    )
    print(f"  per class: {per_class}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500, help="FER2013 images to check (default 500)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per photo (default 5)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    bench_photos(args.repeats)
    root = os.environ.get("FER2013_DIR")
    if root:
        bench_fer2013(Path(root), args.n, args.seed)
    else:
        print("FER2013_DIR is not set: the FER2013 has_face figures are skipped")


if __name__ == "__main__":
    main()
