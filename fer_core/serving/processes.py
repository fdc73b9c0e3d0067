"""Processes the server starts and must stop: each in a process group of its own (so that a
stop reaches everything it started, and a Ctrl-C at the terminal reaches only the supervisor,
which stops them in order), killed by the kernel if the supervisor itself dies."""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Sequence

PR_SET_PDEATHSIG = 1


def free_port(address: str = "127.0.0.1") -> int:
    """A port on ``address`` that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind((address, 0))
        return probe.getsockname()[1]


def healthy(url: str, timeout: float = 2) -> bool:
    """Whether the Streamlit app at ``url`` answers its health check (``/_stcore/health``)."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=timeout) as reply:
            return reply.read() == b"ok"
    except OSError:
        return False


def listening(address: str, port: int) -> bool:
    """Whether something accepts connections on ``address:port`` (any address: localhost)."""
    host = "127.0.0.1" if address in ("0.0.0.0", "") else address
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _die_with_parent() -> None:  # pragma: no cover  (runs in the child, before exec)
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass  # not Linux: the supervisor's own stop is the only one


def start_group(command: Sequence[str], log: Path, cwd: Path | None = None,
                env: dict[str, str] | None = None) -> subprocess.Popen:
    """``command`` in a new session (its own process group), its output appended to ``log``,
    sent SIGTERM by the kernel should this process die without stopping it."""
    with open(log, "ab") as output:
        return subprocess.Popen(list(command), cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=output, stderr=subprocess.STDOUT,
                                start_new_session=True, preexec_fn=_die_with_parent)


def signal_group(process: subprocess.Popen, sig: int) -> None:
    """``sig`` to every process of ``process``'s group (none left: nothing to do)."""
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def stop_groups(processes: Sequence[subprocess.Popen], grace: float = 10,
                sig: int = signal.SIGTERM) -> None:
    """Stop every group at once: ``sig``, up to ``grace`` seconds to exit, then SIGKILL; each
    process reaped, and its group killed in case a child outlived it."""
    for process in processes:
        signal_group(process, sig)
        signal_group(process, signal.SIGCONT)  # a stopped process gets its signal too
    deadline = time.monotonic() + grace
    for process in processes:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            signal_group(process, signal.SIGKILL)
            process.wait()
        signal_group(process, signal.SIGKILL)  # anything the process left in its group
