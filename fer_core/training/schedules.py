"""What a run does when: its phases (frozen / gradual unfreezing), the learning rate of each
epoch, early stopping and reduce-on-plateau, and its time budget, all decided by one
:class:`Schedule` that the training loop asks at the start and end of each epoch.

The :class:`Schedule` touches neither the model nor the loop's state: it returns its decisions
(:class:`EpochStart`, :class:`EpochEnd`) and the loop applies them, so one owner writes each
piece of a run's state. Its own state (:class:`ScheduleState`) is plain data that it saves into
every checkpoint and restores from it, so a resumed run continues exactly where it stopped
instead of resetting its patience counters.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any

import keras
import numpy as np

from ..errors import ModelError
from .config import TrainConfig

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
    known = config.spec.schedules
    if schedule not in known:
        raise ModelError(f"unknown schedule {schedule!r}; known: {', '.join(known)}")
    groups = config.spec.layer_groups
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
    groups = config.spec.layer_groups
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
class ScheduleState:
    """What the schedule carries across a checkpoint: its watcher's patience counters. The rest
    of what it decides from (the next epoch, the run's length) is the loop's."""

    watcher: Watcher

    def to_dict(self) -> dict[str, Any]:
        return {"watcher": asdict(self.watcher)}

    @classmethod
    def from_dict(cls, saved: dict[str, Any] | None, patience: int) -> ScheduleState:
        """The state a checkpoint saved; a fresh watcher when it saved none (a new run, or a
        checkpoint written at a phase's end, whose next phase starts with fresh patience)."""
        watcher = (saved or {}).get("watcher")
        return cls(Watcher(**watcher) if watcher else Watcher(patience))


@dataclass(frozen=True)
class EpochStart:
    """What the schedule decided before an epoch: its phase; whether the phase starts here (then
    its layers are frozen or unfrozen and the model compiled afresh at ``phase_lr``); and the
    learning rate to set for this epoch, None to leave the optimizer's."""

    phase: Phase
    enters_phase: bool
    phase_lr: float
    learning_rate: float | None


@dataclass(frozen=True)
class EpochEnd:
    """What the schedule decided after an epoch: keep these weights as the best, set the
    learning rate (None: leave it), go back to the best weights (a phase ended, early or not),
    the next epoch to run (past the rest of a phase stopped early), the run's length, and why
    that length changed (None when it did not)."""

    keep_weights: bool
    learning_rate: float | None
    restore_best: bool
    next_epoch: int
    epochs: int
    replanned: str | None


class Schedule:
    """The phases, learning rate, early stopping and time budget of one run of ``epochs``
    epochs (the config's, or what a time budget left of them), going on from ``saved``, the
    :meth:`saved` state of its checkpoint (None for a new run)."""

    def __init__(self, config: TrainConfig, epochs: int, saved: dict[str, Any] | None = None,
                 max_minutes: float | None = None) -> None:
        self.config, self.epochs, self.max_minutes = config, epochs, max_minutes
        self.phases = plan_phases(replace(config, epochs=epochs))
        self.state = ScheduleState.from_dict(saved, config.patience)

    def saved(self) -> dict[str, Any]:
        """The schedule's state, as its entry of a checkpoint."""
        return self.state.to_dict()

    def _position(self, epoch: int) -> tuple[int, Phase, int]:
        """(phase index, phase, epoch within it) of ``epoch``."""
        start = 0
        for index, phase in enumerate(self.phases):
            if epoch < start + phase.epochs:
                return index, phase, epoch - start
            start += phase.epochs
        return len(self.phases) - 1, self.phases[-1], self.phases[-1].epochs

    def _phase_end(self, index: int) -> int:
        return sum(p.epochs for p in self.phases[:index + 1])

    def begin_epoch(self, epoch: int, batch: int) -> EpochStart:
        """Before ``epoch`` runs from ``batch``: a phase that starts here gets fresh patience
        (and, from the loop, new trainable layers and a fresh optimizer); a cosine schedule
        sets the epoch's learning rate unless the epoch is resumed midway."""
        _, phase, in_phase = self._position(epoch)
        fresh = batch == 0
        enters = in_phase == 0 and fresh
        if enters:
            self.state = ScheduleState(Watcher(self.config.patience))
        phase_lr = self.config.learning_rate * phase.lr_scale
        learning_rate = (scheduled_lr(self.config, phase_lr, in_phase, phase.epochs)
                         if self.config.lr_schedule == "cosine" and fresh else None)
        return EpochStart(phase, enters, phase_lr, learning_rate)

    def end_epoch(self, epoch: int, record: dict[str, Any], spent_seconds: float,
                  epoch_seconds: float) -> EpochEnd:
        """After ``epoch`` (its ``record``; ``spent_seconds``: the run's training time so far;
        ``epoch_seconds``: a full epoch as this one went): early stopping, plateau, the budget
        and the end of a phase."""
        config, index = self.config, self._position(epoch)[0]
        improved, stop_phase, reduce = self.state.watcher.update(epoch, record["val_loss"])
        learning_rate = (max(record["learning_rate"] * PLATEAU_FACTOR, config.learning_rate * 1e-3)
                         if reduce and config.lr_schedule == "plateau" else None)
        done = epoch + 1
        replanned = (self._keep_within(done, spent_seconds, record["seconds"], epoch_seconds)
                     if self.max_minutes is not None else None)
        if replanned:
            self.phases = plan_phases(replace(config, epochs=self.epochs))
        phase_end = self._phase_end(index)
        return EpochEnd(keep_weights=improved and config.restore_best_weights,
                        learning_rate=learning_rate,
                        restore_best=stop_phase or done == phase_end,
                        next_epoch=phase_end if stop_phase else done,
                        epochs=self.epochs, replanned=replanned)

    def _keep_within(self, done: int, spent_seconds: float, last_seconds: float,
                     epoch_seconds: float) -> str | None:
        """Fit the run's length to the budget, ``done`` epochs in: plan it after the first
        epoch, cut it short when epochs turn slower. Why the length changed, or None when it
        did not."""
        budget, asked = 60 * self.max_minutes, self.config.epochs
        if done == 1:
            self.epochs = epochs_within(budget, spent_seconds, epoch_seconds, asked)
            return (f"a budget of {self.max_minutes:g} min fits {self.epochs} of {asked} "
                    f"epochs (about {epoch_seconds:.0f} s each)")
        if done < self.epochs and overruns(budget, spent_seconds, last_seconds):
            self.epochs = done  # the loop's end restores the best weights, if kept
            return (f"epochs got slower than planned: stopping after epoch {done} to "
                    f"keep within the {self.max_minutes:g} min budget")
        return None
