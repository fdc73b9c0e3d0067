"""What a run does when: its phases (frozen / gradual unfreezing), the learning rate of each
epoch, early stopping and reduce-on-plateau, and its time budget, all owned by one
:class:`Schedule` that the training loop asks at the start and end of each epoch.

Its state is plain data kept in the run's state, saved in every checkpoint, so a resumed run
continues exactly where it stopped instead of resetting its patience counters.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

import keras
import numpy as np

from ..errors import ModelError
from ..models.transfer import BACKBONES, SCHEDULES
from .config import TrainConfig

if TYPE_CHECKING:
    from .loop import RunState

FINE_TUNE_LR_SCALE = 0.1
PLATEAU_FACTOR = 0.5
PLATEAU_PATIENCE = 3
OVERRUN = 1.1  # a run that would end past its time budget by more than this factor stops early


@dataclass(frozen=True)
class Phase:
    """A stretch of epochs with one set of trainable layers.

    ``unfrozen`` lists the backbone layer-name prefixes that train (None: every layer trains);
    backbone layers outside it are frozen, the head always trains.
    """

    name: str
    epochs: int
    unfrozen: tuple[str, ...] | None
    lr_scale: float


def plan_phases(config: TrainConfig) -> list[Phase]:
    """The phases of a run: one for from-scratch families, the schedule's for transfer ones."""
    schedule = config.options.get("schedule")
    if schedule is None or schedule == "finetune":
        return [Phase("all layers", config.epochs, None, 1.0)]
    if schedule not in SCHEDULES:
        raise ModelError(f"unknown schedule {schedule!r}; known: {', '.join(SCHEDULES)}")
    groups = BACKBONES[config.model.removeprefix("transfer_")].groups
    if schedule == "frozen_then_unfrozen":
        head = max(1, config.epochs // 2)
        phases = [Phase("head only", head, (), 1.0),
                  Phase("all layers", config.epochs - head, None, FINE_TUNE_LR_SCALE)]
    else:  # gradual: the head, then one more block per phase, top to bottom
        sizes = [len(part) for part in np.array_split(np.arange(config.epochs), len(groups) + 1)]
        phases = [Phase("head only" if i == 0 else f"down to {groups[i - 1]}", size, groups[:i],
                        1.0 if i == 0 else FINE_TUNE_LR_SCALE)
                  for i, size in enumerate(sizes)]
    return [p for p in phases if p.epochs > 0]


def apply_phase(model: keras.Model, config: TrainConfig, phase: Phase) -> None:
    """Freeze the backbone layers the phase keeps frozen; everything else trains."""
    if phase.unfrozen is None:
        for layer in model.layers:
            layer.trainable = True
        return
    groups = BACKBONES[config.model.removeprefix("transfer_")].groups
    for layer in model.layers:
        in_backbone = layer.name.startswith(groups)
        layer.trainable = not in_backbone or layer.name.startswith(phase.unfrozen)


def scheduled_lr(
    config: TrainConfig, base_lr: float, epoch_in_phase: int, phase_epochs: int
) -> float:
    """The learning rate a schedule sets at the start of an epoch (plateau acts separately)."""
    if config.lr_schedule == "cosine":
        return 0.5 * base_lr * (1 + math.cos(math.pi * epoch_in_phase / phase_epochs))
    return base_lr


@dataclass
class Watcher:
    """Early stopping and reduce-on-plateau, both on validation loss, as serialisable state."""

    patience: int
    best: float = math.inf
    best_epoch: int = -1
    wait: int = 0
    plateau_wait: int = 0

    def update(self, epoch: int, val_loss: float) -> tuple[bool, bool, bool]:
        """Record an epoch: (improved, stop now, reduce the learning rate)."""
        improved = val_loss < self.best
        if improved:
            self.best, self.best_epoch, self.wait, self.plateau_wait = val_loss, epoch, 0, 0
        else:
            self.wait += 1
            self.plateau_wait += 1
        reduce = self.plateau_wait >= PLATEAU_PATIENCE
        if reduce:
            self.plateau_wait = 0
        return improved, self.wait >= self.patience, reduce

    def state(self) -> dict:
        return asdict(self)


def compile_for(model: keras.Model, config: TrainConfig, learning_rate: float) -> None:
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


@dataclass(frozen=True)
class EpochEnd:
    """What the schedule decided after an epoch: keep these weights as the best, go back to
    the best weights (a phase ended, early or not), and why the run's length changed."""

    keep_weights: bool
    restore_best: bool
    replanned: str | None


class Schedule:
    """The phases, learning rate, early stopping and time budget of one run.

    ``state`` (the loop's :class:`~.loop.RunState`) holds what must survive a checkpoint: the
    next epoch, the run's length (the config's, unless the budget cut it) and the watcher.
    """

    def __init__(self, config: TrainConfig, state: RunState,
                 max_minutes: float | None = None) -> None:
        self.config, self.state, self.max_minutes = config, state, max_minutes
        state.epochs = state.epochs or config.epochs
        self.phases = plan_phases(replace(config, epochs=state.epochs))
        self.watcher = Watcher(**state.watcher) if state.watcher else Watcher(config.patience)

    @property
    def done(self) -> bool:
        return self.state.epoch >= self.state.epochs

    def _position(self) -> tuple[int, Phase, int]:
        """(phase index, phase, epoch within it) of the next epoch."""
        start = 0
        for index, phase in enumerate(self.phases):
            if self.state.epoch < start + phase.epochs:
                return index, phase, self.state.epoch - start
            start += phase.epochs
        return len(self.phases) - 1, self.phases[-1], self.phases[-1].epochs

    def _phase_end(self, index: int) -> int:
        return sum(p.epochs for p in self.phases[:index + 1])

    def _enter(self, model: keras.Model, phase: Phase) -> None:
        """New trainable layers need a fresh compile (and optimizer) and fresh patience."""
        apply_phase(model, self.config, phase)
        compile_for(model, self.config, self.config.learning_rate * phase.lr_scale)
        self.watcher = Watcher(self.config.patience)

    def start(self, model: keras.Model) -> None:
        """Prepare a new run's model for its first phase."""
        self._enter(model, self.phases[0])

    def begin_epoch(self, model: keras.Model) -> Phase:
        """Enter a new phase where one starts, and set this epoch's learning rate; the phase."""
        _, phase, in_phase = self._position()
        fresh = self.state.batch == 0
        if in_phase == 0 and fresh and self.state.epoch > 0:
            self._enter(model, phase)
        if self.config.lr_schedule == "cosine" and fresh:
            model.optimizer.learning_rate.assign(scheduled_lr(
                self.config, self.config.learning_rate * phase.lr_scale, in_phase, phase.epochs))
        return phase

    def end_epoch(self, model: keras.Model, record: dict[str, Any],
                  epoch_seconds: float) -> EpochEnd:
        """Fold in an epoch (already in ``state.history``, ``state.epoch`` not yet advanced):
        early stopping, plateau, the budget (``epoch_seconds``: a full epoch as this one went)
        and the end of a phase."""
        state, config = self.state, self.config
        index = self._position()[0]
        improved, stop_phase, reduce = self.watcher.update(state.epoch, record["val_loss"])
        if reduce and config.lr_schedule == "plateau":
            model.optimizer.learning_rate.assign(
                max(record["learning_rate"] * PLATEAU_FACTOR, config.learning_rate * 1e-3))
        state.epoch += 1
        replanned = self._keep_within(epoch_seconds) if self.max_minutes is not None else None
        if replanned:
            self.phases = plan_phases(replace(config, epochs=state.epochs))
        phase_over = stop_phase or state.epoch == self._phase_end(index)
        if phase_over:
            state.epoch = self._phase_end(index) if stop_phase else state.epoch
            state.watcher = None
        else:
            state.watcher = self.watcher.state()
        return EpochEnd(improved and config.restore_best_weights, phase_over, replanned)

    def _keep_within(self, epoch_seconds: float) -> str | None:
        """Fit the run's length to the budget: plan it after the first epoch, cut it short
        when epochs turn slower. Why the length changed, or None when it did not."""
        state, budget, asked = self.state, 60 * self.max_minutes, self.config.epochs
        if len(state.history) == 1:
            state.epochs = epochs_within(budget, state.seconds, epoch_seconds, asked)
            return (f"a budget of {self.max_minutes:g} min fits {state.epochs} of {asked} "
                    f"epochs (about {epoch_seconds:.0f} s each)")
        if state.epoch < state.epochs and overruns(budget, state.seconds,
                                                   state.history[-1]["seconds"]):
            state.epochs = state.epoch  # the loop's end restores the best weights, if kept
            return (f"epochs got slower than planned: stopping after epoch {state.epoch} to "
                    f"keep within the {self.max_minutes:g} min budget")
        return None
