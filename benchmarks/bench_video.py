"""Speed of the live camera and of video files, one face at 640x480, on the shipped models.

Live: the Live page's annotator on one frame after another (faces found, tracked, classified,
smoothed, drawn; with ``--map``-style runs its one-pass map too): median milliseconds from
frame in to annotated frame out, and the frames a second that makes. The WebRTC transport
(encoding, the network) is not in it: on localhost it adds little, and the page shows the rate
it reaches. Files: a generated 25 fps clip analysed by ``analyse_video`` at every frame and at
every 5th, as times faster than it plays.

    python -m benchmarks.bench_video --model fer_vgg --model vgg16_modified

Run it on an idle machine: a training run beside it halves every figure.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from fer_core.startup import import_tensorflow_quietly

import_tensorflow_quietly()

from fer_core.evaluate import predict_proba  # noqa: E402
from fer_core.explain import make_explainer  # noqa: E402
from fer_core.store import ModelStore  # noqa: E402
from fer_core.testing.clips import write_clip  # noqa: E402
from fer_core.testing.face_drawing import photo  # noqa: E402
from fer_core.video import LiveAnnotator, analyse_video, live_method  # noqa: E402

SIZE = (640, 480)
FPS = 25


def scenes(count: int) -> list:
    """A face that drifts across the frame and back, as a person in front of a webcam."""
    return [photo(SIZE, [(200, 180 + round(60 * np.sin(k / 15)), 140)]) for k in range(count)]


def live_ms(annotator: LiveAnnotator, frames: list[np.ndarray]) -> list[float]:
    annotator.annotate(frames[0], 0.0)  # traced once, as the page's first frame is
    spent = []
    for k, frame in enumerate(frames):
        started = time.perf_counter()
        annotator.annotate(frame, (k + 1) / FPS)
        spent.append((time.perf_counter() - started) * 1000)
    return spent


def bench_model(name: str, clip: Path, seconds: float, frames: list[np.ndarray]) -> None:
    stored = ModelStore().get(name)
    network = stored.load_keras()
    method = live_method(stored.own_method, stored.method_checks())
    explainer = make_explainer(method, network, stored.gradcam_layer)

    def classify(faces: np.ndarray) -> np.ndarray:
        return predict_proba(network, faces)

    def explain(face: np.ndarray, target: int) -> np.ndarray:
        return explainer.explain(face[None], target)[0]

    for label, annotator in (("live, predictions", LiveAnnotator(classify, stored.classes)),
                             (f"live, with {method} map",
                              LiveAnnotator(classify, stored.classes, explain, method=method))):
        spent = live_ms(annotator, frames)
        print(f"{name:16s} {label:28s} median {statistics.median(spent):6.1f} ms, "
              f"{1000 / statistics.mean(spent):5.1f} frames a second")

    def per_model(faces: np.ndarray) -> dict[str, np.ndarray]:
        return {name: classify(faces)}

    for every in (1, 5):
        started = time.perf_counter()
        analysis = analyse_video(clip, per_model, stored.classes, every=every)
        taken = time.perf_counter() - started
        print(f"{name:16s} file, every {every} frame(s)          {analysis.frames_read:4d} frames "
              f"in {taken:5.1f} s: {seconds / taken:4.1f}x real time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", help="stored model (repeat)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the test clip")
    args = parser.parse_args()
    count = round(args.seconds * FPS)
    drawn = scenes(count)
    noise = np.random.default_rng(0)
    frames = [np.clip(np.asarray(scene.convert("RGB"), np.int16)  # a camera's noise: no two
                      + noise.integers(-4, 5, (SIZE[1], SIZE[0], 1)), 0, 255).astype(np.uint8)
              for scene in drawn[:100]]  # frames alike, as no two crops are
    with tempfile.TemporaryDirectory() as folder:
        clip = write_clip(Path(folder) / "clip.mp4", drawn, fps=FPS, codec="h264")
        print(f"one face, {SIZE[0]}x{SIZE[1]}; file: {args.seconds:.0f} s at {FPS} fps (h264)")
        for name in args.model or ["fer_vgg"]:
            bench_model(name, clip, args.seconds, frames)


if __name__ == "__main__":
    main()
