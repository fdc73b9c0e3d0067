"""The input normalisation lives in the network: histogram equalisation that matches OpenCV's,
lets gradients through for the explanations, and reads one face the same through every door
(training data, evaluation, the page, the CLI, an exported file)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from dashboard.explaining import probabilities as page_probabilities
from fer_core import cli
from fer_core.data import CLASSES, load_dataset
from fer_core.evaluate import predict_proba
from fer_core.export import export_model, exported_runner
from fer_core.faces import find_faces, read_image
from fer_core.models import build_model, get_spec
from fer_core.models.equalise import HistogramEqualisation
from fer_core.store import ModelStore
from fer_core.testing.face_drawing import photo
from fer_core.training import train_model
from tests.helpers import write_folder_layout

AGREE = 1e-4


def faces_of_every_spread() -> np.ndarray:
    """Soft, ordinary and hard-contrasted faces, and one of a single grey level."""
    rng = np.random.default_rng(0)
    spreads = [np.clip(rng.normal(110, s, (48, 48)), 0, 255) for s in (4, 25, 90)]
    return np.stack([*spreads, np.full((48, 48), 77.0)]).astype(np.uint8)


def test_equalisation_is_opencvs() -> None:
    faces = faces_of_every_spread()
    expected = np.stack([cv2.equalizeHist(face) for face in faces])
    equalised = HistogramEqualisation()(faces[..., None].astype(np.float32))
    assert np.array_equal(keras.ops.convert_to_numpy(equalised)[..., 0], expected)


def test_gradients_pass_straight_through_to_the_pixels() -> None:
    pixels = tf.Variable(faces_of_every_spread()[..., None].astype(np.float32))
    with tf.GradientTape() as tape:
        score = tf.reduce_sum(HistogramEqualisation()(pixels) * 3.0)
    assert np.all(tape.gradient(score, pixels).numpy() == 3.0)


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModelStore:
    monkeypatch.setenv("FER_MODELS_DIR", str(tmp_path / "models"))
    store = ModelStore(tmp_path / "models")
    keras.utils.set_random_seed(0)
    model = build_model(get_spec("custom_cnn"), len(CLASSES), equalise=True)
    store.save("level", model=model, config={"model": "custom_cnn", "classes": list(CLASSES),
                                             "options": {}, "equalise": True})
    return store


def test_one_face_reads_the_same_through_every_door(store, tmp_path, capsys) -> None:
    picture = tmp_path / "portrait.png"
    photo((320, 240), faces=[(140, 60, 60)]).save(picture)
    stored = store.get("level")
    model = stored.load_keras()
    assert "equalise" in [layer.name for layer in model.layers]  # the stored graph carries it
    crop = find_faces(read_image(picture)).faces[0].crop  # the page's and the CLI's crop
    reference = predict_proba(model, crop[None])[0]

    # the page
    assert np.abs(page_probabilities(model, "level", crop) - reference).max() <= AGREE

    # the CLI
    assert cli.main(["predict", "--model", "level", str(picture), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    printed = record["photos"][0]["faces"][0]["models"]["level"]["probabilities"]
    assert np.abs(np.array([printed[c] for c in CLASSES]) - reference).max() <= AGREE

    # training and evaluation read the face from a dataset folder
    data = write_folder_layout(tmp_path / "data", per_class=1)
    Image.fromarray(crop).save(data / "test" / "happy" / "portrait.png")
    test = load_dataset(data).split("test")
    from_data = test.images[[str(i).endswith("portrait.png") for i in test.ids]]
    assert np.array_equal(from_data[0], crop)
    assert np.abs(predict_proba(model, from_data)[0] - reference).max() <= AGREE

    # an exported file
    path = export_model(stored, "tflite", tmp_path / "level.tflite")
    assert np.abs(exported_runner(path, "tflite")(crop[None])[0] - reference).max() <= AGREE


def test_training_with_equalise_stores_a_network_that_equalises(tmp_path) -> None:
    data = write_folder_layout(tmp_path / "data", per_class=4)
    stored, _ = train_model("custom_cnn", data, store=ModelStore(tmp_path / "m"),
                            overrides={"epochs": 1, "equalise": "true", "batch_size": 8})
    assert stored.config["equalise"] is True
    assert "equalise" in [layer.name for layer in stored.load_keras().layers]
