"""Training phases (frozen / gradual unfreezing), learning-rate schedules and early stopping.

Their state is plain data, saved in every checkpoint, so a resumed run continues exactly where it
stopped instead of resetting its patience counters.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import keras
import numpy as np

from ..errors import ModelError
from ..models.transfer import BACKBONES, SCHEDULES
from .config import TrainConfig

FINE_TUNE_LR_SCALE = 0.1
PLATEAU_FACTOR = 0.5
PLATEAU_PATIENCE = 3


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
