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

:data:`SHARED` makes such work happen once, owned by the process rather than by a page run: the
first session to ask starts it on a thread of its own, every session (the first included) watches
its progress and reads its result. A visitor who leaves, is stopped or closes the browser takes
nothing with them: no lock, no half-done work.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from contextlib import AbstractContextManager, contextmanager
from typing import Callable, Hashable, Iterator

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

    def crowded(self) -> bool:
        """Whether the model is in use or asked for: work that can be skipped (a live frame)
        should be, rather than queue."""
        with self._changed:
            return self._busy or bool(self._waiting)

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


class Job:
    """Work the server process does once for every session that asks: on a thread of its own,
    so it finishes whether or not the session that started it stays, and no session holds
    anything while it waits. Waiters read :attr:`done`, :attr:`total` and :meth:`seconds_left`
    for their progress bar, and :meth:`outcome` for the result or the error, the same for all."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.done, self.total = 0, 0
        self.elsewhere = False
        """Whether another server process is doing this work (this one waits for its file)."""
        self._began = time.monotonic()
        self._finished = threading.Event()
        self._result: object = None
        self._error: BaseException | None = None

    def progress(self, done: int, total: int, elsewhere: bool = False) -> None:
        """How far the work is; ``elsewhere``: as told by another server doing it."""
        if self.elsewhere and not elsewhere:  # that one died: this one computes, from zero
            self._began = time.monotonic()
        self.done, self.total, self.elsewhere = done, total, elsewhere

    def seconds_left(self) -> float | None:
        """A linear estimate from the pace so far; None before the first step is done."""
        if not self.done or not self.total:
            return None
        return (time.monotonic() - self._began) / self.done * (self.total - self.done)

    def wait(self, timeout: float) -> bool:
        """True once the job has finished, well or not; else after ``timeout`` seconds."""
        return self._finished.wait(timeout)

    @property
    def failed(self) -> bool:
        return self._finished.is_set() and self._error is not None

    def outcome(self) -> object:
        """The job's result, or its error raised again in the caller's thread (each waiter's
        page shows it); waits for the job to finish."""
        self._finished.wait()
        if self._error is not None:
            raise self._error
        return self._result

    def run(self, work: Callable[[Callable[[int, int], None]], object]) -> None:
        try:
            self._result = work(self.progress)
        except BaseException as exc:  # every failure reaches every waiter, none is lost
            self._error = exc
        finally:
            self._finished.set()


class SharedJobs:
    """The process's jobs by key: the first session to ask starts one, every later one gets the
    same job to watch. A job that failed is started afresh by the next ask (a retry); one that
    finished keeps its result, which later sessions read at once."""

    def __init__(self) -> None:
        self._jobs: dict[Hashable, Job] = {}
        self._lock = threading.Lock()

    def start(self, key: Hashable, name: str,
              work: Callable[[Callable[[int, int], None]], object]) -> Job:
        """The job for ``key``, started now (``work(progress)`` on its own thread) unless one is
        running or done."""
        with self._lock:
            job = self._jobs.get(key)
            if job is None or job.failed:
                job = self._jobs[key] = Job(name)
                threading.Thread(target=job.run, args=(work,), name=f"job {name}",
                                 daemon=True).start()
            return job


MODEL_TIME = TurnLock()
SHARED = SharedJobs()
