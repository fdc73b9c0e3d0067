"""Video files: a clip's timeline follows the emotions it shows in their order, faces keep their
tracks when they cross, and bad clips (corrupt, no video stream, no face) get one clear line."""

from __future__ import annotations

import csv
import json
import wave
from pathlib import Path

import numpy as np
import pytest

from fer_core import cli
from fer_core.data import CLASSES
from fer_core.errors import VideoError
from fer_core.faces import Box, upright_faces
from fer_core.store import ModelStore
from fer_core.testing.clips import dimmed, write_clip
from fer_core.testing.face_drawing import photo
from fer_core.video import FaceTracker, analyse_video, frames, video_info
from tests.helpers import save_tiny

SCENE = photo((320, 240), [(120, 100, 60)])
ORDER = (("happy", 1.0), ("sad", 0.62), ("surprise", 0.38))
"""The emotions the test clip shows, in order, each drawn at its own brightness."""


def by_brightness(reference: float):
    """A stand-in model that reads the emotion off a face's brightness, as the clip encodes it:
    the pipeline (frames, times, faces, tracks) is under test, not a network."""
    def classify(faces: np.ndarray) -> dict[str, np.ndarray]:
        proba = np.full((len(faces), len(CLASSES)), 0.01)
        for i, face in enumerate(faces):
            share = face.mean() / reference
            emotion = "happy" if share > 0.8 else "sad" if share > 0.5 else "surprise"
            proba[i, CLASSES.index(emotion)] = 1.0
        return {"stand_in": proba / proba.sum(1, keepdims=True)}
    return classify


@pytest.fixture(scope="module")
def emotions_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scenes = [dimmed(SCENE, factor) for _, factor in ORDER for _ in range(8)]
    return write_clip(tmp_path_factory.mktemp("clips") / "emotions.mp4", scenes, fps=8)


def test_the_timeline_follows_the_emotions_in_their_order(emotions_clip) -> None:
    reference = upright_faces(SCENE.convert("L"))[0].crop.mean()
    analysis = analyse_video(emotions_clip, by_brightness(reference), CLASSES)
    assert analysis.info.fps == pytest.approx(8) and analysis.frames_read == 24
    assert analysis.tracks == [0]  # one face, one track
    times = [r.seconds for r in analysis.records]
    assert times == sorted(times) and times[-1] == pytest.approx(23 / 8)
    read = [CLASSES[int(r.probabilities["stand_in"].argmax())] for r in analysis.records]
    assert [e for i, e in enumerate(read) if i == 0 or read[i - 1] != e] == [e for e, _ in ORDER]
    peaks = analysis.peaks(0, "stand_in")
    assert [peaks[e].seconds < 1 for e in ("happy", "sad", "surprise")] == [True, False, False]
    assert 1 <= peaks["sad"].seconds < 2 <= peaks["surprise"].seconds


def test_every_nth_frame_keeps_the_clips_times(emotions_clip) -> None:
    sampled = list(frames(emotions_clip, every=5))
    assert [f.index for f in sampled] == [0, 5, 10, 15, 20]
    assert [f.seconds for f in sampled] == pytest.approx([0, 5 / 8, 10 / 8, 15 / 8, 20 / 8])


def test_two_faces_that_cross_keep_their_tracks(tmp_path) -> None:
    # one face moves right along the top, a larger one left along the bottom: they pass
    scenes = [photo((400, 300), [(90, 20 + 14 * k, 10), (110, 290 - 14 * k, 150)])
              for k in range(20)]
    clip = write_clip(tmp_path / "cross.mp4", scenes)
    analysis = analyse_video(clip, by_brightness(100.0), CLASSES)
    assert analysis.tracks == [0, 1]
    for track in analysis.tracks:
        mine = analysis.of_track(track)
        moves = np.diff([r.box.x for r in mine])
        assert len(mine) == 20 and (np.all(moves > 0) or np.all(moves < 0))


def test_a_face_hidden_while_another_passes_over_it_comes_back_to_its_track() -> None:
    tracker, seen = FaceTracker(), {}
    for step in range(21):
        t = step / 10
        left_to_right = Box(20 + 15 * step, 100, 60, 60)
        right_to_left = Box(320 - 15 * step, 104, 60, 60)
        boxes = [left_to_right] if 9 <= step <= 11 else [left_to_right, right_to_left]
        for box, number in zip(boxes, tracker.update(boxes, t), strict=True):
            seen.setdefault(number, []).append(box.x)
    assert sorted(seen) == [0, 1]
    assert np.all(np.diff(seen[0]) > 0) and np.all(np.diff(seen[1]) < 0)


def test_bad_clips_get_their_messages(tmp_path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video at all" * 100)
    with pytest.raises(VideoError, match="not a video"):
        video_info(broken)
    sound = tmp_path / "sound.wav"
    with wave.open(str(sound), "wb") as out:
        out.setnchannels(1), out.setsampwidth(2), out.setframerate(8000)
        out.writeframes(np.zeros(8000, np.int16).tobytes())
    with pytest.raises(VideoError, match="no video stream"):
        video_info(sound)
    with pytest.raises(VideoError, match="no such file"):
        list(frames(tmp_path / "missing.mp4"))


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModelStore:
    monkeypatch.setenv("FER_MODELS_DIR", str(tmp_path / "models"))
    store = ModelStore(tmp_path / "models")
    save_tiny(store, "tiny_a", 0)
    return store


def test_video_from_the_command_line(store, emotions_clip, tmp_path, capsys) -> None:
    rows = tmp_path / "rows.csv"
    assert cli.main(["video", "--model", "tiny_a", str(emotions_clip), "--every", "2",
                     "--csv", str(rows), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["frames_read"] == 12 and report["faces"] == [0]
    first = report["records"][0]
    assert first["model"] == "tiny_a" and sum(first[c] for c in CLASSES) == pytest.approx(1, 1e-3)
    with rows.open() as table:
        assert len(list(csv.DictReader(table))) == len(report["records"])
    assert cli.main(["video", "--model", "tiny_a", str(emotions_clip)]) == 0
    assert "face 0: 0.00-2.88 s" in capsys.readouterr().out

    empty = write_clip(tmp_path / "empty.mp4", [photo((320, 240))] * 4)
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(emotions_clip.read_bytes()[:300])
    for clip, words in ((empty, "no face found in 4 frames"), (truncated, "")):
        assert cli.main(["video", "--model", "tiny_a", str(clip)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and words in err and "Traceback" not in err
