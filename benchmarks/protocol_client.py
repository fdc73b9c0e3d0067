"""A student's browser reduced to what the server sees of it: Streamlit's own protocol.

A browser talks to the app over one websocket (``/_stcore/stream``) carrying protobuf messages:
it asks for a script run of a page with its widgets' values (``BackMsg``), and receives the
page's elements as they are drawn, then ``script_finished`` (``ForwardMsg``). An upload asks
for an upload URL over the websocket, sends the file by HTTP ``PUT`` (with the XSRF token of
the cookie the health check sets) and reruns the page with the file uploader's new value. The
client here does the same with Streamlit's own protobuf classes, and draws nothing: in a class
each browser draws on its own machine, so the server's time is what a load test measures.
Behind ``fer serve``'s nginx, the websocket's handshake carries the cookies of the first reply
(``fer_replica`` among them), as a browser's does, so that the whole session reaches one
replica; ``replicas`` lists which one answered each request (``X-Fer-Replica``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests
import websocket
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

XSRF_COOKIE = "_streamlit_xsrf"


@dataclass(frozen=True)
class Element:
    """One element a script run drew: its kind (``markdown``, ``imgs``, ``download_button``,
    ...), its text (body, label or captions), its media URLs and when it arrived
    (``time.perf_counter()``)."""

    kind: str
    text: str
    urls: tuple[str, ...]
    at: float


class ProtocolSession:
    """One session of the app at ``url`` (``http://127.0.0.1:PORT``), as a browser opens it."""

    def __init__(self, url: str, timeout: float) -> None:
        self.url = url.rstrip("/")
        self.replicas: list[str] = []  # behind `fer serve`: the replica of every reply, in turn
        self.http = requests.Session()
        self.http.hooks["response"].append(self._note_replica)
        self.http.get(f"{self.url}/_stcore/health", timeout=timeout).raise_for_status()
        self.xsrf = self.http.cookies.get(XSRF_COOKIE, "")
        host = urlsplit(self.url).netloc
        cookies = "; ".join(f"{k}={v}" for k, v in self.http.cookies.get_dict().items())
        self.socket = websocket.create_connection(
            f"ws://{host}/_stcore/stream", subprotocols=["streamlit", self.xsrf],
            origin=self.url, cookie=cookies, timeout=timeout)
        self._note_replica(self.socket)
        self.session_id = ""
        self.widgets: dict[str, str] = {}  # element kind to widget id, as last drawn

    def _note_replica(self, reply, *args, **kwargs) -> None:
        """The replica that answered (nginx's ``X-Fer-Replica``), if a balancer said."""
        headers = reply.getheaders() if hasattr(reply, "getheaders") else reply.headers
        replica = {k.lower(): v for k, v in (headers or {}).items()}.get("x-fer-replica")
        if replica:
            self.replicas.append(replica)

    def close(self) -> None:
        self.socket.close()
        self.http.close()

    def _receive(self) -> ForwardMsg:
        message = ForwardMsg()
        message.ParseFromString(self.socket.recv())
        return message

    def run(self, page: str, states: tuple[WidgetState, ...] = ()) -> list[Element]:
        """Run ``page`` (its URL name) with these widget values; the elements it drew."""
        request = BackMsg()
        request.rerun_script.page_name = page
        request.rerun_script.widget_states.widgets.extend(states)
        self.socket.send_binary(request.SerializeToString())
        drawn = []
        while True:
            message = self._receive()
            kind = message.WhichOneof("type")
            if kind == "new_session":
                self.session_id = message.new_session.initialize.session_id
            elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                drawn.append(self._element(message.delta.new_element))
            elif kind == "script_finished":
                return drawn

    def _element(self, element) -> Element:
        kind = element.WhichOneof("type")
        body = getattr(element, kind)
        if hasattr(body, "id") and body.id:
            self.widgets[kind] = body.id
        if kind == "imgs":
            return Element(kind, " ".join(i.caption for i in body.imgs),
                           tuple(i.url for i in body.imgs), time.perf_counter())
        text = next((getattr(body, f) for f in ("body", "label") if hasattr(body, f)), "")
        return Element(kind, str(text), (), time.perf_counter())

    def upload(self, page: str, photo: Path) -> list[Element]:
        """Give ``page``'s file uploader ``photo``, as a browser does; the elements drawn."""
        request = BackMsg()
        request.file_urls_request.request_id = photo.name
        request.file_urls_request.session_id = self.session_id
        request.file_urls_request.file_names.append(photo.name)
        self.socket.send_binary(request.SerializeToString())
        message = self._receive()
        while message.WhichOneof("type") != "file_urls_response":
            message = self._receive()
        urls = message.file_urls_response.file_urls[0]
        data = photo.read_bytes()
        self.http.put(f"{self.url}{urls.upload_url}", headers={"X-Xsrftoken": self.xsrf},
                      files={"file": (photo.name, data, "image/png")}).raise_for_status()
        state = WidgetState(id=self.widgets["file_uploader"])
        uploaded = state.file_uploader_state_value.uploaded_file_info.add()
        uploaded.name, uploaded.size, uploaded.file_id = photo.name, len(data), urls.file_id
        uploaded.file_urls.CopyFrom(urls)
        return self.run(page, (state,))

    def media(self, path: str) -> bytes:
        """A picture the page showed, by its media URL."""
        reply = self.http.get(f"{self.url}{path}", timeout=30)
        reply.raise_for_status()
        return reply.content
