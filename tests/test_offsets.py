"""Class offsets: chosen on validation (real photos gain, FER2013 validation kept), written into
the final layer's bias, stored as a new model without touching the source."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fer_core import cli
from fer_core.data import CLASSES
from fer_core.errors import ModelError
from fer_core.offsets import Scored, add_offsets, choose_offsets
from fer_core.store import ModelStore
from tests.helpers import save_tiny, write_folder_layout
from tests.test_predict import labelled_photos

FEAR, HAPPY = CLASSES.index("fear"), CLASSES.index("happy")


def test_offsets_lower_a_class_the_photos_over_read_while_validation_holds() -> None:
    rng = np.random.default_rng(0)
    # Validation: confident and right. Photos: happy faces read as fear by a small margin.
    val_labels = rng.integers(0, 7, 200)
    val = np.full((200, 7), 0.02)
    val[np.arange(200), val_labels] = 0.88
    photos = np.full((50, 7), 0.05)
    photos[:, FEAR], photos[:, HAPPY] = 0.40, 0.30
    fer_val, real = Scored(val, val_labels), Scored(photos, np.full(50, HAPPY))
    offsets = choose_offsets(fer_val, real, [FEAR], keep=0.0)
    assert offsets[FEAR] < 0 and np.count_nonzero(offsets) == 1
    assert real.accuracy(offsets) == 1.0 and fer_val.accuracy(offsets) == 1.0
    assert offsets[FEAR] == pytest.approx(-0.3)  # the smallest step that turns them
    assert not choose_offsets(fer_val, real, [CLASSES.index("sad")]).any()


def test_added_offsets_shift_the_logits_by_exactly_that(tmp_path) -> None:
    from fer_core.evaluate import predict_proba
    from tests.helpers import random_faces

    model = save_tiny(ModelStore(tmp_path), "tiny").load_keras()
    faces = random_faces(4)
    before = predict_proba(model, faces)
    offsets = np.array([0.0, 0.5, -1.0, 0.0, 0.0, 0.0, 0.0])
    add_offsets(model, offsets)
    after = np.log(predict_proba(model, faces))
    expected = np.log(before) + offsets
    np.testing.assert_allclose(after - after.mean(1, keepdims=True),
                               expected - expected.mean(1, keepdims=True), atol=1e-4)
    with pytest.raises(ModelError, match="offsets for a model of 7 classes"):
        add_offsets(model, np.zeros(3))


def test_the_offsets_command_stores_a_shifted_copy_and_leaves_the_source(tmp_path, monkeypatch,
                                                                          capsys) -> None:
    monkeypatch.setenv("FER_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("FER_CACHE_DIR", str(tmp_path / "cache"))
    store = ModelStore(tmp_path / "models")
    source = save_tiny(store, "tiny")
    source_bytes = (source.path / "model.keras").read_bytes()
    data = write_folder_layout(tmp_path / "fer", per_class=12)
    photos = labelled_photos(tmp_path / "photos")
    code = cli.main(["offsets", "--model", "tiny", "--data", str(data), "--photos", str(photos),
                     "--classes", "fear", "disgust", "--out", "tiny_real"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "FER2013 validation" in out and "real photos" in out and "offsets:" in out
    shifted = store.get("tiny_real")
    assert shifted.config["offsets_chosen_on"]["from"] == "tiny"
    assert set(shifted.config["class_offsets"]) <= {"fear", "disgust"}
    assert shifted.metrics["accuracy"] is not None and not shifted.protected
    assert (source.path / "model.keras").read_bytes() == source_bytes
    bias = shifted.load_keras().layers[-1].get_weights()[1]
    original = source.load_keras().layers[-1].get_weights()[1]
    moved = [shifted.config["class_offsets"].get(c, 0.0) for c in CLASSES]
    np.testing.assert_allclose(bias - original, moved, atol=1e-6)
    for argv, message in ((["--classes", "joy", "--out", "x"], "joy: not among"),
                          (["--classes", "fear", "--out", "tiny_real"], "already")):
        code = cli.main(["offsets", "--model", "tiny", "--data", str(data), "--photos",
                         str(photos), *argv])
        assert code == 2 and message in capsys.readouterr().err
    assert Path(shifted.path / "model.keras").is_file()
