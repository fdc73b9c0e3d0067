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
from dataclasses import dataclass, field, replace
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
from .schedules import PLATEAU_FACTOR, Phase, Watcher, apply_phase, plan_phases, scheduled_lr

CHECKPOINT = "checkpoint"
EVAL_BATCH = 256
OVERRUN = 1.1  # a run that would end past its time budget by more than this factor stops early


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


def _compile(model: keras.Model, config: TrainConfig, learning_rate: float) -> None:
    if config.optimizer == "sgd":
        optimizer = keras.optimizers.SGD(learning_rate, momentum=config.momentum, nesterov=True,
                                         weight_decay=config.weight_decay or None)
    else:
        optimizer = keras.optimizers.Adam(learning_rate, weight_decay=config.weight_decay or None)
    model.compile(
        optimizer=optimizer,
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=config.label_smoothing),
        metrics=[keras.metrics.CategoricalAccuracy(name="accuracy")],
    )


def _phase_at(phases: list[Phase], epoch: int) -> tuple[int, Phase, int]:
    """(phase index, phase, epoch within it) of a global epoch index."""
    start = 0
    for index, phase in enumerate(phases):
        if epoch < start + phase.epochs:
            return index, phase, epoch - start
        start += phase.epochs
    return len(phases) - 1, phases[-1], phases[-1].epochs


def epochs_within(budget_seconds: float, spent_seconds: float, epoch_seconds: float,
                  asked: int) -> int:
    """How many epochs, the first one done, a run of ``asked`` epochs can have in its budget.

    Decided after the first epoch, where every schedule here is still at its start (cosine's
    first learning rate is the base one whatever the length), so the shortened run is exactly the
    run one would have asked for with that many epochs.
    """
    more = int(max(budget_seconds - spent_seconds, 0.0) // max(epoch_seconds, 1e-9))
    return max(1, min(asked, 1 + more))


def overruns(budget_seconds: float, spent_seconds: float, epoch_seconds: float) -> bool:
    """Whether one more epoch as long as the last would end well past the budget: epochs got
    slower than the first one foretold (another job took the machine), so the run must stop."""
    return spent_seconds + epoch_seconds > OVERRUN * budget_seconds


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


def _keep_within(max_minutes: float, state: RunState, timer: EpochTimer, batches: int,
                 asked: int) -> str | None:
    """Fit ``state.epochs`` to the budget after an epoch: plan it after the first, cut it short
    when epochs turn slower. Returns why the length changed, or None when it did not."""
    budget = 60 * max_minutes
    if len(state.history) == 1:
        estimate = timer.epoch_seconds(batches)
        state.epochs = epochs_within(budget, state.seconds, estimate, asked)
        return (f"a budget of {max_minutes:g} min fits {state.epochs} of {asked} epochs "
                f"(about {estimate:.0f} s each)")
    if state.epoch < state.epochs and overruns(budget, state.seconds,
                                               state.history[-1]["seconds"]):
        state.epochs = state.epoch  # the loop's end restores the best weights, if kept
        return (f"epochs got slower than planned: stopping after epoch {state.epoch} to keep "
                f"within the {max_minutes:g} min budget")
    return None


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

    The model is built here, after seeding, so its initial weights and random layers are as
    reproducible as its batches.
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
    state.epochs = state.epochs or config.epochs
    phases = plan_phases(replace(config, epochs=state.epochs))
    if checkpoint is None:
        keras.utils.set_random_seed(config.seed)
        model = build()
        apply_phase(model, config, phases[0])
        _compile(model, config, config.learning_rate * phases[0].lr_scale)

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

    while state.epoch < state.epochs:
        index, phase, epoch_in_phase = _phase_at(phases, state.epoch)
        watcher = Watcher(**state.watcher) if state.watcher else Watcher(config.patience)
        if epoch_in_phase == 0 and state.batch == 0 and state.epoch > 0:
            # A new phase: new trainable layers need a fresh compile (and optimizer).
            apply_phase(model, config, phase)
            _compile(model, config, config.learning_rate * phase.lr_scale)
            watcher = Watcher(config.patience)
        if config.lr_schedule == "cosine" and state.batch == 0:
            model.optimizer.learning_rate.assign(scheduled_lr(
                config, config.learning_rate * phase.lr_scale, epoch_in_phase, phase.epochs))

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
                state.watcher = watcher.state()
                _save_checkpoint(run_dir, model, best, state)
                progress.on_run_end()
                raise TrainingStopped(
                    f"stopped at epoch {state.epoch + 1}, batch {batch + 1} of {batches}; "
                    "the checkpoint is saved: run again with --resume to continue")

        timer.training_done()
        val_logs = model.evaluate(x_val, y_val, batch_size=EVAL_BATCH, verbose=0, return_dict=True)
        seconds = time.monotonic() - timer.started
        learning_rate = float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))
        record = {
            "epoch": state.epoch + 1, "phase": phase.name,
            "loss": float(logs["loss"]), "accuracy": float(logs["accuracy"]),
            "val_loss": float(val_logs["loss"]), "val_accuracy": float(val_logs["accuracy"]),
            "learning_rate": learning_rate, "seconds": round(seconds, 2),
        }
        improved, stop_phase, reduce = watcher.update(state.epoch, record["val_loss"])
        if improved and config.restore_best_weights:
            best = model.get_weights()
        if reduce and config.lr_schedule == "plateau":
            model.optimizer.learning_rate.assign(
                max(learning_rate * PLATEAU_FACTOR, config.learning_rate * 1e-3))
        state.history.append(record)
        state.seconds += seconds
        state.batch = 0
        state.running = {}
        state.epoch += 1
        if max_minutes is not None and (reason := _keep_within(max_minutes, state, timer,
                                                               batches, config.epochs)):
            phases = plan_phases(replace(config, epochs=state.epochs))
            progress.on_replan(RunPlan(model.name, state.epochs, batches, state.epoch, 0), reason)
        if stop_phase or state.epoch == sum(p.epochs for p in phases[:index + 1]):
            # Early stop or end of a phase: go on from the best weights of this phase.
            if best is not None:
                model.set_weights(best)
            state.epoch = sum(p.epochs for p in phases[:index + 1]) if stop_phase else state.epoch
            state.watcher = None
        else:
            state.watcher = watcher.state()
        progress.on_epoch_end(record)
        _save_checkpoint(run_dir, model, best, state)
        if stop is not None and stop.is_set() and state.epoch < state.epochs:
            progress.on_run_end()
            raise TrainingStopped(f"stopped after epoch {state.epoch}; the checkpoint is saved: "
                                  "run again with --resume to continue")

    if best is not None:
        model.set_weights(best)
    progress.on_run_end()
    return model, state
