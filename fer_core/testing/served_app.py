"""The dashboard served for the tests and the benchmarks: ``streamlit run dashboard/app.py`` in
a subprocess on a free localhost port, answered once its health check says ``ok``; or a school
of replicas behind nginx (``fer serve``), answered once it says which URL to open."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from fer_core.paths import PROJECT_ROOT, cache_dir
from fer_core.serving.processes import free_port, healthy
from fer_core.serving.replicas import streamlit_command

START_TIMEOUT = 180  # seconds: TensorFlow starts slowly on a busy CPU


@contextmanager
def local_app(env: dict[str, str] | None = None,
              log: Path | None = None) -> Iterator[tuple[str, int]]:
    """The dashboard on a free localhost port, its output in ``log``; its URL and process id."""
    port = free_port()
    output = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115  closed below
    server = subprocess.Popen(
        streamlit_command(port), cwd=PROJECT_ROOT, env={**os.environ, **(env or {})},
        stdout=output, stderr=subprocess.STDOUT)
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


@dataclass
class School:
    """``fer serve`` running: the URL to open, its process and its output so far."""

    url: str
    process: subprocess.Popen
    log: Path

    def said(self) -> str:
        return self.log.read_text(errors="replace")

    def replicas(self) -> dict[int, int]:
        """Each replica's port and process id, as ``fer serve`` last said it came up."""
        return {int(port): int(pid) for port, pid in
                re.findall(r"replica on port (\d+) \(pid (\d+)\) up", self.said())}


@contextmanager
def local_school(replicas: int, env: dict[str, str] | None = None,
                 log: Path | None = None) -> Iterator[School]:
    """``fer serve --replicas N`` on a free localhost port, its output in ``log`` (default: a
    file in its run folder); stopped by SIGINT, as Ctrl-C stops it."""
    port = free_port()
    log = log or cache_dir("serve", str(port)) / "fer-serve.log"
    with open(log, "w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "fer_core", "serve", "--replicas", str(replicas), "--port",
             str(port)], cwd=PROJECT_ROOT, env={**os.environ, **(env or {})}, stdout=output,
            stderr=subprocess.STDOUT)
    school = School(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + START_TIMEOUT + 60
        while not re.search(r"^\S+ open http", school.said(), re.MULTILINE):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"fer serve did not come up:\n{school.said()[-3000:]}")
            time.sleep(0.5)
        yield school
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
