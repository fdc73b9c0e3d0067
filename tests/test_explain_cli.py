"""``python -m fer_core explain|explain-metrics``: overlays written, JSON shapes, clear errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from PIL import Image

from fer_core import cli
from fer_core.data import CLASSES, load_dataset
from fer_core.explain import METHODS
from fer_core.store import ModelStore
from fer_core.testing.face_drawing import face_drawing, photo
from tests.helpers import random_faces, save_tiny, write_data, write_folder_layout


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModelStore:
    """Two tiny stored models in a store of their own."""
    monkeypatch.setenv("FER_MODELS_DIR", str(tmp_path / "models"))
    store = ModelStore(tmp_path / "models")
    for seed, name in enumerate(("tiny_a", "tiny_b")):
        save_tiny(store, name, seed)
    return store


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_explain_writes_an_overlay_per_face_model_and_method(store, tmp_path, capsys) -> None:
    image = tmp_path / "face.png"
    face_drawing(48).save(image)
    out = tmp_path / "maps"
    code, stdout, _ = run(capsys, "explain", "--model", "tiny_a", "--model", "tiny_b",
                          "--image", str(image), "--method", "gradcam", "--method", "saliency",
                          "--out", str(out), "--json")
    assert code == 0
    report = json.loads(stdout)
    assert report["found"] and len(report["faces"]) == 1
    face = report["faces"][0]
    assert face["box"] == {"x": 0, "y": 0, "w": 48, "h": 48} and face["source"] == "whole_image"
    assert set(face["models"]) == {"tiny_a", "tiny_b"}
    for result in face["models"].values():
        assert list(result["probabilities"]) == list(CLASSES)
        assert sum(result["probabilities"].values()) == pytest.approx(1, abs=1e-4)
        assert result["explained"] == result["predicted"] == max(
            result["probabilities"], key=result["probabilities"].get)
        assert set(result["overlays"]) == {"gradcam", "saliency"}
        for path in result["overlays"].values():
            with Image.open(path) as png:
                assert png.format == "PNG" and png.mode == "RGB" and png.size == (192, 192)
    assert len(list(out.glob("*.png"))) == 4


def test_explain_finds_faces_in_a_photo_and_explains_a_chosen_class(store, tmp_path,
                                                                     capsys) -> None:
    image = tmp_path / "party.jpg"
    photo((640, 360), [(200, 40, 80), (140, 420, 120)]).save(image)
    code, stdout, _ = run(capsys, "explain", "--model", "tiny_a", "--image", str(image),
                          "--class", "Happy", "--out", str(tmp_path / "maps"))
    assert code == 0
    assert "Found 2 faces" in stdout
    assert stdout.count("explaining happy") == 2
    assert len(list((tmp_path / "maps").glob("party_face*_tiny_a_gradcam.png"))) == 2


def test_explain_errors_are_one_clear_line(store, tmp_path, capsys) -> None:
    image = tmp_path / "face.png"
    Image.fromarray(random_faces(1)[0]).save(image)
    code, _, err = run(capsys, "explain", "--model", "tiny_a", "--image", str(image),
                       "--class", "joy", "--out", str(tmp_path))
    assert code == 2 and "no emotion 'joy'; the model's are angry" in err
    code, _, err = run(capsys, "explain", "--model", "nobody", "--image", str(image))
    assert code == 2 and "no stored model 'nobody'" in err
    (tmp_path / "notes.txt").write_text("not a picture")
    code, _, err = run(capsys, "explain", "--model", "tiny_a",
                       "--image", str(tmp_path / "notes.txt"))
    assert code == 2 and "not an image" in err


def test_explain_metrics_table_and_json(store, tmp_path, capsys) -> None:
    data = write_folder_layout(tmp_path / "fer", per_class=2)
    code, stdout, _ = run(capsys, "explain-metrics", "--model", "tiny_a", "--data", str(data),
                          "--n", "5", "--methods", "gradcam", "saliency", "--json")
    assert code == 0
    rows = json.loads(stdout)
    assert [row["method"] for row in rows] == ["gradcam", "saliency", "random"]
    assert all(row["model"] == "tiny_a" and row["n"] == 5 for row in rows)
    assert all(0 <= row[key] <= 1 for row in rows
               for key in ("deletion_auc", "insertion_auc", "average_drop", "average_increase"))
    for row in rows:
        assert {"deletion_auc_ci", "insertion_auc_ci", "average_drop_ci", "average_increase_ci",
                "beats_random", "sanity", "random_logit", "stability", "default"} <= set(row)
        assert row["deletion_auc_ci"][0] <= row["deletion_auc"] <= row["deletion_auc_ci"][1]
    assert rows[-1]["beats_random"] is None and rows[-1]["sanity"] is None
    assert rows[0]["beats_random"] in range(5) and -1 <= rows[0]["sanity"] <= 1
    code, stdout, _ = run(capsys, "explain-metrics", "--model", "tiny_a", "--model", "tiny_b",
                          "--data", str(data), "--n", "3", "--methods", "layercam")
    assert code == 0
    assert "beats random" in stdout and stdout.count("layercam") == 2
    code, _, err = run(capsys, "explain-metrics", "--model", "tiny_a", "--data", str(data),
                       "--n", "0")
    assert code == 2 and "--n must be at least 1" in err


def test_an_unknown_method_is_named_with_the_librarys(store, capsys) -> None:
    code, _, err = run(capsys, "explain", "--model", "tiny_a", "--image", "x.png",
                       "--method", "magic")
    assert code == 2 and f"unknown explanation method 'magic'; known: {', '.join(METHODS)}" in err


@pytest.mark.slow
def test_explain_defaults_chooses_on_validation_and_records_them(store, tmp_path,
                                                                 capsys) -> None:
    data = write_folder_layout(tmp_path / "fer", per_class=4)
    before = store.get("tiny_a").config
    code, stdout, _ = run(capsys, "explain-defaults", "--model", "tiny_a", "--data", str(data),
                          "--n", "6", "--json")
    assert code == 0
    (report,) = json.loads(stdout)
    stored = store.get("tiny_a").config
    assert stored["gradcam_layer"] == report["gradcam_layer"]
    assert stored["gradcam_layer"] in {"block2_conv2_relu", "block1_conv2_relu"}
    assert stored["default_method"] == report["default_method"]  # None when no method earns it
    checks = stored["explanation_checks"]
    assert checks["split"] == "val" and 1 <= checks["n"] <= 6  # the split may hold fewer
    assert {"gradcam", "hirescam", "occlusion"} <= set(checks["methods"])
    assert all(stored[key] == value for key, value in before.items()
               if key != "gradcam_layer")  # nothing else changed
    code, stdout, _ = run(capsys, "explain-metrics", "--model", "tiny_a", "--data", str(data),
                          "--n", "4", "--methods", "default", "--no-checks", "--markdown")
    assert code == 0 and stdout.startswith("| model | method | n |")
    method = report["default_method"] or "gradcam"
    assert f"| tiny_a | {'**' + method + '** (default)' if report['default_method'] else method}"\
        in stdout and "| tiny_a | random |" in stdout
    code, _, err = run(capsys, "explain-defaults", "--model", "tiny_a", "--data", str(data),
                       "--n", "0")
    assert code == 2 and "--n must be at least 1" in err


def test_explain_classes_averages_each_emotion_and_caches(store, tmp_path, capsys) -> None:
    data = write_folder_layout(tmp_path / "fer", per_class=3, splits=("test",))
    code, stdout, _ = run(capsys, "explain-classes", "--model", "tiny_a", "--data", str(data),
                          "--method", "gradcam", "--json")
    assert code == 0
    report = json.loads(stdout)
    assert report["method"] == "gradcam" and report["split"] == "test"
    assert report["regions"] == ["eyes and brows", "nose", "mouth", "the rest"]
    assert set(report["shares"]) == set(CLASSES) and report["counts"]["happy"] == 3
    for shares in report["shares"].values():
        assert sum(shares.values()) == pytest.approx(1)
    cached = list((Path(os.environ["FER_CACHE_DIR"]) / "emotion_maps").glob("*.npz"))
    assert cached
    code, stdout, _ = run(capsys, "explain-classes", "--model", "tiny_a", "--data", str(data),
                          "--method", "gradcam")
    assert code == 0 and "happy" in stdout and "mouth" in stdout


def test_emotion_maps_shipped_beside_a_model_are_found_on_any_checkout(store, tmp_path,
                                                                       capsys) -> None:
    """Maps stored in the model's folder are keyed by content, not place: a copy of the folder
    elsewhere (a fresh clone) finds them without computing, and a changed model does not."""
    import shutil

    from fer_core.explain import classes

    data = write_folder_layout(tmp_path / "fer", per_class=3, splits=("test",))
    code, _, _ = run(capsys, "explain-classes", "--model", "tiny_a", "--data", str(data),
                     "--method", "gradcam", "--beside-model", "--json")
    assert code == 0 and len(list((store.root / "tiny_a" / "emotion_maps").glob("*.npz"))) == 1
    shutil.rmtree(Path(os.environ["FER_CACHE_DIR"]) / "emotion_maps", ignore_errors=True)
    clone = ModelStore(tmp_path / "clone")
    shutil.copytree(store.root / "tiny_a", clone.root / "tiny_a")
    computed = []
    original = classes.make_explainer
    try:
        classes.make_explainer = lambda *a: computed.append(a) or original(*a)
        found = classes.emotion_maps(clone.get("tiny_a"), load_dataset(data), "gradcam")
        assert not computed and found.counts["happy"] == 3
        other = save_tiny(clone, "other", seed=5)  # another network in the same folder
        shutil.copy(other.path / "model.keras", clone.root / "tiny_a" / "model.keras")
        classes.emotion_maps(clone.get("tiny_a"), load_dataset(data), "gradcam")
        assert computed
    finally:
        classes.make_explainer = original


def test_emotion_maps_explain_each_batch_in_a_turn(store, tmp_path) -> None:
    """A server shares the model between sessions: every batch of the long job takes a turn."""
    from contextlib import contextmanager

    from fer_core.explain.classes import BATCH, emotion_maps

    data = write_folder_layout(tmp_path / "fer", per_class=BATCH // 7 + 3, splits=("test",))
    turns = []

    @contextmanager
    def turn():
        turns.append("taken")
        yield

    found = emotion_maps(ModelStore().get("tiny_a"), load_dataset(data), "gradcam",
                         per_class=None, turn=turn)
    assert sum(found.counts.values()) > BATCH and len(turns) >= 2


def test_mistakes_shows_each_cell_of_a_row_with_maps_and_audit_notes(store, tmp_path,
                                                                      capsys) -> None:
    data = write_folder_layout(tmp_path / "fer", per_class=3)
    leaked = data / "test" / "happy" / "test_happy_0.png"
    (data / "train" / "sad" / "copy.png").write_bytes(leaked.read_bytes())
    faces, in_cells = [], 0
    for predicted in CLASSES:
        code, stdout, _ = run(capsys, "mistakes", "--model", "tiny_a", "--data", str(data),
                              "--true", "Happy", "--predicted", predicted, "--out",
                              str(tmp_path / "maps"), "--json")
        assert code == 0
        cell = json.loads(stdout)
        assert cell["true"] == "happy" and cell["of_true"] == 3
        probabilities = [face["probability"] for face in cell["faces"]]
        assert probabilities == sorted(probabilities, reverse=True)
        in_cells += cell["in_cell"]
        faces += cell["faces"]
    assert in_cells == 3 and len(faces) == 3  # each happy face is in exactly one cell
    assert all(Path(face["map"]).is_file() for face in faces)
    noted = {face["id"]: face["audit"] for face in faces}
    assert noted["test/happy/test_happy_0.png"] and noted["test/happy/test_happy_1.png"] is None
    code, _, err = run(capsys, "mistakes", "--model", "tiny_a", "--data", str(data),
                       "--true", "joy", "--predicted", "sad")
    assert code == 2 and "no emotion 'joy'" in err


def test_inside_lists_each_block_big_to_small(store, tmp_path, capsys) -> None:
    image = tmp_path / "face.png"
    face_drawing(48).save(image)
    code, stdout, _ = run(capsys, "inside", "--model", "tiny_a", "--image", str(image),
                          "--channels", "4", "--out", str(tmp_path / "inside"), "--json")
    assert code == 0
    report = json.loads(stdout)
    sizes = [block["size"][0] for block in report["blocks"]]
    assert sizes[0] == 48 and sizes == sorted(sizes, reverse=True) and len(sizes) >= 2
    assert all(len(block["channels"]) == 4 for block in report["blocks"])
    assert all(Path(block["picture"]).is_file() for block in report["blocks"])
    assert report["predicted"] in CLASSES and 0 < report["probability"] <= 1


def test_cover_reports_each_model_and_part(store, tmp_path, capsys) -> None:
    image = tmp_path / "face.png"
    face_drawing(48).save(image)
    code, stdout, _ = run(capsys, "cover", "--model", "tiny_a", "--model", "tiny_b",
                          "--image", str(image), "--part", "mouth", "--part", "grid 2,2",
                          "--json")
    assert code == 0
    rows = json.loads(stdout)["rows"]
    assert [(r["model"], r["part"]) for r in rows] == [
        ("tiny_a", "mouth"), ("tiny_a", "grid 2,2"), ("tiny_b", "mouth"), ("tiny_b", "grid 2,2")]
    for row in rows:
        assert 0 <= row["after"] <= 1 and 0 <= row["map_share"] <= 1
    assert rows[1]["face_share"] == pytest.approx(1 / 9)
    code, _, err = run(capsys, "cover", "--model", "tiny_a", "--image", str(image),
                       "--part", "chin")
    assert code == 2 and "no part 'chin'" in err


def test_lesson_finds_its_faces_in_the_data(store, tmp_path, capsys) -> None:
    data = write_data(tmp_path / "fer")
    code, stdout, _ = run(capsys, "lesson", "--model", "tiny_a", "--data", str(data),
                          "--out", str(tmp_path / "lesson"), "--json")
    assert code == 0
    steps = json.loads(stdout)["steps"]
    assert [s["step"] for s in steps] == [1, 2, 3, 4, 5]
    assert steps[2]["found"] and steps[2]["id"] == "test/sad/leak.png"
    assert steps[3]["found"] and steps[3]["predicted"] in CLASSES
    assert all(Path(s["picture"]).is_file() for s in steps[:4] if s["found"])
    assert not steps[4]["found"]  # tiny models carry no validation checks

