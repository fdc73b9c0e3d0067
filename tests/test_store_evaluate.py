"""The store's errors and atomicity, evaluation figures, TTA, ensembles and the CLI over them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from fer_core.cli import main
from fer_core.data import CLASSES
from fer_core.errors import ModelError, NameTaken
from fer_core.evaluate import (
    align_to_classes,
    classification_metrics,
    expected_calibration_error,
    predict_proba,
    ten_crops,
)
from fer_core.store import ModelStore
from tests.helpers import random_faces, save_tiny, write_folder_layout


def test_missing_corrupt_and_foreign_models_are_clear_errors(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    save_tiny(store, "good")
    with pytest.raises(ModelError, match="no stored model 'nope' \\(stored: good\\)"):
        store.get("nope")
    bad = tmp_path / "bad"
    shutil.copytree(tmp_path / "good", bad)
    (bad / "model.keras").write_bytes(b"not a zip")
    with pytest.raises(ModelError, match="bad: .* is not a loadable Keras model"):
        store.get("bad").load_keras()
    (tmp_path / "junk").mkdir()  # a folder without config.json is not listed
    assert [m.name for m in store.list()] == ["bad", "good"]
    store.delete("bad")
    assert [m.name for m in store.list()] == ["good"]
    for name in ("../outside", "a/b", ""):
        with pytest.raises(ModelError, match="is not a model name"):
            store.save(name, config={})


def test_an_interrupted_save_keeps_the_old_model(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    old = save_tiny(store, "m")
    before = (old.path / "model.keras").read_bytes()

    class Exploding:
        def save(self, path):
            Path(path).write_bytes(b"half")
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        store.save("m", model=Exploding(), config={"classes": list(CLASSES)}, replace=True)
    assert (tmp_path / "m" / "model.keras").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m"]


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def test_a_stored_model_is_replaced_only_when_asked(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    save_tiny(store, "m")
    before = tree_bytes(tmp_path)
    with pytest.raises(NameTaken, match="already holds a model: choose another name"):
        save_tiny(store, "m", seed=1)
    assert tree_bytes(tmp_path) == before
    assert store.free_name("m") == "m_2" and store.free_name("other") == "other"
    store.update_config("m", {"protected": True})
    with pytest.raises(NameTaken, match="it is protected"):
        store.save("m", config={}, replace=True, allow_protected=False)
    with pytest.raises(NameTaken, match="protected"):
        store.delete("m", allow_protected=False)
    save_tiny(store, "m_2", seed=1)
    with pytest.raises(NameTaken, match="protected"):
        store.move("m_2", "m", replace=True, allow_protected=False)
    moved = store.move("m_2", "m", replace=True)  # the command line may, when asked
    assert moved.config["name"] == "m" and [m.name for m in store.list()] == ["m"]


@pytest.mark.slow
def test_a_kill_during_the_model_write_leaves_the_store_intact(tmp_path: Path) -> None:
    """kill -9 of a process in the middle of writing a model over a stored one."""
    import os
    import signal
    import subprocess
    import sys
    import time

    store = ModelStore(tmp_path)
    save_tiny(store, "m")
    before = tree_bytes(tmp_path / "m")
    script = f"""
import time
from pathlib import Path
from fer_core.store import ModelStore

class Slow:
    def save(self, path):
        Path(path).write_bytes(b"half a model")
        print("writing", flush=True)
        time.sleep(60)

ModelStore({str(tmp_path)!r}).save("m", model=Slow(), config={{}}, replace=True)
"""
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                             cwd=Path(__file__).resolve().parent.parent)
    assert child.stdout.readline().strip() == "writing"
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    time.sleep(0.1)
    assert tree_bytes(tmp_path / "m") == before
    assert [m.name for m in store.list()] == ["m"]
    store.get("m").load_keras()


def test_metrics_calibration_and_class_alignment() -> None:
    labels = np.array([0, 1, 1, 2])
    proba = np.eye(3)[[0, 1, 2, 2]]
    report = classification_metrics(labels, proba, ["a", "b", "c"])
    assert report["accuracy"] == 0.75 and report["n"] == 4
    assert report["confusion"] == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
    assert report["per_class"]["b"] == {"precision": 1.0, "recall": 0.5, "f1": 2 / 3, "support": 2}
    assert expected_calibration_error(labels, proba) == pytest.approx(0.25)

    dataset = load_dataset_like(labels=np.array([0, 1, 6, 1]))
    images, aligned = align_to_classes(dataset, [c for c in CLASSES if c != "disgust"])
    assert aligned.tolist() == [0, 5] and len(images) == 2


def load_dataset_like(labels: np.ndarray):
    from fer_core.data import Dataset

    n = len(labels)
    return Dataset(random_faces(n), labels, np.array([str(i) for i in range(n)]),
                   np.array(["test"] * n), CLASSES, "mem", "x")


def test_tta_views_and_predictions_are_probabilities(tmp_path: Path) -> None:
    images = random_faces(5)
    views = ten_crops(images)
    assert len(views) == 10 and all(v.shape == (5, 48, 48, 1) for v in views)
    np.testing.assert_array_equal(views[1], views[0][:, :, ::-1])
    model = save_tiny(ModelStore(tmp_path), "m").load_keras()
    for tta in (None, "flip", "tencrop"):
        proba = predict_proba(model, images, tta)
        assert proba.shape == (5, 7)
        np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    with pytest.raises(ModelError, match="unknown TTA"):
        predict_proba(model, images, "rotate")


def test_cli_lists_evaluates_and_ensembles(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("FER_MODELS_DIR", str(tmp_path / "models"))
    store = ModelStore()
    save_tiny(store, "one", seed=1)
    save_tiny(store, "two", seed=2)
    data = write_folder_layout(tmp_path / "data", per_class=2, splits=("test",))

    assert main(["models", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    families = {f["name"]: f for f in listing["families"]}
    assert {"custom_cnn", "fer_vgg", "vgg16_modified"} <= set(families)
    assert families["custom_cnn"]["input"].startswith("48x48 grey")
    assert families["transfer_resnet50"]["input"].startswith("96x96 RGB")
    assert [m["name"] for m in listing["stored"]] == ["one", "two"]

    assert main(["evaluate", "--model", "one", "--data", str(data), "--json"]) == 0
    single = json.loads(capsys.readouterr().out)
    assert set(single) >= {"accuracy", "macro_f1", "per_class", "confusion", "classes", "n"}
    assert single["n"] == 14

    assert main(["evaluate", "--model", "one", "--model", "two", "--data", str(data),
                 "--tta", "flip", "--json"]) == 0
    reports = json.loads(capsys.readouterr().out)
    assert [r["model"] for r in reports] == ["one", "two", "ensemble(one+two)"]

    assert main(["evaluate", "--model", "one", "--model", "two", "--data", str(data),
                 "--save", "pair", "--json"]) == 0
    pair = store.get("pair")
    assert pair.is_ensemble and pair.members == ["one", "two"]
    assert pair.config["parameters"] == 2 * store.get("one").config["parameters"]
    assert not (pair.path / "model.keras").exists()
    assert pair.metrics["accuracy"] == json.loads(capsys.readouterr().out)[2]["accuracy"]
    assert main(["evaluate", "--model", "pair", "--data", str(data), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[2]["model"] == "ensemble(one+two)"

    assert main(["evaluate", "--model", "nope", "--data", str(data)]) == 2
    assert "error: no stored model 'nope'" in capsys.readouterr().err
    assert main(["train", "--model", "resnet9", "--data", str(data)]) == 2
    assert "unknown model family" in capsys.readouterr().err
    assert main(["train", "--model", "custom_cnn", "--data", str(data), "--max-minutes", "0"]) == 2
    assert "time budget must be a positive" in capsys.readouterr().err

    before = tree_bytes(store.root)
    full = write_folder_layout(tmp_path / "full", per_class=2)
    assert main(["train", "--model", "custom_cnn", "--data", str(full), "--epochs", "1",
                 "--out", str(store.root / "one")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "one already holds a model" in err and "--replace" in err
    assert main(["evaluate", "--model", "one", "--model", "two", "--data", str(data),
                 "--save", "pair"]) == 2
    assert "pair already holds a model" in capsys.readouterr().err
    assert tree_bytes(store.root) == before  # byte for byte
