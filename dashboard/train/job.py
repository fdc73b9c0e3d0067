"""One training run at a time, process-wide, in a background thread the pages poll.

A Streamlit script must never block for the minutes a run takes, and a run must survive the page
being left or reloaded; so the run lives in a thread owned by the module-level :data:`JOB`, and
:class:`RecordingProgress` copies its events into a snapshot that any session can read.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from fer_core.data import Dataset
from fer_core.errors import FerError, WeightsUnavailable
from fer_core.paths import cache_dir
from fer_core.store import ModelStore
from fer_core.training import Progress, RunPlan, TrainingStopped, train_model

State = Literal["idle", "running", "done", "reused", "stopped", "failed"]
LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Request:
    """What was asked for: kept so that a stopped run can be resumed with the same settings."""

    family: str
    name: str
    overrides: dict[str, Any]
    dataset: Dataset = field(repr=False)
    force: bool = False
    init_from: str | None = None
    max_minutes: float | None = None
    replaces: str | None = None
    """A stored model the user asked to replace: the run is stored under ``name`` (a free
    one), and the page offers to put it in place of ``replaces`` once both can be compared."""
    scratch: bool = False
    """A demonstration: stored in the cache's scratch store (:func:`demo_store`), replacing the
    last demo of its name, never in ``models/`` where it would sit beside real models."""

    @property
    def store(self) -> ModelStore:
        """Where the run is stored."""
        return demo_store() if self.scratch else ModelStore()


def demo_store() -> ModelStore:
    """The store of demonstration runs, in the project's ignored cache."""
    return ModelStore(cache_dir("demo_models"))


@dataclass(frozen=True)
class Snapshot:
    """Where the run stands, copied out under the lock so a page never sees half an update."""

    state: State = "idle"
    request: Request | None = None
    plan: RunPlan | None = None
    epoch: int = 0
    batch: int = 0
    batch_logs: dict[str, float] = field(default_factory=dict)
    history: tuple[dict[str, Any], ...] = ()
    message: str = ""
    stored: str | None = None
    needs_weights: bool = False
    evaluation: tuple[int, int, str] | None = None
    """After the last epoch: (passes done, passes in all, which) over the test split."""

    @property
    def running(self) -> bool:
        return self.state == "running"

    @property
    def fraction(self) -> float:
        """Share of all the run's batches done, 0..1."""
        if self.plan is None or not self.plan.batches_per_epoch:
            return 0.0
        done = self.epoch * self.plan.batches_per_epoch + self.batch
        return min(1.0, done / (self.plan.epochs * self.plan.batches_per_epoch))


class RecordingProgress(Progress):
    """Training events folded into the job's snapshot (called from the training thread)."""

    def __init__(self, job: TrainingJob) -> None:
        self.job = job

    def on_run_begin(self, plan: RunPlan) -> None:
        self.job.update(plan=plan, epoch=plan.start_epoch, batch=plan.start_batch)

    def on_replan(self, plan: RunPlan, reason: str) -> None:
        self.job.update(plan=plan, message=reason)

    def on_batch_end(self, epoch: int, batch: int, logs: dict[str, float]) -> None:
        self.job.update(epoch=epoch, batch=batch + 1, batch_logs=dict(logs))

    def on_epoch_end(self, record: dict[str, Any]) -> None:
        self.job.update(epoch=record["epoch"], batch=0,
                        history=self.job.snapshot().history + (dict(record),))

    def on_evaluation(self, done: int, total: int, what: str) -> None:
        self.job.update(evaluation=(done, total, what))


class TrainingJob:
    """The process's one training slot: start, stop, and a snapshot to poll."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._snapshot = Snapshot()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def snapshot(self) -> Snapshot:
        with self._lock:
            return self._snapshot

    def update(self, **changes: Any) -> None:
        with self._lock:
            self._snapshot = replace(self._snapshot, **changes)

    def start(self, request: Request, resume: bool = False) -> bool:
        """Start a run in the background; False when one is already running."""
        with self._lock:
            if self._snapshot.running:
                return False
            self._stop.clear()
            self._snapshot = Snapshot(state="running", request=request)
            self._thread = threading.Thread(target=self._run, args=(request, resume),
                                            name="fer-training", daemon=True)
        self._thread.start()
        return True

    def stop(self) -> None:
        """Ask the run to stop after the current batch (it saves a checkpoint first)."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set() and self.snapshot().running

    def _run(self, request: Request, resume: bool) -> None:
        try:
            # held for the run's life: another server or `fer train` asking for the name is
            # refused ("a run is already training NAME"), and so is this run if one holds it
            with request.store.training_lock(request.name):
                stored, reused = train_model(
                    request.family, request.dataset, overrides=request.overrides,
                    name=request.name, resume=resume, force=request.force,
                    init_from=request.init_from, max_minutes=request.max_minutes,
                    progress=RecordingProgress(self), stop=self._stop, store=request.store,
                    replace=request.scratch, allow_protected=False)
            self.update(state="reused" if reused else "done", stored=stored.name)
        except TrainingStopped:
            self.update(state="stopped", message="Stopped. The run's checkpoint is saved: "
                                                 "Resume continues exactly where it stopped.")
        except FerError as exc:
            self.update(state="failed", message=str(exc),
                        needs_weights=isinstance(exc, WeightsUnavailable))
        except Exception as exc:  # a bug: the page must still leave the running state
            LOG.exception("training failed")
            self.update(state="failed", message=f"Training failed unexpectedly: {exc!r}")


JOB = TrainingJob()
