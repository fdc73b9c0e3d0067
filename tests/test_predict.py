"""Real photos by the page's path: ``fer predict``, labelled photo folders, extra training faces,
and the verdict that says when a model is unsure."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from fer_core import cli
from fer_core.data import CLASSES
from fer_core.errors import DataError
from fer_core.faces.labelled import load_labelled_faces
from fer_core.predict import prediction_in_words
from fer_core.store import ModelStore
from fer_core.testing.face_drawing import photo
from fer_core.training import train_model
from tests.helpers import save_tiny, write_folder_layout


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModelStore:
    monkeypatch.setenv("FER_MODELS_DIR", str(tmp_path / "models"))
    store = ModelStore(tmp_path / "models")
    save_tiny(store, "tiny_a", 0)
    save_tiny(store, "tiny_b", 1)
    store.save("pair", config={"model": "ensemble", "classes": list(CLASSES),
                               "members": ["tiny_a", "tiny_b"]}, members=["tiny_a", "tiny_b"])
    return store


def labelled_photos(root: Path) -> Path:
    """happy/ and neutral/ photos with a face each, one photo with none, one broken file."""
    for emotion, shift in (("happy", 0), ("neutral", 30)):
        (root / emotion).mkdir(parents=True)
        for i in range(2):
            photo((320, 240), [(150, 60 + shift + 10 * i, 40)]).save(root / emotion / f"{i}.jpg")
    photo((320, 240)).save(root / "happy" / "no_face.jpg")
    (root / "neutral" / "broken.jpg").write_bytes(b"not a photo")
    return root


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_words_name_both_emotions_when_the_model_is_unsure() -> None:
    sure = np.array([0.02, 0.01, 0.02, 0.80, 0.05, 0.05, 0.05])
    close = np.array([0.02, 0.01, 0.02, 0.45, 0.05, 0.05, 0.40])
    assert prediction_in_words(CLASSES, sure) == "happy 80%"
    assert prediction_in_words(CLASSES, close) == "happy or neutral: the model is unsure"


def test_predict_a_photo_with_models_and_an_ensemble(store, tmp_path, capsys) -> None:
    image = tmp_path / "two.jpg"
    photo((640, 360), [(200, 40, 80), (140, 420, 120)]).save(image)
    code, out, _ = run(capsys, "predict", str(image), "--model", "tiny_a", "--model", "pair",
                       "--json")
    assert code == 0
    record = json.loads(out)["photos"][0]
    assert record["found"] and len(record["faces"]) == 2
    first, second = record["faces"]
    assert first["box"]["w"] >= second["box"]["w"]  # largest first
    assert "detector votes" in first["likeness"]
    members = [store.get(n).load_keras() for n in ("tiny_a", "tiny_b")]
    from fer_core.evaluate import predict_proba
    from fer_core.faces import find_faces, read_image

    crop = find_faces(read_image(image)).faces[0].crop[None]
    average = np.mean([predict_proba(m, crop)[0] for m in members], axis=0)
    ensemble = first["models"]["pair"]["probabilities"]
    np.testing.assert_allclose([ensemble[c] for c in CLASSES], average, atol=1e-4)


def test_predict_a_labelled_folder_scores_it_and_reports_bad_files(store, tmp_path,
                                                                   capsys) -> None:
    root = labelled_photos(tmp_path / "photos")
    code, out, err = run(capsys, "predict", str(root), "--model", "tiny_a",
                         "--labels-from-folders")
    assert code == 2  # a file failed; the others still ran
    assert err.count("error:") == 1 and "broken.jpg" in err
    assert "4 of 5 labelled photos with a face found" in out
    assert "tiny_a: accuracy" in out and "true \\ predicted" in out
    code, out, _ = run(capsys, "predict", str(root / "happy"), "--model", "tiny_a", "--json")
    assert code == 0 and len(json.loads(out)["photos"]) == 3
    code, _, err = run(capsys, "predict", str(tmp_path / "nowhere"), "--model", "tiny_a")
    assert code == 2 and "no such file or folder" in err


def test_recorded_real_photo_scores_join_the_models_metrics_and_table(store, tmp_path,
                                                                      capsys) -> None:
    from fer_core.zoo_table import real_photos_markdown, zoo_markdown

    root = labelled_photos(tmp_path / "realphotos")
    code, _, err = run(capsys, "predict", str(root), "--model", "tiny_a", "--model", "pair",
                       "--labels-from-folders", "--record")
    assert code == 2 and "kept under real_photos.realphotos" in err
    for name in ("tiny_a", "pair"):
        kept = store.get(name).metrics["real_photos"]["realphotos"]
        assert kept["faces_found"] == 4 and kept["photos"] == 5 and 0 <= kept["accuracy"] <= 1
    assert store.get("tiny_a").load_keras() is not None  # the network is untouched
    accuracy = store.get("tiny_a").metrics["real_photos"]["realphotos"]["accuracy"]
    row = next(line for line in zoo_markdown([store.get("tiny_a")]).splitlines()
               if "`tiny_a`" in line)
    assert f"| {accuracy:.1%} |" in row
    recall = real_photos_markdown([store.get("tiny_a"), store.get("tiny_b")]).splitlines()
    assert len(recall) == 3 and "| happy |" in recall[0]  # tiny_b never scored: left out
    assert recall[2].startswith("| `tiny_a` | 4 of 5 | " + f"{accuracy:.1%} |")
    code, _, err = run(capsys, "predict", str(root), "--model", "tiny_a", "--record")
    assert code == 2 and "--record needs --labels-from-folders" in err


def test_labelled_faces_are_the_detected_ones_and_are_cached(tmp_path) -> None:
    root = labelled_photos(tmp_path / "photos")
    faces = load_labelled_faces(root)
    assert faces.counts() == {"happy": 2, "neutral": 2}
    assert (faces.unread, faces.faceless) == (1, 1)
    assert faces.images.shape == (4, 48, 48) and faces.images.dtype == np.uint8
    again = load_labelled_faces(root)
    assert again.fingerprint == faces.fingerprint
    (root / "joy").mkdir()
    with pytest.raises(DataError, match="not an emotion folder"):
        load_labelled_faces(root)


@pytest.mark.slow
def test_extra_photos_join_training_and_the_key(tmp_path) -> None:
    data = write_folder_layout(tmp_path / "data", per_class=4)
    extra = labelled_photos(tmp_path / "photos")
    store = ModelStore(tmp_path / "models")
    settings = {"epochs": 1, "batch_size": 8}
    plain, _ = train_model("custom_cnn", data, overrides=settings, store=store)
    moved = tmp_path / "elsewhere"
    extra.rename(moved)
    with_extra, reused = train_model("custom_cnn", data, store=store, name="with_extra",
                                     overrides={**settings, "extra_train": str(moved),
                                                "contrast": 0.3, "brightness": 0.2})
    assert not reused and with_extra.config["cache_key"] != plain.config["cache_key"]
    trained_on = with_extra.config["trained_on"]
    assert trained_on["extra_train"]["faces"] == {"happy": 2, "neutral": 2}
    assert trained_on["train_images"] == plain.config["trained_on"]["train_images"] + 4


@pytest.mark.skipif(not os.environ.get("FER_REALPHOTOS_DIR"),
                    reason="FER_REALPHOTOS_DIR is not set: real-photo test skipped")
@pytest.mark.slow
def test_the_real_photos_give_faces_of_every_emotion() -> None:
    faces = load_labelled_faces(os.environ["FER_REALPHOTOS_DIR"])
    assert set(faces.counts()) == set(CLASSES)
    assert len(faces) >= 0.75 * (len(faces) + faces.faceless + faces.unread)


def test_the_robustness_shifts_keep_faces_and_rows_come_per_model_and_shift(tmp_path) -> None:
    from fer_core.robustness import SHIFTS, reframe, robustness_rows
    from fer_core.testing.face_drawing import face_drawing
    from tests.helpers import random_faces

    faces = np.stack([np.asarray(face_drawing(48))] * 2 + list(random_faces(2)))
    for name, shift in SHIFTS.items():
        shifted = shift(faces)
        assert shifted.shape == faces.shape and shifted.dtype == np.uint8, name
    assert (SHIFTS["clean"](faces) == faces).all()
    assert SHIFTS["contrast x0.5"](faces).std() < faces.std()
    assert reframe(faces[:1])[1].all()  # the drawn face is found again in a larger photo
    store = ModelStore(tmp_path / "models")
    model = save_tiny(store, "tiny", 0).load_keras()
    labels = np.array([3, 6, 3, 6])
    rows = robustness_rows({"tiny": [model], "pair": [model, model]}, faces, labels, CLASSES,
                           ["clean", "blur"])
    assert [(r["model"], r["shift"]) for r in rows] == [
        ("tiny", "clean"), ("pair", "clean"), ("tiny", "blur"), ("pair", "blur")]
    assert rows[0]["accuracy"] == rows[1]["accuracy"]
    assert all(0 <= r["happy"] <= 1 and 0 <= r["neutral"] <= 1 for r in rows)


def test_the_portraits_benchmark_reads_broad_and_subtle_smiles_and_neutral_faces(
        store, tmp_path) -> None:
    import subprocess
    import sys

    root = tmp_path / "portraits"
    for folder, name in (("happy", "broad_0"), ("happy", "subtle_0"), ("neutral", "0")):
        (root / folder).mkdir(parents=True, exist_ok=True)
        photo((320, 240), [(150, 60, 40)]).save(root / folder / f"{name}.jpg")
    photo((320, 240)).save(root / "neutral" / "no_face.jpg")
    done = subprocess.run([sys.executable, "-m", "benchmarks.portraits", str(root),
                           "--model", "tiny_a", "--model", "pair", "--markdown"],
                          capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parent.parent)
    lines = done.stdout.strip().splitlines()
    assert lines[0] == "| model | broad smiles | all smiles | neutral |"
    assert lines[2].startswith("| `tiny_a` |") and "/1)" in lines[2] and "/2)" in lines[2]
    assert "/2) |" in lines[3]  # the photo without a face counts as missed


def test_the_held_out_portraits_are_laid_out_from_a_clone(tmp_path) -> None:
    import csv
    import subprocess
    import sys

    repo_root = Path(__file__).resolve().parent.parent
    clone = tmp_path / "deepface"
    labels = list(csv.DictReader((repo_root / "benchmarks/heldout/deepface_portraits.csv").open()))
    for row in labels:
        (clone / row["file"]).parent.mkdir(parents=True, exist_ok=True)
        (clone / row["file"]).write_bytes(b"jpeg " + row["file"].encode())
    git = ["git", "-C", str(clone), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(["git", "init", "-q", str(clone)], check=True)
    subprocess.run(git + ["add", "."], check=True)
    subprocess.run(git + ["commit", "-qm", "photos"], check=True)
    out = tmp_path / "out"
    subprocess.run([sys.executable, "tools/heldout_portraits.py", "deepface_portraits", str(clone),
                    str(out)], check=True, cwd=repo_root, capture_output=True)
    kept = [r for r in labels if r["label"] != "unclear"]
    assert len(list(out.rglob("*.jpg"))) == len(kept)
    broad = next(r for r in kept if r["smile"] == "broad")
    name = Path(broad["file"]).name
    assert (out / "happy" / f"broad_{name}").read_bytes() == b"jpeg " + broad["file"].encode()
    for wrong in (["deepface_portraits", str(tmp_path)], ["no_such_set", str(clone)]):
        failed = subprocess.run([sys.executable, "tools/heldout_portraits.py", *wrong, str(out)],
                                cwd=repo_root, capture_output=True, text=True)
        assert failed.returncode == 2 and failed.stderr.startswith("error:")
