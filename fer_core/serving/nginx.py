"""nginx in front of the replicas: its configuration and its process.

nginx runs in the foreground (``-g 'daemon off;'``) as whoever runs ``fer serve``, with every
file of its own (configuration, pid, logs, temp folders) in the run folder: no system
configuration is read or touched. Run by root, its workers drop to ``nobody``.

Sticky sessions: a Streamlit session lives in one process (its websocket, its uploads, the
pictures it shows), so every request of a browser must reach the same replica, and a class
behind one NAT address is one IP address: the cookie ``fer_replica`` names the replica (its
port). A request without it (or naming no replica of this run) goes to the next replica in
turn; the reply sets the cookie to the replica that answered, so the page, its static files,
its websocket and its uploads all reach that one. A replica that refuses a connection (dead,
restarting) is marked down for ``FAIL_TIMEOUT`` seconds and the request goes to another; that
reply moves the cookie, so the session stays where it reconnected. ``X-Fer-Replica`` on every
reply says which replica answered.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
import tomllib
from pathlib import Path

from ..errors import FerError
from ..paths import PROJECT_ROOT
from .processes import listening, start_group, stop_groups

INSTALL_HINT = ("nginx is not installed: on Debian or Ubuntu, sudo apt-get install nginx "
                "(fer serve runs it as a plain process; no system service is needed)")
FAIL_TIMEOUT = 10  # seconds a replica that refused a connection is left out
STREAM_TIMEOUT = "1d"  # a session's websocket stays open as long as the page does
START_TIMEOUT = 10  # seconds for nginx to listen
TEMP_FOLDERS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def nginx_binary() -> str:
    """The nginx executable (``PATH``, then ``/usr/sbin`` where Debian puts it)."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if not found:
        raise FerError(INSTALL_HINT)
    return found


def upload_limit_mb(config: Path = PROJECT_ROOT / ".streamlit" / "config.toml") -> int:
    """Streamlit's ``server.maxUploadSize`` in MB (its default, 200, without the setting)."""
    try:
        with open(config, "rb") as file:
            return int(tomllib.load(file).get("server", {}).get("maxUploadSize", 200))
    except (OSError, tomllib.TOMLDecodeError):
        return 200


def check_port_free(address: str, port: int) -> None:
    """A FerError unless ``address:port`` can be listened on."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as nginx binds
        try:
            probe.bind((address, port))
        except OSError as exc:
            raise FerError(f"cannot listen on {address}:{port} ({exc.strerror}): another "
                           "server has it, or the address is not this machine's; choose "
                           "another with --port or --address") from None


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


def _worker_user() -> str:
    """``user nobody nogroup;`` when run by root (workers never run as root), else nothing."""
    if os.geteuid() != 0:
        return ""
    import grp

    group = next((g for g in ("nogroup", "nobody") if _exists(grp.getgrnam, g)), "root")
    user = "nobody" if _exists(pwd.getpwnam, "nobody") else "root"
    return f"user {user} {group};\n"


def _exists(lookup, name: str) -> bool:
    try:
        lookup(name)
        return True
    except KeyError:
        return False


def _upstreams(ports: list[int]) -> str:
    """``fer_any`` over every replica in turn, and per replica ``fer_PORT``: that one, the
    others as backups should it fail."""
    def server(port: int, backup: bool = False) -> str:
        health = f" max_fails=1 fail_timeout={FAIL_TIMEOUT}s"
        return f"        server 127.0.0.1:{port}{' backup' if backup else health};\n"

    blocks = ["    upstream fer_any {\n" + "".join(server(p) for p in ports) + "    }\n"]
    for port in ports:
        others = "".join(server(p, backup=True) for p in ports if p != port)
        blocks.append(f"    upstream fer_{port} {{\n{server(port)}{others}    }}\n")
    return "".join(blocks)


def config(folder: Path, address: str, port: int, replicas: list[int]) -> str:
    """nginx's whole configuration: listen on ``address:port``, balance over the replicas'
    localhost ``replicas`` ports, every file in ``folder``."""
    temp = "".join(f"    {name}_temp_path {folder / 'temp' / name};\n" for name in TEMP_FOLDERS)
    pools = "".join(f"        {p} fer_{p};\n" for p in replicas)
    listen = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
    return f"""# Written by `fer serve` (fer_core/serving/nginx.py) at each start.
{_worker_user()}worker_processes 1;
pid {folder / 'nginx.pid'};
error_log {folder / 'error.log'} notice;
events {{ worker_connections 4096; }}

http {{
    log_format fer '$remote_addr [$time_local] "$request" $status $body_bytes_sent '
                   'replica=$upstream_addr cookie=$cookie_fer_replica';
    access_log {folder / 'access.log'} fer;
{temp}    # Streamlit refuses uploads above its limit itself; the 1 MB is the form's envelope.
    client_max_body_size {upload_limit_mb() + 1}m;
    proxy_request_buffering off;  # uploads stream to the replica: no temp files
    proxy_max_temp_file_size 0;

    map $http_upgrade $fer_connection {{ default upgrade; "" close; }}
    # The replica a request goes to, by its cookie; a missing or stale cookie: the next in turn.
    map $cookie_fer_replica $fer_pool {{
        default fer_any;
{pools}    }}
    # The replica that answered: the last of nginx's tries (127.0.0.1:PORT), and its port.
    map $upstream_addr $fer_replica {{ default ""; "~(?<last>[^,: ]+:\\d+)$" $last; }}
    map $upstream_addr $fer_port {{ default ""; "~:(?<p>\\d+)$" $p; }}
    # The cookie set when it is missing or names another replica than the one that answered.
    map "$cookie_fer_replica:$fer_port" $fer_cookie {{
        "~^(\\d+):\\1$" "";
        "~:$" "";
        default "fer_replica=$fer_port; Path=/; HttpOnly; SameSite=Lax";
    }}

{_upstreams(replicas)}
    server {{
        listen {listen};
        proxy_http_version 1.1;
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $fer_connection;
        proxy_connect_timeout 3s;
        proxy_read_timeout 120s;
        proxy_next_upstream error timeout;
        add_header X-Fer-Replica $fer_replica always;
        add_header Set-Cookie $fer_cookie;

        location / {{
            proxy_pass http://$fer_pool;
        }}
        location /_stcore/stream {{  # the session's websocket
            proxy_pass http://$fer_pool;
            proxy_read_timeout {STREAM_TIMEOUT};
            proxy_send_timeout {STREAM_TIMEOUT};
            proxy_buffering off;
        }}
    }}
}}
"""


class Nginx:
    """nginx listening on ``address:port`` in front of the replicas' ports, its files in
    ``folder``."""

    def __init__(self, folder: Path, address: str, port: int, replicas: list[int]) -> None:
        self.folder, self.address, self.port, self.replicas = folder, address, port, replicas
        self.binary = nginx_binary()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        """Write the configuration, start nginx, wait until it listens; a FerError with
        nginx's own words when it does not."""
        for name in TEMP_FOLDERS:
            (self.folder / "temp" / name).mkdir(parents=True, exist_ok=True)
        conf, pid = self.folder / "nginx.conf", self.folder / "nginx.pid"
        conf.write_text(config(self.folder, self.address, self.port, self.replicas))
        pid.unlink(missing_ok=True)  # nginx writes it once it holds its port
        self.process = start_group(
            [self.binary, "-p", str(self.folder), "-c", str(conf), "-e",
             str(self.folder / "error.log"), "-g", "daemon off;"],
            self.folder / "nginx.out", cwd=self.folder)
        deadline = time.monotonic() + START_TIMEOUT
        while not (_read(pid) == str(self.process.pid) and listening(self.address, self.port)):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise FerError(f"nginx did not start on {self.address}:{self.port}: "
                               f"{self.last_error()} (files in {self.folder})")
            time.sleep(0.2)

    def exit_status(self) -> int | None:
        return self.process.poll() if self.process else None

    def last_error(self) -> str:
        """nginx's last complaint (its error log's last error or emergency line)."""
        lines = []
        for name in ("nginx.out", "error.log"):
            path = self.folder / name
            if path.exists():
                lines += [line for line in path.read_text(errors="replace").splitlines()
                          if "[emerg]" in line or "[error]" in line or "[alert]" in line]
        return lines[-1].strip() if lines else "no message"

    def stop(self, grace: float = 10) -> None:
        """nginx's fast shutdown (SIGTERM: open websockets are closed), workers included."""
        if self.process is not None:
            stop_groups([self.process], grace)
