"""Export: a stored model trained with augmentation layers, written as TensorFlow Lite and ONNX,
predicts as the stored model does (within 1e-4)."""

from __future__ import annotations

import json
from pathlib import Path

import keras
import pytest

from fer_core import cli
from fer_core.data import CLASSES
from fer_core.export import TOLERANCE, export_model, largest_difference
from fer_core.models import build_model, get_spec
from fer_core.store import ModelStore
from fer_core.training.augment import augmentation_layers
from tests.helpers import random_faces


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModelStore:
    monkeypatch.setenv("FER_MODELS_DIR", str(tmp_path / "models"))
    store = ModelStore(tmp_path / "models")
    keras.utils.set_random_seed(0)
    spec = get_spec("custom_cnn")
    augmented = build_model(spec, 7, augmentation_layers({"flip": True, "erasing": 0.25}, 0))
    store.save("augmented", model=augmented,
               config={"model": spec.name, "classes": list(CLASSES), "options": {}})
    return store


@pytest.mark.parametrize("fmt", ["tflite", pytest.param("onnx", marks=pytest.mark.slow)])
def test_an_export_predicts_as_the_stored_model(store, tmp_path, fmt: str) -> None:
    stored = store.get("augmented")
    path = export_model(stored, fmt, tmp_path / f"augmented.{fmt}")
    assert path.stat().st_size > 0
    assert largest_difference(stored, path, fmt, random_faces(8)) < TOLERANCE


def test_a_flip_export_averages_each_face_with_its_mirror(store, tmp_path) -> None:
    stored, faces = store.get("augmented"), random_faces(8)
    path = export_model(stored, "tflite", tmp_path / "flip.tflite", tta="flip")
    assert largest_difference(stored, path, "tflite", faces, tta="flip") < TOLERANCE
    assert largest_difference(stored, path, "tflite", faces) > TOLERANCE  # not the plain one


def test_export_from_the_command_line_and_its_errors(store, tmp_path, capsys) -> None:
    out = tmp_path / "out" / "m.tflite"
    assert cli.main(["export", "--model", "augmented", "--format", "tflite", "--out", str(out),
                     "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["path"] == str(out) and report["largest_difference"] < TOLERANCE
    assert cli.main(["export", "--model", "augmented", "--format", "tflite", "--tta", "flip",
                     "--out", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["tta"] == "flip"
    store.save("pair", config={"classes": list(CLASSES)}, members=["augmented", "augmented"])
    assert cli.main(["export", "--model", "pair", "--format", "tflite"]) == 2
    assert "is an ensemble" in capsys.readouterr().err
    model_file = store.root / "augmented" / "model.keras"
    before = model_file.read_bytes()
    assert cli.main(["export", "--model", "augmented", "--format", "tflite", "--out",
                     str(model_file)]) == 2
    assert "inside the model store" in capsys.readouterr().err
    assert model_file.read_bytes() == before
