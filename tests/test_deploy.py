"""deploy/: the container, compose and Kubernetes files, and nginx's stickiness.

The YAML files are parsed where PyYAML is installed (it is no requirement of the project); the
nginx configuration is checked as text, and, where nginx is installed, run in front of two stub
replicas: a browser stays on one, a class behind one address spreads over both, and the
websocket's upgrade goes through."""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from fer_core.serving.processes import free_port

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
HEALTH = "/_stcore/health"


def _yaml(name: str) -> list:
    yaml = pytest.importorskip("yaml", reason="PyYAML is not installed: YAML not parsed")
    return list(yaml.safe_load_all((DEPLOY / name).read_text(encoding="utf-8")))


def test_kubernetes_probes_resources_affinity_and_shared_cache() -> None:
    kinds = {doc["kind"]: doc for doc in _yaml("kubernetes.yaml")}
    assert set(kinds) == {"Deployment", "Service", "Ingress", "PersistentVolumeClaim"}
    pod = kinds["Deployment"]["spec"]["template"]["spec"]
    (app,) = pod["containers"]
    for probe in ("readinessProbe", "livenessProbe"):
        assert app[probe]["httpGet"] == {"path": HEALTH, "port": 8501}
    assert app["resources"]["requests"] == {"memory": "1200Mi", "cpu": "2"}
    env = {item["name"]: item.get("value") for item in app["env"]}
    cache = next(m for m in app["volumeMounts"] if m["name"] == "cache")
    assert env["FER_CACHE_DIR"] == cache["mountPath"] and env["FER_CLASSROOM"] == "1"
    claim = next(v for v in pod["volumes"] if v["name"] == "cache")["persistentVolumeClaim"]
    claims = [doc for doc in _yaml("kubernetes.yaml") if doc["kind"] == "PersistentVolumeClaim"]
    shared = next(doc for doc in claims if doc["metadata"]["name"] == claim["claimName"])
    assert shared["spec"]["accessModes"] == ["ReadWriteMany"]
    assert kinds["Service"]["spec"]["sessionAffinity"] == "ClientIP"
    notes = kinds["Ingress"]["metadata"]["annotations"]
    assert notes["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert "NAT" in (DEPLOY / "kubernetes.yaml").read_text(encoding="utf-8")


def test_compose_replicas_share_the_cache_behind_nginx() -> None:
    (compose,) = _yaml("compose.yaml")
    app, nginx = compose["services"]["app"], compose["services"]["nginx"]
    assert app["build"]["dockerfile"] == "deploy/Dockerfile" and "replicas" in app["deploy"]
    assert f"cache:{app['environment']['FER_CACHE_DIR']}" in app["volumes"]
    assert "./nginx.conf:/etc/nginx/nginx.conf:ro" in nginx["volumes"]
    assert nginx["depends_on"]["app"]["condition"] == "service_healthy"


def test_dockerfile_runs_the_app_headless_with_a_health_check() -> None:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert text.count("FROM python:3.11-slim") == 1 and "COPY models models" in text
    assert re.search(r"HEALTHCHECK[^\n]*\\\n[^\n]*" + re.escape(HEALTH), text)
    command = re.search(r"^CMD (\[.*?\])$", text, re.S | re.M).group(1)
    assert all(f'"{word}"' in command for word in (
        "streamlit", "dashboard/app.py", "--server.address", "0.0.0.0", "--server.port",
        "8501", "--server.headless", "true"))
    assert "KERAS_HOME" in text and "FER_CLASSROOM=1" in text


def _location(conf: str, path: str) -> str:
    return re.search(r"location " + re.escape(path) + r" \{(.*?)\n        \}", conf, re.S)[1]


def test_nginx_upgrades_the_websocket_and_hashes_a_cookie_not_the_address() -> None:
    conf = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    stream = _location(conf, "/_stcore/stream")
    assert "proxy_set_header Upgrade $http_upgrade;" in stream
    assert "proxy_set_header Connection $connection_upgrade;" in stream
    assert "proxy_http_version 1.1;" in stream
    assert re.search(r'map \$cookie_fer_replica \$sticky \{\s*""\s+\$request_id;\s*'
                     r"default\s+\$cookie_fer_replica;", conf)
    assert "hash $sticky consistent;" in conf and not re.search(r"^\s*ip_hash", conf, re.M)
    assert "add_header Set-Cookie $sticky_cookie always;" in conf


# --- nginx run for real in front of two stub replicas -------------------------------------

WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def _replica(name: str) -> ThreadingHTTPServer:
    """A stub replica that answers its name, and a websocket handshake on its stream."""
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            if self.headers.get("Upgrade", "").lower() == "websocket":
                key = self.headers["Sec-WebSocket-Key"] + WEBSOCKET_GUID
                self.send_response(101)
                self.send_header("Upgrade", "websocket")
                self.send_header("Connection", "Upgrade")
                self.send_header("Sec-WebSocket-Accept",
                                 base64.b64encode(hashlib.sha1(key.encode()).digest()).decode())
                self.send_header("X-Replica", name)
                self.end_headers()
                self.close_connection = True
                return
            body = name.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _request(port: int, path: str = "/", cookie: str | None = None,
             websocket: bool = False) -> tuple[str, dict[str, str], str]:
    """Status line, headers (lower-case names) and body of one request, by hand: the
    websocket's 101 included."""
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    if cookie:
        lines.append(f"Cookie: fer_replica={cookie}")
    if websocket:
        lines[2:3] = ["Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Version: 13",
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
        client.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        answer = b""
        while chunk := client.recv(65536):
            answer += chunk
    head, _, body = answer.decode().partition("\r\n\r\n")
    status, *fields = head.split("\r\n")
    return status, {k.lower(): v.strip() for k, _, v in (f.partition(":") for f in fields)}, body


@pytest.fixture
def proxied(tmp_path: Path):
    """deploy/nginx.conf in front of two stub replicas: its port, and the replicas' names."""
    binary = shutil.which("nginx", path="/usr/sbin:/usr/local/sbin:/usr/bin:/usr/local/bin")
    if binary is None:
        pytest.skip("nginx is not installed: its configuration is checked as text only")
    replicas = {name: _replica(name) for name in ("one", "two")}
    port = free_port()
    conf = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    servers = "".join(f"server 127.0.0.1:{r.server_address[1]};\n"
                      for r in replicas.values())
    conf = re.sub(r"server app:8501[^;]*;", servers, conf).replace(
        "listen 80;", f"listen 127.0.0.1:{port};").replace("http {", "http {\n" + "".join(
            f"{kind}_temp_path {tmp_path / kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")), 1)
    (tmp_path / "nginx.conf").write_text(conf, encoding="utf-8")
    server = subprocess.Popen(
        [binary, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
         "-g", f"daemon off; pid {tmp_path / 'nginx.pid'}; error_log stderr;"],
        stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() < deadline, "nginx never listened"
                time.sleep(0.05)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=20)
        for replica in replicas.values():
            replica.shutdown()


def test_nginx_keeps_a_browser_on_its_replica_and_spreads_a_class(proxied: int) -> None:
    first_visits = [_request(proxied) for _ in range(24)]  # one school address, 24 browsers
    seen = {}
    for status, headers, body in first_visits:
        assert status.endswith("200 OK")
        cookie = re.fullmatch(r"fer_replica=(\w+); Path=/; HttpOnly; SameSite=Lax",
                              headers["set-cookie"])[1]
        seen[cookie] = body
    assert set(seen.values()) == {"one", "two"}  # not the whole class on one replica
    for cookie, replica in list(seen.items())[:6]:
        for _ in range(3):
            status, headers, body = _request(proxied, "/static/x.js", cookie)
            assert body == replica and "set-cookie" not in headers
        status, headers, _ = _request(proxied, "/_stcore/stream", cookie, websocket=True)
        assert status.startswith("HTTP/1.1 101") and headers["x-replica"] == replica
        assert headers["upgrade"] == "websocket"
