"""The training loop: epochs of batches, checkpointed, resumable and stoppable.

It drives ``model.train_on_batch`` itself rather than ``fit``: that keeps every decision (batch
order, phase changes, learning rate, early stopping) in plain Python state that a checkpoint can
hold, so ``--resume`` continues an interrupted run exactly, even from the middle of an epoch. Only
Keras APIs are used, so the loop runs under TensorFlow here and JAX on a GPU machine.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import keras
import numpy as np
from sklearn.utils.class_weight import compute_class_weight

from ..atomic import atomic_path
from ..errors import FerError, ModelError
from ..inference import model_input
from .config import TrainConfig
from .progress import Progress, RunPlan
from .schedules import Schedule

CHECKPOINT = "checkpoint"
EVAL_BATCH = 256


class TrainingStopped(FerError):
    """A run was stopped on request; its checkpoint lets ``--resume`` continue it."""


@dataclass
class Arrays:
    """Images (uint8, N x 48 x 48) and integer labels of one split, and the targets to train
    towards when they are not the labels' one-hot rows (a teacher's, when distilling)."""

    images: np.ndarray
    labels: np.ndarray
    targets: np.ndarray | None = None


@dataclass
class RunState:
    """Where a run stands: the next epoch and batch to run, its history and its watcher.

    ``epochs`` is the run's length: the config's, unless a time budget cut it.
    """

    epoch: int = 0
    batch: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    watcher: dict[str, Any] | None = None
    seconds: float = 0.0
    running: dict[str, float] = field(default_factory=dict)
    epochs: int | None = None

    def add_batch(self, logs: dict[str, Any], size: int) -> dict[str, float]:
        """Fold one batch into the epoch's running means (``train_on_batch`` reports the batch
        alone) and return those means."""
        count = self.running.get("count", 0) + size
        for key in ("loss", "accuracy"):
            self.running[key] = self.running.get(key, 0.0) + float(logs[key]) * size
        self.running["count"] = count
        return {key: self.running[key] / count for key in ("loss", "accuracy")}


class EpochTimer:
    """Times an epoch to foresee the next ones: its first batch, which may compile the training
    step, is left out of the per-batch time, and validation is added once."""

    def __init__(self, batches_to_run: int) -> None:
        self.started = time.monotonic()
        self.batches_to_run = batches_to_run
        self.after_first: float | None = None
        self.trained: float | None = None

    def batch_done(self) -> None:
        self.after_first = self.after_first or time.monotonic()

    def training_done(self) -> None:
        self.trained = time.monotonic()

    def epoch_seconds(self, batches: int) -> float:
        """A full epoch of ``batches`` batches plus its validation, as this one went."""
        steady = self.batches_to_run - 1
        per_batch = ((self.trained - self.after_first) / steady if steady
                     else self.trained - self.started)
        return per_batch * batches + (time.monotonic() - self.trained)


def _seed_states(model: keras.Model) -> list:
    """The random-number states of dropout and augmentation layers.

    ``model.save`` does not keep them; without them a resumed run would draw other dropout masks
    and augmentations than an uninterrupted one.
    """
    return [v for v in model.non_trainable_variables if v.path.endswith("seed_generator_state")]


def _save_checkpoint(run_dir: Path, model: keras.Model, best: list[np.ndarray] | None,
                     state: RunState) -> None:
    with atomic_path(run_dir / CHECKPOINT) as staged:
        staged.mkdir()
        model.save(staged / "model.keras")
        if best is not None:
            np.savez(staged / "best.npz", *best)
        seeds = [keras.ops.convert_to_numpy(v) for v in _seed_states(model)]
        np.savez(staged / "seeds.npz", *seeds)
        (staged / "state.json").write_text(json.dumps(state.__dict__))


def _load_arrays(path: Path) -> list[np.ndarray] | None:
    if not path.is_file():
        return None
    with np.load(path) as stored:
        return [stored[f"arr_{i}"] for i in range(len(stored.files))]


def load_checkpoint(run_dir: Path) -> tuple[keras.Model, list[np.ndarray] | None, RunState] | None:
    """The model (with its optimizer), best weights and state of a run's checkpoint, if any."""
    folder = run_dir / CHECKPOINT
    if not (folder / "state.json").is_file():
        return None
    try:
        model = keras.saving.load_model(folder / "model.keras", compile=True)
    except (ValueError, OSError, KeyError, TypeError, zipfile.BadZipFile) as exc:
        raise ModelError(f"the checkpoint in {folder} cannot be loaded ({exc}); "
                         "train again without --resume") from None
    best = _load_arrays(folder / "best.npz")
    seeds = _load_arrays(folder / "seeds.npz") or []  # none in a checkpoint of a seedless model
    for variable, value in zip(_seed_states(model), seeds, strict=False):
        variable.assign(value)
    return model, best, RunState(**json.loads((folder / "state.json").read_text()))


def discard_checkpoint(run_dir: Path) -> None:
    shutil.rmtree(run_dir, ignore_errors=True)


def run_training(
    build: Callable[[], keras.Model],
    config: TrainConfig,
    train: Arrays,
    val: Arrays,
    num_classes: int,
    run_dir: Path,
    *,
    resume: bool = False,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
    max_minutes: float | None = None,
) -> tuple[keras.Model, RunState]:
    """Train the model ``build`` makes per ``config``; return it with its best weights (its
    last with ``restore_best_weights`` off) and the run's final state (history, training
    seconds, epochs run).

    ``build`` is called after seeding, so the initial weights and random layers of a network it
    makes are as reproducible as the batches (one it returns ready-made was seeded by its
    maker, as ``train_model`` does). The :class:`~.schedules.Schedule` decides phases, learning
    rates, early stopping and the time budget; the loop runs the batches and checkpoints.
    A checkpoint is written after every epoch and when ``stop`` is set (then
    :class:`TrainingStopped` is raised). With ``resume``, a checkpoint in ``run_dir`` is continued.
    ``max_minutes`` is a time budget: after the first epoch, the run is cut to the epochs that fit;
    should later epochs run slower, it stops before overrunning the budget by a tenth.
    """
    progress = progress or Progress()
    state, best = RunState(), None
    checkpoint = load_checkpoint(run_dir) if resume else None
    if checkpoint is not None:
        model, best, state = checkpoint
    schedule = Schedule(config, state, max_minutes)
    if checkpoint is None:
        keras.utils.set_random_seed(config.seed)
        model = build()
        schedule.start(model)

    y_train = (train.targets if train.targets is not None
               else keras.utils.to_categorical(train.labels, num_classes))
    y_val = keras.utils.to_categorical(val.labels, num_classes)
    x_val = model_input(val.images)
    class_weight = None
    if config.class_weights:
        present = np.unique(train.labels)
        weights = compute_class_weight("balanced", classes=present, y=train.labels)
        class_weight = dict(zip(present.tolist(), weights.tolist(), strict=True))
    batches = int(np.ceil(len(train.labels) / config.batch_size))
    progress.on_run_begin(RunPlan(model.name, state.epochs, batches, state.epoch, state.batch))

    while not schedule.done:
        phase = schedule.begin_epoch(model)
        timer = EpochTimer(batches - state.batch)
        order = np.random.default_rng([config.seed, state.epoch]).permutation(len(train.labels))
        logs: dict[str, float] = {}
        for batch in range(state.batch, batches):
            rows = np.sort(order[batch * config.batch_size:(batch + 1) * config.batch_size])
            batch_logs = model.train_on_batch(model_input(train.images[rows]), y_train[rows],
                                              class_weight=class_weight, return_dict=True)
            logs = state.add_batch(batch_logs, len(rows))
            timer.batch_done()
            progress.on_batch_end(state.epoch, batch, logs)
            if stop is not None and stop.is_set() and batch + 1 < batches:
                state.batch = batch + 1
                state.seconds += time.monotonic() - timer.started
                state.watcher = schedule.watcher.state()
                _save_checkpoint(run_dir, model, best, state)
                progress.on_run_end()
                raise TrainingStopped(
                    f"stopped at epoch {state.epoch + 1}, batch {batch + 1} of {batches}; "
                    "the checkpoint is saved: run again with --resume to continue")

        timer.training_done()
        val_logs = model.evaluate(x_val, y_val, batch_size=EVAL_BATCH, verbose=0, return_dict=True)
        seconds = time.monotonic() - timer.started
        record = {
            "epoch": state.epoch + 1, "phase": phase.name,
            "loss": float(logs["loss"]), "accuracy": float(logs["accuracy"]),
            "val_loss": float(val_logs["loss"]), "val_accuracy": float(val_logs["accuracy"]),
            "learning_rate": float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)),
            "seconds": round(seconds, 2),
        }
        state.history.append(record)
        state.seconds += seconds
        state.batch, state.running = 0, {}
        end = schedule.end_epoch(model, record, timer.epoch_seconds(batches))
        if end.keep_weights:
            best = model.get_weights()
        if end.restore_best and best is not None:
            model.set_weights(best)  # a phase is over: the next goes on from its best weights
        if end.replanned:
            progress.on_replan(RunPlan(model.name, state.epochs, batches, state.epoch, 0),
                               end.replanned)
        progress.on_epoch_end(record)
        _save_checkpoint(run_dir, model, best, state)
        if stop is not None and stop.is_set() and not schedule.done:
            progress.on_run_end()
            raise TrainingStopped(f"stopped after epoch {state.epoch}; the checkpoint is saved: "
                                  "run again with --resume to continue")

    if best is not None:
        model.set_weights(best)
    progress.on_run_end()
    return model, state
