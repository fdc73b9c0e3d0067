"""The whole school on one machine: N replicas, nginx in front, a watch every few seconds, and
a clean stop (Ctrl-C or SIGTERM: nginx, then every replica, nothing left behind)."""

from __future__ import annotations

import os
import signal
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

from ..errors import FerError
from ..paths import cache_dir
from .nginx import Nginx, check_port_free, nginx_binary
from .processes import free_port, stop_groups
from .replicas import START_TIMEOUT, Replica

CHECK_EVERY = 5  # seconds between two rounds of health checks


def default_replicas() -> int:
    """One replica per two cores (a model computation uses two best), at least one."""
    return max(1, (os.cpu_count() or 1) // 2)


def _say(line: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {line}", flush=True)


def run_folder(port: int) -> Path:
    """This server's files: ``<cache>/serve/<port>/`` (one folder per balancer port)."""
    return cache_dir("serve", str(port))


def serve(replicas: int, port: int, address: str, say: Callable[[str], None] = _say) -> None:
    """Serve the dashboard with ``replicas`` replicas behind nginx on ``address:port`` until
    SIGINT or SIGTERM."""
    if replicas < 1:
        raise FerError("--replicas must be at least 1")
    nginx_binary()  # before anything starts: a missing nginx is one plain line
    check_port_free(address, port)
    folder = run_folder(port)
    ports = sorted({free_port() for _ in range(replicas * 4)} - {port})[:replicas]
    if len(ports) < replicas:
        raise FerError(f"found only {len(ports)} free ports for {replicas} replicas")
    school = [Replica(p, folder / f"replica-{p}.log") for p in ports]
    balancer = Nginx(folder, address, port, ports)
    # SIGTERM as Ctrl-C; Ctrl-C itself even where the shell that started us ignored it
    previous = {sig: signal.signal(sig, signal.default_int_handler)
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        say(f"starting {replicas} replica(s) of the dashboard on ports "
            f"{', '.join(map(str, ports))} behind nginx on {address}:{port} (files in {folder})")
        for replica in school:
            replica.start()
        balancer.start()
        _wait_until_up(school, say)
        say(f"open {_url(address, port)}  (replicas up on ports "
            f"{', '.join(str(r.port) for r in school)}; Ctrl-C stops them all)")
        _watch(school, balancer, say)
    except KeyboardInterrupt:
        say("stopping nginx and every replica")
    finally:
        for sig in previous:  # a second Ctrl-C must not cut the stop short
            signal.signal(sig, signal.SIG_IGN)
        balancer.stop()
        stop_groups([r.process for r in school if r.process is not None])  # all at once
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    say("stopped")


def _url(address: str, port: int) -> str:
    if address in ("0.0.0.0", "", "::"):
        return f"http://{socket.gethostname()}:{port} (here: http://127.0.0.1:{port})"
    return f"http://{address}:{port}"


def _wait_until_up(school: list[Replica], say: Callable[[str], None]) -> None:
    """Every replica answering; a FerError with the log of one that exited or never came up."""
    while not all(replica.up for replica in school):
        for replica in school:
            if replica.up:
                continue
            trouble = replica.check()
            if trouble:
                raise FerError(f"the replica on port {replica.port} {trouble}:\n"
                               f"{replica.last_words()}")
            if replica.up:
                say(f"replica on port {replica.port} (pid {replica.process.pid}) up in "
                    f"{replica.up_since - replica.started:.0f} s")
        time.sleep(0.5)


def _watch(school: list[Replica], balancer: Nginx, say: Callable[[str], None]) -> None:
    """Every ``CHECK_EVERY`` seconds, each replica's health at once; restart the ones in
    trouble, say when a restarted one is up again. nginx exiting ends the server."""
    pool = ThreadPoolExecutor(max_workers=len(school))
    try:
        while True:
            time.sleep(CHECK_EVERY)
            if balancer.exit_status() is not None:
                raise FerError(f"nginx exited: {balancer.last_error()}")
            was_up = [replica.up for replica in school]
            for replica, was, trouble in zip(school, was_up, pool.map(Replica.check, school)):
                if trouble:
                    say(f"replica on port {replica.port} {trouble}: restarting it")
                    replica.restart()
                elif replica.up and not was:
                    say(f"replica on port {replica.port} (pid {replica.process.pid}) up again "
                        f"in {replica.up_since - replica.started:.0f} s")
    finally:  # a stop does not wait for health checks in flight
        pool.shutdown(wait=False, cancel_futures=True)


__all__ = ["START_TIMEOUT", "default_replicas", "run_folder", "serve"]
