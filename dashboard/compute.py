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
say at once, and the maps follow in turn. Work of minutes, done once for everybody (a page's
averages over the test split), takes ``MODEL_TIME.background`` a batch at a time: it runs
whenever nobody else waits, so it never holds up a face.

:data:`SHARED` makes such work happen once: the first session to ask does it, the others wait
for it and then read what it left in the cache.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Hashable, Iterator

_run = threading.local()


def begin_turn() -> None:
    """Mark the start of this thread's script run: its computations queue from now."""
    _run.started = time.monotonic()


QUICK, CLICK, BACKGROUND = 0, 1, 2
"""The kinds of turn, served in this order: milliseconds, a click's work, batches of a long job."""


class TurnLock:
    """A lock that serves its waiters by kind (:attr:`quick`, plain, :attr:`background`), then in
    the order their script runs began (threads that never called :func:`begin_turn` queue from
    when they ask)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._busy = False
        self._waiting: list[tuple[int, float, int]] = []
        self._arrivals = itertools.count()

    def runs_ahead(self) -> int:
        """How many other script runs' computations go before the next click of this run: the
        one holding the model, and those waiting that are quick or began earlier."""
        mine = (CLICK, getattr(_run, "started", None) or time.monotonic())
        with self._changed:
            return int(self._busy) + sum(1 for kind, started, _ in self._waiting
                                         if (kind, started) < mine)

    def acquire(self, kind: int = CLICK) -> None:
        turn = (kind, getattr(_run, "started", None) or time.monotonic(), next(self._arrivals))
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

    @contextmanager
    def _turn(self, kind: int) -> Iterator[None]:
        self.acquire(kind)
        try:
            yield
        finally:
            self.release()

    @property
    def quick(self) -> AbstractContextManager[None]:
        """The lock for a computation of milliseconds: ahead of every waiting slow one."""
        return self._turn(QUICK)

    @property
    def background(self) -> AbstractContextManager[None]:
        """The lock for one batch of a long job: behind every waiting click."""
        return self._turn(BACKGROUND)


class SharedWork:
    """Work that many sessions may ask for at once and that one of them should do, the others
    waiting for it (and then finding its result in a cache)."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, threading.Lock] = {}

    @contextmanager
    def once(self, key: Hashable,
             while_waiting: AbstractContextManager[object] = nullcontext()) -> Iterator[None]:
        """Hold ``key``'s work; where another session holds it, wait inside ``while_waiting``
        (a spinner, say) until it is done."""
        lock = self._locks.setdefault(key, threading.Lock())  # atomic: one lock per key
        if not lock.acquire(blocking=False):
            with while_waiting:
                lock.acquire()
        try:
            yield
        finally:
            lock.release()


MODEL_TIME = TurnLock()
SHARED = SharedWork()
