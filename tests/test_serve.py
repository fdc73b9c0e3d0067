"""``fer serve --replicas N``: a school of dashboard replicas behind nginx.

The quick tests check the command's plain error without nginx and that nginx accepts the
configuration. The slow ones run ``fer serve --replicas 2`` as a subprocess with a store of one
tiny model, and check, through nginx: every page answers; a session (a cookie jar, its page,
static files and websocket) stays on one replica, and two sessions can be on two; killing one
replica moves its sessions to the live one, leaves the other session alone, and the supervisor
brings the replica back on its port; SIGINT leaves no process behind. The last runs the load
benchmark through the balancer with three replicas, as CI's load round does. The slow tests of
the shared server run in file order (the kill, then the stop)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

from fer_core.paths import PROJECT_ROOT
from fer_core.serving import nginx as nginx_module
from fer_core.serving.nginx import INSTALL_HINT, config
from fer_core.serving.processes import healthy
from fer_core.testing.served_app import School, local_school
from tests.helpers import write_data, write_store

HAS_NGINX = bool(shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin"))
needs_nginx = pytest.mark.skipif(not HAS_NGINX, reason="needs nginx: apt-get install nginx")
RESTART_TIMEOUT = 90  # seconds: the next health round, then a Streamlit start on a busy CPU
COLUMNS = ("sessions", "correct", "errors", "p50", "p95", "predictions_p95", "peak_mb")


def test_without_nginx_one_error_line(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from fer_core.cli import main

    monkeypatch.setattr(nginx_module.shutil, "which", lambda *args, **kwargs: None)
    assert main(["serve", "--replicas", "1", "--port", "1"]) == 2
    said = capsys.readouterr().err
    assert said == f"error: {INSTALL_HINT}\n" and "apt-get install nginx" in said


@needs_nginx
def test_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    conf = tmp_path / "nginx.conf"
    text = config(tmp_path, "127.0.0.1", 8501, [40001, 40002, 40003])
    conf.write_text(text)
    for name in nginx_module.TEMP_FOLDERS:
        (tmp_path / "temp" / name).mkdir(parents=True)
    checked = subprocess.run(
        [nginx_module.nginx_binary(), "-t", "-p", str(tmp_path), "-c", str(conf), "-e",
         str(tmp_path / "error.log")], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    assert "ip_hash" not in text and "client_max_body_size 21m;" in text  # Streamlit's 20 + 1
    assert "proxy_set_header Upgrade $http_upgrade;" in text
    assert "upstream fer_40002 {" in text and "server 127.0.0.1:40001 backup;" in text


# The school: fer serve --replicas 2 through nginx

requests = pytest.importorskip("requests")
websocket = pytest.importorskip("websocket", reason="needs websocket-client (pip)")


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> Iterator[School]:
    root = tmp_path_factory.mktemp("school")
    data = write_data(root / "fer")
    models = write_store(root / "store", data, ("tiny",))
    with local_school(2, {"FER_MODELS_DIR": str(models), "FER2013_DIR": str(data)},
                      root / "serve.log") as served:
        assert set(served.replicas()) and len(served.replicas()) == 2, served.said()
        yield served


def replica_of(reply) -> str:
    """The replica's port, from nginx's ``X-Fer-Replica`` (``127.0.0.1:PORT``)."""
    replica = reply.headers.get("X-Fer-Replica", "")
    assert replica.startswith("127.0.0.1:"), dict(reply.headers)
    return replica.rsplit(":", 1)[1]


def websocket_replica(school: School, visitor) -> str:
    """The replica that accepts the visitor's websocket, its cookies carried as a browser's."""
    cookies = "; ".join(f"{k}={v}" for k, v in visitor.cookies.get_dict().items())
    stream = websocket.create_connection(
        school.url.replace("http", "ws") + "/_stcore/stream", origin=school.url, cookie=cookies,
        subprotocols=["streamlit", visitor.cookies.get("_streamlit_xsrf", "")], timeout=30)
    try:
        assert stream.getstatus() == 101
        return stream.getheaders()["x-fer-replica"].rsplit(":", 1)[1]
    finally:
        stream.close()


def visit(school: School, visitor) -> set[str]:
    """A browser's first load: the page, its static files, the health check, the websocket,
    then the page again; the replicas that answered."""
    page = visitor.get(school.url + "/", timeout=30)
    assert page.status_code == 200 and "fer_replica" in visitor.cookies.get_dict()
    served = {replica_of(page)}
    statics = re.findall(r'(?:src|href)="\.?/?(static/[^"]+)"', page.text)
    assert statics, page.text[:500]
    for path in [*statics[:3], "_stcore/health", ""]:
        reply = visitor.get(f"{school.url}/{path}", timeout=30)
        assert reply.status_code == 200, path
        served.add(replica_of(reply))
    return served | {websocket_replica(school, visitor)}


@pytest.fixture(scope="module")
def visitors(school: School) -> list:
    """Two visitors on two different replicas: fresh cookie jars until two are seen."""
    found: dict[str, object] = {}
    for _ in range(8):
        visitor = requests.Session()
        served = visit(school, visitor)
        assert len(served) == 1, f"one visit reached replicas {served}"
        found.setdefault(served.pop(), visitor)
        if len(found) == 2:
            return list(found.values())
    pytest.fail(f"eight visitors all reached replica {list(found)}:\n{school.said()}")


def page_paths() -> list[str]:
    return [""] + [p.stem for p in sorted((PROJECT_ROOT / "pages").glob("*.py"))]


@pytest.mark.slow
@needs_nginx
def test_every_page_answers_through_nginx(school: School) -> None:
    visitor = requests.Session()
    for path in [*page_paths(), "_stcore/health"]:
        reply = visitor.get(f"{school.url}/{path}", timeout=30)
        assert reply.status_code == 200, (path, reply.status_code)
        assert reply.headers.get("X-Fer-Replica"), path
    assert visitor.get(f"{school.url}/_stcore/health", timeout=30).text == "ok"


@pytest.mark.slow
@needs_nginx
def test_each_session_stays_on_its_replica(school: School, visitors: list) -> None:
    first, second = ({replica_of(v.get(school.url + "/", timeout=30))} for v in visitors)
    assert first != second, "the two visitors share a replica"
    for _ in range(3):
        for visitor, replica in zip(visitors, (first, second)):
            assert visit(school, visitor) == replica


@pytest.mark.slow
@needs_nginx
def test_a_killed_replica_is_left_then_restarted(school: School, visitors: list) -> None:
    moving, staying = visitors
    dead = replica_of(moving.get(school.url + "/", timeout=30))
    kept = replica_of(staying.get(school.url + "/", timeout=30))
    pid = school.replicas()[int(dead)]
    os.kill(pid, signal.SIGKILL)
    live = replica_of(moving.get(school.url + "/", timeout=30))
    assert live != dead and moving.cookies.get("fer_replica") == live
    assert visit(school, moving) == {live} and visit(school, staying) == {kept}

    deadline = time.monotonic() + RESTART_TIMEOUT
    while not (school.replicas()[int(dead)] != pid and healthy(f"http://127.0.0.1:{dead}")):
        assert time.monotonic() < deadline, f"not restarted in {RESTART_TIMEOUT} s:\n" \
                                            f"{school.said()}"
        time.sleep(1)
    assert f"replica on port {dead} exited (signal 9): restarting it" in school.said()
    assert visit(school, moving) == {live}, "a session that moved stays where it moved"
    assert visit(school, staying) == {kept}
    fresh = {replica_of(requests.get(school.url + "/", timeout=30)) for _ in range(4)}
    assert fresh == {dead, kept}, "new visitors reach the restarted replica again"


def process_tree(root: int) -> dict[int, str]:
    """``root`` and every process below it: process id to command line (from ``ps``)."""
    listing = subprocess.run(["ps", "-eo", "pid=,ppid=,args="], capture_output=True,
                             text=True, check=True).stdout
    rows = [line.split(None, 2) for line in listing.splitlines() if line.strip()]
    parents = {int(r[0]): int(r[1]) for r in rows}
    commands = {int(r[0]): (r[2] if len(r) > 2 else "") for r in rows}
    tree, grew = {root}, True
    while grew:
        below = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree, grew = tree | below, bool(below)
    return {pid: commands[pid] for pid in tree if pid in commands}


@pytest.mark.slow
@needs_nginx
def test_sigint_stops_everything(school: School) -> None:
    before = process_tree(school.process.pid)
    ports = list(school.replicas())
    assert sum("streamlit run" in c for c in before.values()) == 2, before
    assert sum("nginx: " in c for c in before.values()) >= 2, before  # master and a worker
    school.process.send_signal(signal.SIGINT)
    assert school.process.wait(timeout=60) == 0, school.said()
    assert school.said().rstrip().endswith("stopped"), school.said()
    listing = subprocess.run(["ps", "-eo", "pid=,args="], capture_output=True, text=True,
                             check=True).stdout
    alive = {int(line.split(None, 1)[0]) for line in listing.splitlines() if line.strip()}
    assert not alive & set(before), [before[p] for p in alive & set(before)]
    run_folder = re.search(r"files in (\S+)\)", school.said()).group(1)
    behind = [line for line in listing.splitlines() if run_folder in line
              or any(f"--server.port {p} " in line + " " for p in ports)]
    assert not behind, behind


@pytest.mark.slow
@needs_nginx
def test_load_round_through_the_balancer(tmp_path: Path) -> None:
    """``load_explain --replicas 3 --sessions 3``: each session gets its own face, without an
    error, on one replica from start to end, the three on three replicas."""
    data = write_data(tmp_path / "fer")
    models = write_store(tmp_path / "store", data, ("tiny",))
    env = {**os.environ, "FER_MODELS_DIR": str(models)}
    env.pop("FER2013_DIR", None)  # drawn faces: the same on any machine
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.load_explain", "--replicas", "3", "--sessions", "3",
         "--client-nice", "0", "--timeout", "120"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=1200)
    said = f"exit {done.returncode}\n{done.stdout}\n{done.stderr[-3000:]}"
    assert done.returncode == 0, said
    rows = [line.split() for line in done.stdout.splitlines()]
    row = next((dict(zip(COLUMNS, r)) for r in rows if len(r) == len(COLUMNS) and r[0] == "3"),
               None)
    assert row is not None and (row["correct"], row["errors"]) == ("3", "0"), said
    served = re.search(r"replicas: ([\d -]+) \(session by session\); moved mid-session: (\d+)",
                       done.stdout)
    assert served, said
    assert served.group(2) == "0", said
    ports = served.group(1).split()
    assert len(ports) == 3 and "-" not in ports and len(set(ports)) == 3, said
