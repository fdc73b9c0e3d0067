"""The training loop: epochs of batches, checkpointed, resumable and stoppable.

It drives ``model.train_on_batch`` itself rather than ``fit``: that keeps every decision (batch
order, phase changes, learning rate, early stopping) in plain Python state that a checkpoint can
hold, so ``--resume`` continues an interrupted run exactly, even from the middle of an epoch. Only
Keras APIs are used, so the loop runs under TensorFlow here and JAX on a GPU machine.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import keras
import numpy as np
from sklearn.utils.class_weight import compute_class_weight

from ..errors import FerError, ModelError
from ..inference import model_input
from .checkpoint import Checkpoint, RunState, load_checkpoint, save_checkpoint
from .config import TrainConfig
from .distribution import batch_problem, replicas, undistributed
from .progress import Progress, RunPlan
from .schedules import EpochEnd, EpochStart, Phase, Schedule, apply_phase

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


@dataclass(frozen=True)
class Feed:
    """A run's data as the model takes it: the training images and targets, the class weights
    of the loss (None: unweighted), the validation inputs and one-hot labels, and how the
    training images are cut into batches: ``replicas`` is the number of devices a batch is
    split between (:mod:`.distribution`), and an epoch runs a multiple of it of the images."""

    images: np.ndarray
    targets: np.ndarray
    class_weight: dict[int, float] | None
    x_val: np.ndarray
    y_val: np.ndarray
    batch_size: int
    seed: int
    replicas: int = 1

    @property
    def usable(self) -> int:
        """The images an epoch trains on: all of them on one device; on several, the last
        batch is cut to split evenly between them."""
        return len(self.targets) - len(self.targets) % self.replicas

    @property
    def batches(self) -> int:
        return int(np.ceil(self.usable / self.batch_size))

    def order(self, epoch: int) -> np.ndarray:
        """The epoch's shuffle, drawn from the seed and the epoch alone: a resumed run sees the
        same batches as an uninterrupted one."""
        return np.random.default_rng([self.seed, epoch]).permutation(len(self.targets))

    def rows(self, order: np.ndarray, batch: int) -> np.ndarray:
        end = min((batch + 1) * self.batch_size, self.usable)
        return np.sort(order[batch * self.batch_size:end])


def balanced_class_weights(labels: np.ndarray) -> dict[int, float]:
    """Loss weights of the classes present, in inverse proportion to their count."""
    present = np.unique(labels)
    weights = compute_class_weight("balanced", classes=present, y=labels)
    return dict(zip(present.tolist(), weights.tolist(), strict=True))


def make_feed(config: TrainConfig, train: Arrays, val: Arrays, num_classes: int) -> Feed:
    targets = (train.targets if train.targets is not None
               else keras.utils.to_categorical(train.labels, num_classes))
    class_weight = balanced_class_weights(train.labels) if config.class_weights else None
    devices = replicas()
    problem = batch_problem(config.batch_size, len(targets), devices) if devices > 1 else None
    if problem:
        raise ModelError(problem)
    return Feed(train.images, targets, class_weight, model_input(val.images),
                keras.utils.to_categorical(val.labels, num_classes), config.batch_size,
                config.seed, devices)


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


def compile_model(model: keras.Model, config: TrainConfig, learning_rate: float) -> None:
    """Compile ``model`` with the config's optimizer, loss and accuracy, at ``learning_rate``."""
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


def learning_rate_of(model: keras.Model) -> float:
    return float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))


def start_or_resume(build: Callable[[], keras.Model], config: TrainConfig, run_dir: Path,
                    resume: bool) -> Checkpoint:
    """The run's checkpoint when resuming one, else a new run of the model ``build`` makes.

    ``build`` is called after seeding, so the initial weights and random layers of a network it
    makes are as reproducible as the batches.
    """
    checkpoint = load_checkpoint(run_dir) if resume else None
    if checkpoint is not None:
        return checkpoint
    keras.utils.set_random_seed(config.seed)
    return Checkpoint(build(), None, RunState(config.epochs), None)


def begin_epoch(model: keras.Model, config: TrainConfig, start: EpochStart) -> Phase:
    """Apply the schedule's decisions before an epoch; the epoch's phase.

    A phase with other trainable layers needs a fresh compile, and so a fresh optimizer.
    """
    if start.enters_phase:
        apply_phase(model, config, start.phase)
        compile_model(model, config, start.phase_lr)
    if start.learning_rate is not None:
        model.optimizer.learning_rate.assign(start.learning_rate)
    return start.phase


def train_batches(model: keras.Model, feed: Feed, state: RunState, timer: EpochTimer,
                  progress: Progress, stop: threading.Event | None) -> dict[str, float]:
    """Train the epoch's batches from ``state.batch`` on, up to a stop request; the epoch's
    running means. ``state.batch`` is left at the next batch to run."""
    order = feed.order(state.epoch)
    logs: dict[str, float] = {}
    for batch in range(state.batch, feed.batches):
        rows = feed.rows(order, batch)
        batch_logs = model.train_on_batch(model_input(feed.images[rows]), feed.targets[rows],
                                          class_weight=feed.class_weight, return_dict=True)
        logs = state.add_batch(batch_logs, len(rows))
        state.batch = batch + 1
        timer.batch_done()
        progress.on_batch_end(state.epoch, batch, logs)
        if stop is not None and stop.is_set():
            break
    return logs


def epoch_record(epoch: int, phase: Phase, logs: dict[str, float], val_logs: dict[str, Any],
                 learning_rate: float, seconds: float) -> dict[str, Any]:
    """The row of ``history.json`` of the run's ``epoch`` (counted from 0)."""
    return {
        "epoch": epoch + 1, "phase": phase.name,
        "loss": float(logs["loss"]), "accuracy": float(logs["accuracy"]),
        "val_loss": float(val_logs["loss"]), "val_accuracy": float(val_logs["accuracy"]),
        "learning_rate": learning_rate, "seconds": round(seconds, 2),
    }


def validate_epoch(model: keras.Model, feed: Feed, state: RunState, phase: Phase,
                   logs: dict[str, float], timer: EpochTimer) -> dict[str, Any]:
    """Measure the trained epoch on the validation split and add it to the run's history;
    its record."""
    timer.training_done()
    with undistributed():  # one device: the split's last batch may not divide between several
        val_logs = model.evaluate(feed.x_val, feed.y_val, batch_size=EVAL_BATCH, verbose=0,
                                  return_dict=True)
    seconds = time.monotonic() - timer.started
    record = epoch_record(state.epoch, phase, logs, val_logs, learning_rate_of(model), seconds)
    state.add_epoch(record, seconds)
    return record


def end_epoch(model: keras.Model, state: RunState, end: EpochEnd,
              best: list[np.ndarray] | None) -> list[np.ndarray] | None:
    """Apply the schedule's decisions after an epoch; the best weights so far."""
    if end.learning_rate is not None:
        model.optimizer.learning_rate.assign(end.learning_rate)
    state.epoch, state.epochs = end.next_epoch, end.epochs
    if end.keep_weights:
        best = model.get_weights()
    if end.restore_best and best is not None:
        model.set_weights(best)  # a phase is over: the next goes on from its best weights
    return best


def run_plan(model: keras.Model, state: RunState, feed: Feed) -> RunPlan:
    return RunPlan(model.name, state.epochs, feed.batches, state.epoch, state.batch)


def stopped_message(state: RunState, feed: Feed) -> str:
    where = (f"at epoch {state.epoch + 1}, batch {state.batch} of {feed.batches}" if state.batch
             else f"after epoch {state.epoch}")
    return f"stopped {where}; the checkpoint is saved: run again with --resume to continue"


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

    ``build`` is called after seeding (one it returns ready-made was seeded by its maker, as
    ``train_model`` does). The :class:`~.schedules.Schedule` decides phases, learning rates,
    early stopping and the time budget; the loop applies its decisions, runs the batches and
    checkpoints. A checkpoint is written after every epoch and when ``stop`` is set (then
    :class:`TrainingStopped` is raised). With ``resume``, a checkpoint in ``run_dir`` is continued.
    ``max_minutes`` is a time budget: after the first epoch, the run is cut to the epochs that fit;
    should later epochs run slower, it stops before overrunning the budget by a tenth.
    Under an active Keras distribution (:mod:`.distribution`), ``build`` and the batches run
    under it and validation on one device.
    """
    progress = progress or Progress()
    run = start_or_resume(build, config, run_dir, resume)
    model, best, state = run.model, run.best, run.state
    schedule = Schedule(config, state.epochs, run.schedule, max_minutes)
    feed = make_feed(config, train, val, num_classes)
    progress.on_run_begin(run_plan(model, state, feed))

    stopping = False
    while not (stopping or state.finished):
        phase = begin_epoch(model, config, schedule.begin_epoch(state.epoch, state.batch))
        timer = EpochTimer(feed.batches - state.batch)
        logs = train_batches(model, feed, state, timer, progress, stop)
        if state.batch == feed.batches:
            record = validate_epoch(model, feed, state, phase, logs, timer)
            end = schedule.end_epoch(state.epoch, record, state.seconds,
                                     timer.epoch_seconds(feed.batches))
            best = end_epoch(model, state, end, best)
            if end.replanned:
                progress.on_replan(run_plan(model, state, feed), end.replanned)
            progress.on_epoch_end(record)
        else:  # stopped inside the epoch: the checkpoint resumes it at its next batch
            state.seconds += time.monotonic() - timer.started
        save_checkpoint(run_dir, Checkpoint(model, best, state, schedule.saved()))
        stopping = stop is not None and stop.is_set()

    progress.on_run_end()
    if not state.finished:  # the loop ended on a stop request
        raise TrainingStopped(stopped_message(state, feed))
    if best is not None:
        model.set_weights(best)
    return model, state
