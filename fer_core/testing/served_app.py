"""The dashboard served for the tests and the benchmarks: ``streamlit run dashboard/app.py`` in
a subprocess on a free localhost port, answered once its health check says ``ok``."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from fer_core.paths import PROJECT_ROOT

START_TIMEOUT = 180  # seconds: TensorFlow starts slowly on a busy CPU


def free_port() -> int:
    """A localhost port that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def local_app(env: dict[str, str] | None = None,
              log: Path | None = None) -> Iterator[tuple[str, int]]:
    """The dashboard on a free localhost port, its output in ``log``; its URL and process id."""
    port = free_port()
    output = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115  closed below
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard/app.py", "--server.headless",
         "true", "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.fileWatcherType", "none"],
        cwd=PROJECT_ROOT, env={**os.environ, **(env or {})}, stdout=output,
        stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not healthy(url):
            said = log.read_text()[-3000:] if log else ""
            if server.poll() is not None:
                raise RuntimeError(f"the app exited:\n{said}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the app did not answer in {START_TIMEOUT} s:\n{said}")
            time.sleep(0.5)
        yield url, server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)
        if log:
            output.close()


def healthy(url: str) -> bool:
    """Whether the app at ``url`` answers its health check."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
            return reply.read() == b"ok"
    except OSError:
        return False
