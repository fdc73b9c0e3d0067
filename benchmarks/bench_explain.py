"""The Explain page's wait, through the code the page runs, and each method's cost per model.

    python -m benchmarks.bench_explain [--repeats 5] [--models NAME ...] [--grid-only]

Figures, warm (after one face has been explained), each a median over ``--repeats`` faces that
were never seen before (nothing is answered from a cache):

- upload to first predictions: decode a JPEG photo, find its face, every model's probabilities;
- upload to the full grid: the same, then every model's own default map and the random baseline,
  all of them scored (deletion, insertion, average drop and increase);
- a new dataset face: a 48x48 face to the full grid (no photo, no detection);
- per method and model: one map alone (with the random baseline, both scored), and what it
  adds next to the model's default, scoring included (the gradient-CAM methods and saliency
  share one forward and backward pass); medians over different faces, so a small "added"
  figure is within the noise.

The models are those the Explain page opens with; faces are FER2013 test faces
when ``FER2013_DIR`` is set, else generated ones. Run on an idle machine.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import time
from typing import Callable

import numpy as np
from PIL import Image

from fer_core.data import load_dataset
from fer_core.evaluate import predict_proba
from fer_core.explain import BASELINE, METHODS, explain_face
from fer_core.faces import find_faces, read_image
from fer_core.picks import EXPLAIN_MODELS, first_picks
from fer_core.store import FALLBACK_METHOD, ModelStore, StoredModel


def page_models(names: list[str] | None) -> list[StoredModel]:
    """The named stored models, else those the page opens with."""
    stored = [m for m in ModelStore().list() if not m.is_ensemble]
    chosen = names or first_picks(stored, EXPLAIN_MODELS, best_readers=True)
    return [m for m in stored if m.name in chosen]


def test_faces(count: int) -> np.ndarray:
    if os.environ.get("FER2013_DIR"):
        test = load_dataset(os.environ["FER2013_DIR"]).split("test")
        return test.images[np.random.default_rng(0).choice(len(test), count, replace=False)]
    return np.random.default_rng(0).integers(0, 256, (count, 48, 48), dtype=np.uint8)


def as_photo(face: np.ndarray) -> bytes:
    """A face enlarged onto a plain 640x480 background, as a JPEG upload."""
    canvas = Image.new("L", (640, 480), 170)
    canvas.paste(Image.fromarray(face).resize((240, 240), Image.Resampling.BICUBIC), (200, 120))
    buffer = io.BytesIO()
    canvas.convert("RGB").save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def median_seconds(run: Callable[[np.ndarray], object], faces: np.ndarray) -> float:
    """Median wall time of ``run`` over faces, each seen once."""
    times = []
    for face in faces:
        start = time.perf_counter()
        run(face)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="new faces per figure")
    parser.add_argument("--models", nargs="*", help="stored models (default: the page's)")
    parser.add_argument("--grid-only", action="store_true",
                        help="only the page's waits, not the cost of each method")
    args = parser.parse_args()
    stored = page_models(args.models)
    loaded = [(m, m.load_keras()) for m in stored]
    faces = iter(test_faces(1 + (1 + 3 * args.repeats) * (1 + len(METHODS) * len(stored))))

    def fresh(count: int = args.repeats) -> np.ndarray:
        return np.stack([next(faces) for _ in range(count)])

    def predictions(face: np.ndarray) -> list[tuple[StoredModel, object, int]]:
        return [(m, model, int(predict_proba(model, face[None])[0].argmax()))
                for m, model in loaded]

    def grid(face: np.ndarray) -> None:
        for m, model, target in predictions(face):
            explain_face(model, m.gradcam_layer, [m.default_method or FALLBACK_METHOD], face,
                         target)

    def from_upload(then: Callable[[np.ndarray], object]) -> Callable[[np.ndarray], object]:
        def run(photo: bytes) -> None:
            upload = io.BytesIO(photo)
            upload.name = "photo.jpg"
            then(find_faces(read_image(upload)).faces[0].crop)
        return run

    grid(fresh(1)[0])  # warm: traces every model's functions once
    photos = [as_photo(face) for face in fresh()]
    print(f"{len(stored)} models ({', '.join(m.name for m in stored)}), each with its own "
          f"default method; {os.cpu_count()} CPUs; median of {args.repeats} new faces")
    rows = [("upload to first predictions", median_seconds(from_upload(predictions), photos)),
            ("upload to the full grid", median_seconds(from_upload(grid), photos)),
            ("a new dataset face to the full grid", median_seconds(grid, fresh()))]
    for label, seconds in rows:
        print(f"  {label:<40}{seconds:>7.2f} s")
    if args.grid_only:
        return

    print(f"\n{'model':<18}{'method':<22}{'alone s':>9}{'added s':>9}")
    for m, model in loaded:
        own = m.default_method or FALLBACK_METHOD
        for method in (x for x in METHODS if x != BASELINE):
            warm = fresh(1)[0]
            explain_face(model, m.gradcam_layer, [own, method], warm, 0)
            alone = median_seconds(
                lambda f: explain_face(model, m.gradcam_layer, [method], f, 0), fresh())
            with_own = median_seconds(
                lambda f: explain_face(model, m.gradcam_layer, [own, method], f, 0), fresh())
            only_own = median_seconds(
                lambda f: explain_face(model, m.gradcam_layer, [own], f, 0), fresh())
            print(f"{m.name:<18}{method:<22}{alone:>9.3f}{max(0.0, with_own - only_own):>9.3f}",
                  flush=True)


if __name__ == "__main__":
    main()
