"""Work done once for every process that shares a folder: several servers of one class.

A result that takes minutes (the Emotions page's averages over the test split) is kept as a file
of the cache. With several servers of the app (replicas on one machine, or on several machines
whose ``FER_CACHE_DIR`` is one shared folder), :func:`computed_once` has one of them compute it
while the others wait for its file:

- a lock file beside the result (``<file>.lock``) is taken with ``flock``, without blocking;
- the process that gets it looks for the result again (it may have just been written), else
  computes it, writes it atomically (a reader sees the whole file or none) and lets go;
- the others poll for the file, reading the holder's progress from the lock file, and try the
  lock again each time: a holder that died (killed, out of memory, its machine rebooted) lost
  its lock with its process, so a waiter takes over; one that failed let go, so the work is
  tried again.

A holder removes its lock file as it lets go, so none is left behind but a dead holder's (taken
and removed by the next); a process that opened the file just before is not fooled, as it
checks, once it has the lock, that the file it holds is still the one of that name.

The same lock, held for a training run's life, keeps two runs from writing one model name
(:meth:`fer_core.store.ModelStore.training_lock`). ``flock`` holds across machines where the
shared filesystem carries it (NFS on Linux does, as byte-range locks); where there is no
``fcntl`` (Windows) each process computes for itself, as one server would.
"""

from __future__ import annotations

import os
import socket
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, TypeVar

from .atomic import atomic_path

try:
    import fcntl
except ImportError:  # Windows: no flock; one process, one computation
    fcntl = None  # type: ignore[assignment]

T = TypeVar("T")
Progress = Callable[[int, int], None]
POLL = 0.5
"""Seconds between two looks of a waiting process at the result and the lock."""


def lock_path(path: Path) -> Path:
    """The lock file of ``path``: ``<file>.lock`` beside it."""
    return path.with_name(path.name + ".lock")


def holder() -> str:
    """Who holds a lock, in words: this process and machine."""
    return f"process {os.getpid()} on {socket.gethostname()}"


def _try_lock(fd: int, shared: bool = False) -> bool:
    try:
        fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _note(fd: int, text: str) -> None:
    """Write ``text`` over the lock file's content (what the others read of the holder)."""
    data = text.encode()
    os.pwrite(fd, data, 0)
    os.ftruncate(fd, len(data))


def _take(path: Path) -> int | None:
    """An open descriptor of lock file ``path`` that holds its lock, or None when another
    process holds it. A file its last holder removed after this process opened it is not the
    lock any more: the new one is tried instead."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        if not _try_lock(fd):
            os.close(fd)
            return None
        try:
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)


@contextmanager
def exclusive(path: Path, note: str = "") -> Iterator[Callable[[str], None] | None]:
    """Try to take lock file ``path`` without waiting: yield None when another process holds
    it, else a function that writes a note there for the others to read (``note`` is written at
    once). The lock is held until the block ends, when the file is removed (no lock file
    outlives its holder but a dead one's), or until the process dies."""
    if fcntl is None:
        yield lambda text: None
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = _take(path)
    if fd is None:
        yield None
        return
    try:
        if note:
            _note(fd, note)
        yield lambda text: _note(fd, text)
    finally:
        path.unlink(missing_ok=True)  # while held: whoever opened it meanwhile tries anew
        os.close(fd)  # releases the lock


def held(path: Path) -> bool:
    """Whether a process holds lock file ``path`` now (a look that takes nothing: a shared lock
    for an instant, which no holder's exclusive one allows)."""
    if fcntl is None:
        return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        return not _try_lock(fd, shared=True)
    finally:
        os.close(fd)


def read_note(path: Path) -> str:
    """What the holder of lock file ``path`` wrote there ('' when none or unreadable)."""
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""


def _progress(path: Path) -> tuple[int, int]:
    """The holder's ``done total`` from its lock file, (0, 0) before it said any."""
    try:
        done, total = (int(part) for part in read_note(path).split()[:2])
    except ValueError:
        return 0, 0
    return done, total


def _read_bytes(path: Path) -> bytes:
    return path.read_bytes()


def _write_bytes(value: bytes, path: Path) -> None:
    path.write_bytes(value)


def computed_once(path: str | Path, compute: Callable[[Progress], T], *,
                  read: Callable[[Path], T] = _read_bytes,
                  write: Callable[[T, Path], None] = _write_bytes,
                  waiting: Progress | None = None, poll: float = POLL) -> T:
    """The content of ``path`` (``read(path)``), computed by ``compute(progress)`` and written
    (``write(value, staged_path)``, moved into place atomically) by the first process to ask,
    however many ask at once. The others wait, ``waiting(done, total)`` hearing every ``poll``
    seconds of the holder's ``progress(done, total)`` (0, 0 before its first word), then read
    the file; a waiter takes over from a holder that died or failed."""
    path, lock = Path(path), lock_path(Path(path))
    while not path.is_file():
        with exclusive(lock) as note:
            if note is not None and not path.is_file():  # else: written since the last look
                value = compute(lambda done, total: note(f"{done} {total}\n"))
                with atomic_path(path) as staged:
                    write(value, staged)
                return value  # the lock is let go only now: whoever takes it finds the file
        if path.is_file():
            break
        if waiting is not None:
            waiting(*_progress(lock))
        time.sleep(poll)
    return read(path)
