"""Where a run stands (:class:`RunState`) and its checkpoint in the run's folder.

A checkpoint is the model with its optimizer, the best weights so far, the random-number states
of the model's random layers, and ``state.json``: the loop's :class:`RunState` with the
schedule's own state as one entry. It is written atomically, so a run killed at any moment
leaves the previous checkpoint whole.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np

from ..atomic import atomic_path
from ..errors import ModelError

CHECKPOINT = "checkpoint"


@dataclass
class RunState:
    """Where a run stands: its length, the next epoch and batch to run, its history, its
    training seconds and the running means of the epoch in progress.

    ``epochs`` is the run's length: the config's, unless the time budget cut it.
    """

    epochs: int
    epoch: int = 0
    batch: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    running: dict[str, float] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.epoch >= self.epochs

    def add_batch(self, logs: dict[str, Any], size: int) -> dict[str, float]:
        """Fold one batch into the epoch's running means (``train_on_batch`` reports the batch
        alone) and return those means."""
        count = self.running.get("count", 0) + size
        for key in ("loss", "accuracy"):
            self.running[key] = self.running.get(key, 0.0) + float(logs[key]) * size
        self.running["count"] = count
        return {key: self.running[key] / count for key in ("loss", "accuracy")}

    def add_epoch(self, record: dict[str, Any], seconds: float) -> None:
        """Record a finished epoch; the next one starts at its first batch."""
        self.history.append(record)
        self.seconds += seconds
        self.batch, self.running = 0, {}


@dataclass
class Checkpoint:
    """What a run goes on from: its model (with its optimizer), best weights so far (None when
    none were kept), state, and the schedule's saved state (None for a new run)."""

    model: keras.Model
    best: list[np.ndarray] | None
    state: RunState
    schedule: dict[str, Any] | None


def _seed_states(model: keras.Model) -> list:
    """The random-number states of dropout and augmentation layers.

    ``model.save`` does not keep them; without them a resumed run would draw other dropout masks
    and augmentations than an uninterrupted one.
    """
    return [v for v in model.non_trainable_variables if v.path.endswith("seed_generator_state")]


def save_checkpoint(run_dir: Path, checkpoint: Checkpoint) -> None:
    with atomic_path(run_dir / CHECKPOINT) as staged:
        staged.mkdir()
        checkpoint.model.save(staged / "model.keras")
        if checkpoint.best is not None:
            np.savez(staged / "best.npz", *checkpoint.best)
        seeds = [keras.ops.convert_to_numpy(v) for v in _seed_states(checkpoint.model)]
        np.savez(staged / "seeds.npz", *seeds)
        state = {**asdict(checkpoint.state), "schedule": checkpoint.schedule}
        (staged / "state.json").write_text(json.dumps(state))


def _load_arrays(path: Path) -> list[np.ndarray] | None:
    if not path.is_file():
        return None
    with np.load(path) as stored:
        return [stored[f"arr_{i}"] for i in range(len(stored.files))]


def _read_state(text: str) -> tuple[RunState, dict[str, Any]]:
    """The run's state and the schedule's entry of a ``state.json``.

    Checkpoints written before the schedule had its own entry hold its watcher beside the run's
    fields (None at a phase's end); runs in progress then still resume.
    """
    stored = json.loads(text)
    schedule = stored.pop("schedule", None)
    if schedule is None:
        schedule = {"watcher": stored.pop("watcher", None)}
    return RunState(**stored), schedule


def load_checkpoint(run_dir: Path) -> Checkpoint | None:
    """The checkpoint of the run in ``run_dir``, if it has one."""
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
    state, schedule = _read_state((folder / "state.json").read_text())
    return Checkpoint(model, best, state, schedule)


def discard_checkpoint(run_dir: Path) -> None:
    shutil.rmtree(run_dir, ignore_errors=True)
