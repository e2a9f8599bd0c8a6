"""A real HTTP server on loopback (stdlib, in a thread) that vendor fakes build on: it records
every request and answers through a route function, or with a scripted failure."""
from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    raw: bytes
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)  # name -> (filename, type, content)


def parse_multipart(content_type: str, raw: bytes) -> tuple[dict[str, str], dict[str, tuple[str, str, bytes]]]:
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
    form, files = {}, {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        payload = part.get_payload(decode=True) or b""
        if filename is not None:
            files[name] = (filename, part.get_content_type(), payload)
        else:
            form[name] = payload.decode()
    return form, files


Route = Callable[[Recorded], tuple[int, Any]]


class PeerServer(ThreadingHTTPServer):
    # The stdlib's listen backlog of 5 overflows under a burst of concurrent sends, and the
    # resets that follow look like a flaky vendor; a real server's backlog is far deeper.
    request_queue_size = 128
    daemon_threads = True


class HttpPeer:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.failures: deque[tuple[int, Any, dict[str, str]]] = deque()
        self.server = PeerServer(("127.0.0.1", 0), self._handler_class())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> HttpPeer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, status: int, body: Any, times: int = 1, headers: dict[str, str] | None = None) -> None:
        for _ in range(times):
            self.failures.append((status, body, headers or {}))

    def route(self, request: Recorded) -> tuple[int, Any]:  # overridden by each vendor fake
        return 404, {"error": "no route"}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return None

            def do_POST(self) -> None:
                self._serve()

            def do_GET(self) -> None:
                self._serve()

            def _serve(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                split = urlsplit(self.path)
                request = Recorded(self.command, split.path, {k: v[0] for k, v in parse_qs(split.query).items()},
                                   {k.lower(): v for k, v in self.headers.items()}, raw)
                content_type = self.headers.get("content-type", "")
                if content_type.startswith("application/json"):
                    request.json = json.loads(raw or b"null")
                elif content_type.startswith("multipart/form-data"):
                    request.form, request.files = parse_multipart(content_type, raw)
                elif content_type.startswith("application/x-www-form-urlencoded"):
                    request.form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                peer.requests.append(request)
                status, body, headers = peer.failures.popleft() if peer.failures else (*peer.route(request), {})
                data = json.dumps(body).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
