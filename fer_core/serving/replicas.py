"""Replicas of the dashboard: ``streamlit run dashboard/app.py``, each a process of its own on a
localhost port, sharing nothing but the files (the model store, read as it is; the cache).

A replica is *starting* until its health check first answers, then *up*; the supervisor
(:meth:`Replica.check`, every few seconds) restarts, on the same port, one whose process exited,
one that stopped answering for several checks in a row, and one that never came up in time.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from ..paths import PROJECT_ROOT
from .processes import healthy, start_group, stop_groups

START_TIMEOUT = 180  # seconds: TensorFlow starts slowly on a busy CPU
HEALTH_TIMEOUT = 10  # seconds: a replica busy with a class answers late, not never
MISSES_BEFORE_RESTART = 3  # checks in a row without an answer


def streamlit_command(port: int, address: str = "127.0.0.1") -> list[str]:
    """The dashboard served headless on ``address:port``, as the project runs it."""
    return [sys.executable, "-m", "streamlit", "run", "dashboard/app.py", "--server.headless",
            "true", "--server.port", str(port), "--server.address", address,
            "--server.fileWatcherType", "none"]


class Replica:
    """One Streamlit process of the dashboard on ``127.0.0.1:port``, its output in ``log``."""

    def __init__(self, port: int, log: Path) -> None:
        self.port, self.log = port, log
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None
        self.started = self.up_since = 0.0
        self.misses = self.restarts = 0

    def start(self) -> None:
        self.process = start_group(streamlit_command(self.port), self.log, cwd=PROJECT_ROOT)
        self.started, self.up_since, self.misses = time.monotonic(), 0.0, 0

    @property
    def up(self) -> bool:
        return self.up_since > 0

    def exit_status(self) -> int | None:
        """The process's exit status once it exited (a signal as its negative), else None."""
        return self.process.poll() if self.process else None

    def check(self) -> str | None:
        """One round of the watch: why the replica needs a restart, or None. Marks it up when
        it first answers."""
        status = self.exit_status()
        if status is not None:
            how = f"signal {-status}" if status < 0 else f"status {status}"
            return f"exited ({how})"
        answered = healthy(self.url, HEALTH_TIMEOUT)
        if answered:
            self.misses = 0
            if not self.up:
                self.up_since = time.monotonic()
            return None
        if not self.up:
            late = time.monotonic() - self.started > START_TIMEOUT
            return f"did not answer in {START_TIMEOUT} s" if late else None
        self.misses += 1
        if self.misses >= MISSES_BEFORE_RESTART:
            return f"stopped answering ({self.misses} health checks in a row)"
        return None

    def restart(self) -> None:
        self.stop()
        self.restarts += 1
        self.start()

    def stop(self, grace: float = 10) -> None:
        if self.process is not None:
            stop_groups([self.process], grace)

    def last_words(self, characters: int = 2000) -> str:
        """The end of the replica's log."""
        try:
            return self.log.read_text(errors="replace")[-characters:]
        except OSError:
            return ""
