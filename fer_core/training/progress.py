"""How a training run reports progress: the CLI draws a bar, the dashboard a live chart."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tqdm import tqdm


@dataclass(frozen=True)
class RunPlan:
    """What a run is about to do: for a progress display to size itself and estimate the end."""

    name: str
    epochs: int
    batches_per_epoch: int
    start_epoch: int
    start_batch: int


class Progress:
    """Receives training events; every method is optional. Subclass and override what you show.

    ``logs`` of a batch hold the running ``loss`` and ``accuracy`` of the epoch so far; an epoch's
    ``record`` is the row that goes into ``history.json``.
    """

    def on_teacher(self, done: int, total: int, member: str) -> None:
        """Before training, a distilling run's teacher sees the training faces: member ``done``
        of ``total`` (``member``: its name), each face in ten crops."""

    def on_run_begin(self, plan: RunPlan) -> None: ...

    def on_replan(self, plan: RunPlan, reason: str) -> None:
        """The run's length changed (a time budget cut it) for ``reason``."""

    def on_batch_end(self, epoch: int, batch: int, logs: dict[str, float]) -> None: ...

    def on_epoch_end(self, record: dict[str, Any]) -> None: ...

    def on_run_end(self) -> None: ...

    def on_evaluation(self, done: int, total: int, what: str) -> None:
        """The trained model is being measured on the test split: pass ``done`` of ``total``
        (``what``: plain, flip or tencrop)."""


class ConsoleProgress(Progress):
    """A tqdm bar per epoch with ETA, and one summary line per finished epoch."""

    def __init__(self) -> None:
        self._bar: tqdm | None = None
        self._plan: RunPlan | None = None

    def on_teacher(self, done: int, total: int, member: str) -> None:
        print(f"the teacher's ten-crop probabilities of the training faces: member {done + 1} "
              f"of {total} ({member})", flush=True)

    def on_run_begin(self, plan: RunPlan) -> None:
        self._plan = plan
        resuming = plan.start_epoch or plan.start_batch
        print(f"training {plan.name}: {plan.epochs} epochs x {plan.batches_per_epoch} batches"
              + (f", resuming at epoch {plan.start_epoch + 1}" if resuming else ""))

    def on_replan(self, plan: RunPlan, reason: str) -> None:
        self._close_bar()
        self._plan = plan
        print(f"{plan.name}: {reason}")

    def on_batch_end(self, epoch: int, batch: int, logs: dict[str, float]) -> None:
        if self._bar is None:
            self._bar = tqdm(total=self._plan.batches_per_epoch, initial=batch,
                             desc=f"epoch {epoch + 1}/{self._plan.epochs}", unit="batch",
                             leave=False)
        self._bar.update(1)
        self._bar.set_postfix(loss=f"{logs['loss']:.3f}", acc=f"{logs['accuracy']:.3f}",
                              refresh=False)

    def on_epoch_end(self, record: dict[str, Any]) -> None:
        self._close_bar()
        print(f"epoch {record['epoch']}/{self._plan.epochs}: loss {record['loss']:.4f} "
              f"acc {record['accuracy']:.4f} val_loss {record['val_loss']:.4f} "
              f"val_acc {record['val_accuracy']:.4f} lr {record['learning_rate']:.2e} "
              f"({record['seconds']:.0f}s)")

    def on_run_end(self) -> None:
        self._close_bar()

    def on_evaluation(self, done: int, total: int, what: str) -> None:
        print(f"evaluating on the test split: pass {done + 1} of {total} ({what})", flush=True)

    def _close_bar(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
