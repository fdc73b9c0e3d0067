"""One model computation at a time in the server process, the earliest click first.

Sessions are threads of one process. On a 2-core server, several sessions running TensorFlow
at once only slow each other down (each op's thread pool wants both cores, and they thrash);
taken in turn, each computation finishes sooner and the total is no larger, so a class waits
less. Only work that calls a model takes the lock; drawing the page does not.

The order of the turns matters as much. A plain lock goes to any waiter: ten sessions' faces,
each a few computations (one per model), interleave, and every face is finished near the end.
:data:`MODEL_TIME` goes to the waiting computation whose script run began first, so faces
finish one after another, as at a counter: the first in about a second, the tenth in about
ten, instead of all ten in about ten. A face's predictions take milliseconds; taken with
``MODEL_TIME.quick`` they go ahead of every waiting map, so each student reads what the models
say at once, and the maps follow in turn.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from contextlib import contextmanager
from typing import Iterator

_run = threading.local()


def begin_turn() -> None:
    """Mark the start of this thread's script run: its computations queue from now."""
    _run.started = time.monotonic()


class TurnLock:
    """A lock that serves its waiters in the order their script runs began (threads that never
    called :func:`begin_turn` queue from when they ask), quick work (:attr:`quick`) first."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._busy = False
        self._waiting: list[tuple[bool, float, int]] = []
        self._arrivals = itertools.count()

    def runs_ahead(self) -> int:
        """How many other script runs' computations go before the next one of this run: the
        one holding the model, and those waiting that began earlier (or are quick)."""
        mine = getattr(_run, "started", None) or time.monotonic()
        with self._changed:
            return int(self._busy) + sum(1 for slow, started, _ in self._waiting
                                         if not slow or started < mine)

    def acquire(self, quick: bool = False) -> None:
        turn = (not quick, getattr(_run, "started", None) or time.monotonic(),
                next(self._arrivals))
        with self._changed:
            heapq.heappush(self._waiting, turn)
            while self._busy or self._waiting[0] != turn:
                self._changed.wait()
            heapq.heappop(self._waiting)
            self._busy = True

    def release(self) -> None:
        with self._changed:
            self._busy = False
            self._changed.notify_all()

    def __enter__(self) -> TurnLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    @property
    @contextmanager
    def quick(self) -> Iterator[None]:
        """The lock for a computation of milliseconds: ahead of every waiting slow one."""
        self.acquire(quick=True)
        try:
            yield
        finally:
            self.release()


MODEL_TIME = TurnLock()
