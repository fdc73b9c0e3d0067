"""The live camera's annotator: faces boxed with their bars and maps, probabilities smoothed
over time per face, a frame with no face said so, and the map method that is quick enough."""

from __future__ import annotations

import numpy as np
import pytest

from fer_core.data import CLASSES
from fer_core.explain.metrics import MethodChecks
from fer_core.testing.face_drawing import photo
from fer_core.video import LiveAnnotator, live_method
from fer_core.video.live import HALF_LIFE

FRAME = np.asarray(photo((640, 480), [(200, 220, 120)]).convert("RGB"))
EMPTY = np.asarray(photo((640, 480)).convert("RGB"))


def reading(emotion: str):
    """A stand-in model that reads ``emotion`` on every face (the path, not a network, is
    under test); the emotion can be changed between frames."""
    state = {"emotion": emotion}

    def classify(faces: np.ndarray) -> np.ndarray:
        proba = np.full((len(faces), len(CLASSES)), 0.0)
        proba[:, CLASSES.index(state["emotion"])] = 1.0
        return proba
    return classify, state


def test_a_face_is_boxed_barred_and_mapped() -> None:
    classify, _ = reading("happy")
    explained = []

    def explain(face: np.ndarray, target: int) -> np.ndarray:
        explained.append(target)
        return np.tile(np.linspace(0, 1, 48, dtype=np.float32), (48, 1))

    live = LiveAnnotator(classify, CLASSES, explain, method="gradcam")
    shown = live.annotate(FRAME, 0.0)
    assert shown.shape == FRAME.shape and not np.array_equal(shown, FRAME)
    assert np.array_equal(FRAME, np.asarray(photo((640, 480), [(200, 220, 120)]).convert("RGB")))
    assert explained == [CLASSES.index("happy")]
    (face,) = live.newest()[1]
    assert face.crop.shape == (48, 48) and face.heatmap is not None
    x, y, w, h = face.box
    assert 180 < x + w / 2 < 360 and 180 < y + h / 2 < 360  # the drawn face, found in full size
    changed = np.any(shown != FRAME, axis=2)
    assert changed[y:y + h, x:x + w].mean() > 0.5  # the map blended over the face
    assert changed[:, x + w + 8:].any()  # the bars beside it


def test_probabilities_are_smoothed_over_time_and_kept_for_the_timeline() -> None:
    classify, state = reading("neutral")
    live = LiveAnnotator(classify, CLASSES)
    live.annotate(FRAME, 0.0)
    state["emotion"] = "happy"
    live.annotate(FRAME, HALF_LIFE)  # one half-life later: half the old reading remains
    (face,) = live.newest()[1]
    assert face.probabilities[CLASSES.index("happy")] == pytest.approx(0.5)
    assert face.probabilities[CLASSES.index("neutral")] == pytest.approx(0.5)
    for step in range(2, 12):
        live.annotate(FRAME, step * HALF_LIFE)
    assert live.newest()[1][0].probabilities[CLASSES.index("happy")] > 0.99
    timeline = live.timeline()
    assert [track for _, track, _ in timeline] == [0] * len(timeline)
    assert len(timeline) == 12 and live.frames == 12


def test_no_face_in_view_is_said_on_the_frame() -> None:
    classify, _ = reading("happy")
    live = LiveAnnotator(classify, CLASSES)
    shown = live.annotate(EMPTY, 0.0)
    assert live.newest()[1] == () and live.timeline() == []
    assert not np.array_equal(shown, EMPTY)  # the caption is drawn


def test_the_live_map_is_a_one_pass_method() -> None:
    checks = {"gradcam": MethodChecks(beats_random=2, stability=0.9),
              "layercam": MethodChecks(beats_random=4, stability=0.8),
              "hirescam": MethodChecks(beats_random=4, stability=0.6),
              "scorecam": MethodChecks(beats_random=4, stability=0.95)}
    assert live_method("hirescam", checks) == "hirescam"  # its own, quick already
    assert live_method("occlusion", checks) == "layercam"  # most faithful quick one
    assert live_method("occlusion", {}) == "gradcam"  # nothing measured: the study's


def test_a_frame_passed_on_unread_keeps_the_last_faces() -> None:
    classify, _ = reading("happy")
    live = LiveAnnotator(classify, CLASSES)
    live.annotate(FRAME, 0.0)
    shown = live.redraw(EMPTY)  # drawn, not read: the faces of the frame before
    assert not np.array_equal(shown, EMPTY) and live.frames == 1
