"""Configs, the resumable loop, the store's cache and the end-to-end ``train_model``."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from fer_core.errors import ModelError, NameTaken
from fer_core.models import build_model, get_spec
from fer_core.store import ModelStore
from fer_core.training import (
    Progress,
    TrainingStopped,
    make_config,
    precision,
    recorded_settings,
    schedules,
    train_model,
)
from fer_core.training.config import KEY_NEUTRAL
from fer_core.training.distill import soft_targets
from fer_core.training.loop import Arrays, run_training
from fer_core.training.schedules import (
    Schedule,
    apply_phase,
    epochs_within,
    overruns,
    plan_phases,
)
from tests.helpers import random_faces, save_tiny, write_folder_layout


def test_defaults_are_the_studys_and_recipes_and_overrides_apply() -> None:
    study = make_config("custom_cnn")
    assert (study.batch_size, study.epochs, study.optimizer, study.patience) == (32, 10, "adam", 3)
    ours = make_config("fer_vgg", {"width": "16", "epochs": "3", "flip": "false", "seed": 7})
    assert ours.optimizer == "sgd" and ours.lr_schedule == "cosine"
    assert ours.options["width"] == 16 and ours.epochs == 3
    assert ours.augmentation["flip"] is False and ours.seed == 7
    assert study.restore_best_weights and not ours.restore_best_weights  # cosine: keep the last
    with pytest.raises(ModelError, match="unknown setting 'colour'"):
        make_config("custom_cnn", {"colour": "1"})
    with pytest.raises(ModelError, match="optimizer must be one of"):
        make_config("custom_cnn", {"optimizer": "rmsprop"})


def test_transfer_schedules_freeze_and_unfreeze() -> None:
    config = make_config("transfer_vgg16", {"weights": "random", "image_size": 32,
                                            "schedule": "gradual", "epochs": 6})
    phases = plan_phases(config)
    assert [p.unfrozen for p in phases] == [(), ("block5",), ("block5", "block4"),
                                            ("block5", "block4", "block3"),
                                            ("block5", "block4", "block3", "block2"),
                                            ("block5", "block4", "block3", "block2", "block1")]
    model = build_model(config.spec, 7, options=config.options)
    apply_phase(model, config, phases[1])
    assert model.get_layer("block5_conv1").trainable
    assert not model.get_layer("block4_conv1").trainable
    assert model.get_layer("head_fc1").trainable
    two = plan_phases(make_config("transfer_vgg16", {"weights": "random", "epochs": 10}))
    assert [(p.epochs, p.unfrozen) for p in two] == [(5, ()), (5, None)]
    # The layer groups and schedules come with the family's spec; from-scratch ones have none.
    assert config.spec.layer_groups[0] == "block5" and "gradual" in config.spec.schedules
    assert get_spec("custom_cnn").layer_groups == get_spec("custom_cnn").schedules == ()
    with pytest.raises(ModelError, match="unknown schedule 'sideways'"):
        plan_phases(replace(config, options={**config.options, "schedule": "sideways"}))


def test_the_schedule_decides_and_keeps_its_own_state() -> None:
    config = make_config("transfer_vgg16", {"weights": "random", "epochs": 6, "patience": 1,
                                            "lr_schedule": "plateau"})
    schedule = Schedule(config, config.epochs)
    start = schedule.begin_epoch(0, 0)
    assert start.enters_phase and start.phase.name == "head only" and start.learning_rate is None
    assert not schedule.begin_epoch(1, 0).enters_phase  # inside the phase
    record = {"val_loss": 1.0, "learning_rate": 1e-3, "seconds": 1.0}
    first = schedule.end_epoch(0, record, 1.0, 1.0)
    assert first.keep_weights and (first.next_epoch, first.epochs) == (1, 6)
    # No better validation loss with patience 1: the head's phase stops, the run skips to the
    # next phase with the best weights, and nothing but the decision says so.
    stopped = schedule.end_epoch(1, {**record, "val_loss": 2.0}, 2.0, 1.0)
    assert stopped.restore_best and not stopped.keep_weights and stopped.next_epoch == 3
    resumed = Schedule(config, config.epochs, schedule.saved())
    assert resumed.state == schedule.state and resumed.state.watcher.wait == 1
    entered = resumed.begin_epoch(3, 0)
    assert entered.enters_phase and entered.phase_lr == pytest.approx(1e-4)
    assert resumed.state.watcher.wait == 0  # a new phase starts with fresh patience
    plateau = Schedule(make_config("custom_cnn", {"lr_schedule": "plateau", "patience": 9}), 9)
    ends = [plateau.end_epoch(epoch, record, 1.0, 1.0) for epoch in range(4)]
    assert [end.learning_rate for end in ends] == [None, None, None, pytest.approx(5e-4)]


class StopAfter(Progress):
    """Requests a stop after ``n`` batches, like Ctrl-C in the CLI."""

    def __init__(self, n: int, stop: threading.Event) -> None:
        self.n, self.stop = n, stop

    def on_batch_end(self, epoch: int, batch: int, logs: dict) -> None:
        self.n -= 1
        if self.n == 0:
            self.stop.set()


@pytest.mark.slow
def test_a_stopped_run_resumes_exactly(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    train = Arrays(random_faces(64, seed=1), rng.integers(0, 7, 64))
    val = Arrays(random_faces(16, seed=2), rng.integers(0, 7, 16))
    config = make_config("custom_cnn", {"epochs": 2, "batch_size": 16, "flip": True})

    def fresh():
        from fer_core.training.augment import augmentation_layers

        return build_model(get_spec("custom_cnn"), 7, augmentation_layers(config.augmentation, 0))

    _, straight = run_training(fresh, config, train, val, 7, tmp_path / "a")
    stop = threading.Event()
    with pytest.raises(TrainingStopped, match="--resume"):
        run_training(fresh, config, train, val, 7, tmp_path / "b",
                     progress=StopAfter(6, stop), stop=stop)
    # A checkpoint in the layout of runs that began before the schedule kept its own entry
    # (its watcher beside the run's fields) resumes the same.
    shutil.copytree(tmp_path / "b", tmp_path / "older")
    state_file = tmp_path / "older" / "checkpoint" / "state.json"
    state = json.loads(state_file.read_text())
    state["watcher"] = state.pop("schedule")["watcher"]
    state_file.write_text(json.dumps(state))
    for folder in ("b", "older"):
        _, resumed = run_training(fresh, config, train, val, 7, tmp_path / folder, resume=True)
        assert without_time(resumed.history) == without_time(straight.history)


def without_time(history: list[dict]) -> list[dict]:
    return [{k: v for k, v in record.items() if k != "seconds"} for record in history]


def test_a_time_budget_keeps_the_epochs_that_fit() -> None:
    assert epochs_within(600, spent_seconds=60, epoch_seconds=50, asked=100) == 11
    assert epochs_within(600, spent_seconds=60, epoch_seconds=50, asked=5) == 5
    assert epochs_within(60, spent_seconds=90, epoch_seconds=50, asked=100) == 1
    assert not overruns(600, spent_seconds=500, epoch_seconds=100)
    assert not overruns(600, spent_seconds=500, epoch_seconds=150)  # within a tenth over
    assert overruns(600, spent_seconds=500, epoch_seconds=200)


@pytest.mark.slow
def test_a_budget_cut_run_is_the_run_asked_with_that_many_epochs(tmp_path: Path,
                                                                   monkeypatch) -> None:
    rng = np.random.default_rng(0)
    train = Arrays(random_faces(32, seed=1), rng.integers(0, 7, 32))
    val = Arrays(random_faces(8, seed=2), rng.integers(0, 7, 8))
    cosine = {"batch_size": 16, "optimizer": "sgd", "lr_schedule": "cosine", "patience": 3}
    asked = make_config("custom_cnn", {**cosine, "epochs": 3})
    one = make_config("custom_cnn", {**cosine, "epochs": 1})

    def fresh():
        return build_model(get_spec("custom_cnn"), 7)

    _, cut = run_training(fresh, asked, train, val, 7, tmp_path / "a", max_minutes=1e-6)
    _, short = run_training(fresh, one, train, val, 7, tmp_path / "b")
    assert cut.epochs == 1 and without_time(cut.history) == without_time(short.history)
    _, roomy = run_training(fresh, asked, train, val, 7, tmp_path / "c", max_minutes=60)
    assert roomy.epochs == 3 and len(roomy.history) == 3

    class Replans(Progress):
        def __init__(self) -> None:
            self.reasons: list[str] = []

        def on_replan(self, plan, reason: str) -> None:
            self.reasons.append(reason)

    # Epochs that turn out slower than the first foretold: the run stops instead of overrunning.
    monkeypatch.setattr(schedules, "epochs_within", lambda budget, spent, epoch, asked: asked)
    replans = Replans()
    _, slowed = run_training(fresh, asked, train, val, 7, tmp_path / "d", max_minutes=1e-6,
                             progress=replans)
    assert slowed.epochs == 2 and len(slowed.history) == 2
    assert "stopping after epoch 2" in replans.reasons[-1]


@pytest.mark.slow
def test_a_run_keeps_its_best_or_its_last_epoch(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    train = Arrays(random_faces(32, seed=1), rng.integers(0, 7, 32))
    val = Arrays(random_faces(8, seed=2), rng.integers(0, 7, 8))
    x_val = val.images[..., None].astype("float32")
    y_val = np.eye(7)[val.labels]
    settings = {"epochs": 4, "batch_size": 16, "patience": 4, "learning_rate": 0.05}

    def val_loss(restore: bool, folder: str) -> tuple[float, list[float]]:
        config = make_config("custom_cnn", {**settings, "restore_best_weights": restore})
        model, run = run_training(lambda: build_model(get_spec("custom_cnn"), 7), config,
                                  train, val, 7, tmp_path / folder)
        return model.evaluate(x_val, y_val, verbose=0)[0], [r["val_loss"] for r in run.history]

    kept_best, curve = val_loss(True, "best")
    assert min(curve) < curve[-1]  # the two differ here
    kept_last, _ = val_loss(False, "last")
    assert kept_best == pytest.approx(min(curve), rel=1e-4)
    assert kept_last == pytest.approx(curve[-1], rel=1e-4)
    default = make_config("custom_cnn")
    assert default.cache_key("data") != make_config(
        "custom_cnn", {"restore_best_weights": False}).cache_key("data")
    # At their defaults, settings added later leave the keys of models stored before alone.
    assert set(KEY_NEUTRAL) == {"restore_best_weights", "precision", "teacher", "teacher_weight",
                                "extra_train", "equalise", "distribution"}
    before = {k: v for k, v in default.to_dict().items() if k not in KEY_NEUTRAL}
    payload = json.dumps([before, "data"], sort_keys=True).encode()
    assert default.cache_key("data") == hashlib.sha256(payload).hexdigest()[:16]


@pytest.mark.slow
def test_train_model_records_the_time_budget_and_the_epochs_it_left(tmp_path: Path) -> None:
    data = write_folder_layout(tmp_path / "data", per_class=4)
    store = ModelStore(tmp_path / "models")
    settings = {"epochs": 3, "batch_size": 8}
    budgeted, _ = train_model("custom_cnn", data, overrides=settings, store=store,
                              max_minutes=1e-6)
    assert len(budgeted.history) == 1 and budgeted.config["epochs"] == 1
    assert budgeted.config["time_budget"] == {"minutes": 1e-6, "epochs_asked": 3}
    _, reused = train_model("custom_cnn", data, overrides=settings, store=store, replace=True)
    assert not reused  # without the budget it is another run
    with pytest.raises(ModelError, match="time budget"):
        train_model("custom_cnn", data, overrides=settings, store=store, max_minutes=0)


@pytest.mark.slow
def test_train_model_stores_everything_and_reuses_the_cache(tmp_path: Path) -> None:
    data = write_folder_layout(tmp_path / "data", per_class=6)
    store = ModelStore(tmp_path / "models")
    settings = {"epochs": 2, "batch_size": 8}
    stored, reused = train_model("custom_cnn", data, overrides=settings, store=store)
    assert not reused
    files = sorted(p.name for p in stored.path.iterdir())
    assert files == ["config.json", "history.json", "metrics.json", "model.keras"]
    history = json.loads((stored.path / "history.json").read_text())["epochs"]
    assert [r["epoch"] for r in history] == [1, 2]
    recorded = {"loss", "accuracy", "val_loss", "val_accuracy", "learning_rate", "seconds"}
    assert recorded <= set(history[0])
    metrics = stored.metrics
    assert metrics["n"] == 7 * 6 and len(metrics["confusion"]) == 7
    assert set(metrics["tta"]) == {"flip", "tencrop"}
    assert metrics["data"]["split"] == "test" and metrics["data"]["policy"] == "raw"
    config = stored.config
    assert config["batch_size"] == 8 and config["cleaning"] == "default"
    assert config["trained_on"]["policy"] != "raw" and "keras" in config["versions"]

    again, reused = train_model("custom_cnn", data, overrides=settings, store=store)
    assert reused and again.path == stored.path
    with pytest.raises(NameTaken, match="already holds a model"):  # retraining replaces nothing
        train_model("custom_cnn", data, overrides=settings, store=store, force=True)
    _, reused = train_model("custom_cnn", data, overrides=settings, store=store, force=True,
                            replace=True)
    assert not reused

    images = random_faces(3, seed=9)[..., None].astype("float32")
    first, second = stored.load_keras(), store.get("custom_cnn").load_keras()
    np.testing.assert_array_equal(first.predict(images, verbose=0),
                                  second.predict(images, verbose=0))


@pytest.mark.slow
def test_a_run_can_start_from_a_stored_models_weights(tmp_path: Path) -> None:
    data = write_folder_layout(tmp_path / "data", per_class=6)
    store = ModelStore(tmp_path / "models")
    first, _ = train_model("custom_cnn", data, overrides={"epochs": 1, "batch_size": 8},
                           store=store)
    frozen = {"epochs": 1, "batch_size": 8, "learning_rate": 0.0}  # Adam at 0 moves nothing
    second, reused = train_model("custom_cnn", data, overrides=frozen, store=store,
                                 name="second", init_from="custom_cnn")
    assert not reused
    assert second.config["started_from"] == {"name": "custom_cnn",
                                             "cache_key": first.config["cache_key"]}
    assert [r["epoch"] for r in second.history] == [1, 2]  # the source's epoch, then its own
    assert second.history[0] == first.history[0]
    for before, after in zip(first.load_keras().trainable_weights,
                             second.load_keras().trainable_weights, strict=True):
        np.testing.assert_array_equal(np.asarray(before), np.asarray(after))

    _, reused = train_model("custom_cnn", data, overrides=frozen, store=store, name="scratch")
    assert not reused  # the same settings from a random init are another run

    with pytest.raises(ModelError, match="architecture differs"):
        train_model("fer_vgg", data, overrides={"width": 8, "epochs": 1}, store=store,
                    init_from="custom_cnn")


@pytest.mark.slow
def test_a_killed_cli_run_leaves_no_model_and_resumes(tmp_path) -> None:
    """kill -9 of ``python -m fer_core train`` mid-run: nothing half-written in the store, and
    ``--resume`` finishes the run from its last checkpoint."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.helpers import write_folder_layout

    data = write_folder_layout(tmp_path / "fer", per_class=6)
    env = {**os.environ, "FER_CACHE_DIR": str(tmp_path / "cache"),
           "FER_MODELS_DIR": str(tmp_path / "models")}
    command = [sys.executable, "-m", "fer_core", "train", "--model", "custom_cnn", "--data",
               str(data), "--epochs", "40", "--set", "patience=40", "--set", "batch_size=8"]
    root = Path(__file__).resolve().parent.parent
    child = subprocess.Popen(command, env=env, cwd=root, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list((tmp_path / "cache").glob("runs/*/checkpoint/state.json")):
        assert child.poll() is None and time.monotonic() < deadline, "no checkpoint appeared"
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert not [p for p in (tmp_path / "models").glob("*") if not p.name.startswith(".")]
    finished = subprocess.run([*command, "--resume"], env=env, cwd=root, capture_output=True,
                              text=True, timeout=600)
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert "resuming at epoch" in finished.stdout
    history = json.loads((tmp_path / "models" / "custom_cnn" / "history.json").read_text())
    assert [r["epoch"] for r in history["epochs"]][-1] <= 40 and len(history["epochs"]) >= 2


@pytest.mark.slow
def test_a_bfloat16_run_is_stored_in_float32_and_keyed_apart(tmp_path: Path) -> None:
    data = write_folder_layout(tmp_path / "data", per_class=4)
    store = ModelStore(tmp_path / "models")
    settings = {"epochs": 1, "batch_size": 8, "precision": "mixed_bfloat16"}
    stored, _ = train_model("custom_cnn", data, overrides=settings, store=store, name="bf16")
    assert stored.config["precision"] == "mixed_bfloat16"
    model = stored.load_keras()
    assert {layer.dtype_policy.name for layer in model.layers} == {"float32"}
    assert [layer.name for layer in model.layers] == [
        layer.name for layer in build_model(get_spec("custom_cnn"), 7).layers]
    assert model.predict(random_faces(2)[..., None], verbose=0).dtype == np.float32
    float32 = make_config("custom_cnn", {**settings, "precision": "float32"})
    assert float32.cache_key("d") != make_config("custom_cnn", settings).cache_key("d")
    with pytest.raises(ModelError, match="precision must be one of float32, mixed_bfloat16"):
        make_config("custom_cnn", {"precision": "float16"})


@pytest.mark.parametrize("flags, expected", [("fpu avx512f amx_bf16 amx_tile", "mixed_bfloat16"),
                                             ("fpu avx512f avx512_bf16", "float32"),
                                             ("fpu avx2 fma", "float32"), ("", "float32")])
def test_bfloat16_is_the_default_where_the_cpu_has_its_matrix_units(
        tmp_path: Path, monkeypatch, flags: str, expected: str) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nflags\t\t: {flags}\n")
    monkeypatch.setattr(precision, "CPUINFO", cpuinfo)
    assert precision.default_precision() == expected


def test_a_stored_record_replays_as_the_config_that_made_it() -> None:
    config = make_config("fer_vgg", {"epochs": 30, "seed": 4, "width": 32, "flip": False,
                                     "precision": "float32"})
    record = {**config.to_dict(), "epochs": 12, "name": "fer_vgg_w32",
              "time_budget": {"minutes": 60, "epochs_asked": 30}}
    family, settings = recorded_settings(record)
    assert family == "fer_vgg" and make_config(family, settings) == config
    older = {k: v for k, v in record.items() if k not in ("precision", "restore_best_weights")}
    assert make_config(*recorded_settings(older)) == replace(config, restore_best_weights=True)
    with pytest.raises(ModelError, match="names no family"):
        recorded_settings({"members": ["a", "b"]})


@pytest.mark.slow
def test_train_like_a_stored_model_finds_it_or_runs_it_again(tmp_path: Path, monkeypatch,
                                                             capsys) -> None:
    from fer_core import cli

    data = write_folder_layout(tmp_path / "data", per_class=4)
    monkeypatch.setenv("FER_MODELS_DIR", str(tmp_path / "models"))
    train_model("custom_cnn", data, overrides={"epochs": 1, "batch_size": 8, "seed": 3},
                store=ModelStore(tmp_path / "models"), name="tiny")
    assert cli.main(["train", "--like", "tiny", "--data", str(data)]) == 0
    assert "already stored with the same settings" in capsys.readouterr().out
    assert cli.main(["train", "--like", str(tmp_path / "models" / "tiny"), "--data", str(data),
                     "--set", "seed=5", "--out", str(tmp_path / "models" / "tiny_seed5")]) == 0
    replayed = ModelStore(tmp_path / "models").get("tiny_seed5").config
    assert replayed["seed"] == 5 and replayed["batch_size"] == 8 and replayed["epochs"] == 1


def test_soft_targets_mix_the_teacher_and_the_label() -> None:
    teacher = np.full((2, 7), 1 / 7, dtype=np.float32)
    targets = soft_targets(np.array([0, 3]), teacher, 0.7)
    assert targets.sum(axis=1) == pytest.approx([1, 1])
    assert targets[0, 0] == pytest.approx(0.3 + 0.1) and targets[1, 3] == pytest.approx(0.4)
    with pytest.raises(ModelError, match="teacher_weight must be between 0 and 1"):
        make_config("custom_cnn", {"teacher": "t", "teacher_weight": 1.5})


@pytest.mark.slow
def test_a_student_distils_a_stored_teacher_end_to_end(tmp_path: Path) -> None:
    data = write_folder_layout(tmp_path / "data", per_class=4)
    store = ModelStore(tmp_path / "models")
    save_tiny(store, "teacher", seed=1)
    settings = {"epochs": 1, "batch_size": 8, "teacher": "teacher", "teacher_weight": 0.5}
    heard = []

    class Teacher(Progress):
        def on_teacher(self, done: int, total: int, member: str) -> None:
            heard.append((done, total, member))

    student, _ = train_model("custom_cnn", data, overrides=settings, store=store, name="student",
                             progress=Teacher())
    assert student.config["teacher"] == "teacher" and student.metrics["n"] == 7 * 4
    assert heard == [(0, 1, "teacher")]
    cached = list((Path(os.environ["FER_CACHE_DIR"]) / "teachers").glob("*.npy"))
    assert cached and np.load(cached[0]).shape[1] == 7
    plain = make_config("custom_cnn", {k: v for k, v in settings.items() if k != "teacher"})
    assert plain.cache_key("d") != make_config("custom_cnn", settings).cache_key("d")
