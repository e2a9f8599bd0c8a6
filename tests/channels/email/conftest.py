"""An aiosmtpd server per test, a certificate made for the run, and an e-mail channel on it."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.peers.smtp_server import SmtpPeer
from tests.peers.tls import self_signed


@pytest.fixture(scope="session")
def cert(tmp_path_factory):
    return self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def smtp_peer():
    peers: list[SmtpPeer] = []

    def start(**kwargs) -> SmtpPeer:
        peer = SmtpPeer(**kwargs).start()
        peers.append(peer)
        return peer

    yield start
    for peer in peers:
        peer.stop()


async def email_channel(space, peer: SmtpPeer, channel_id: str = "email", **config) -> dict:
    body = {"id": channel_id, "type": "email", "provider": "email_smtp",
            "config": {"host": peer.host, "port": peer.port, "security": "none",
                       "fromAddress": "news@onecast.test", "fromName": "Onecast News", **config}}
    r = await space.post("/channels", json=body)
    assert r.status_code == 201, r.text
    return r.json()


class _Files(BaseHTTPRequestHandler):
    files: dict[str, tuple[str, bytes]] = {}

    def do_GET(self) -> None:
        found = self.files.get(self.path)
        if found is None:
            self.send_response(404)
            self.end_headers()
            return
        kind, content = found
        if kind == "redirect":  # content is the Location
            self.send_response(302)
            self.send_header("Location", content.decode())
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, *args) -> None:
        return None


@pytest.fixture(scope="session")
def file_server():
    """A real HTTP server for attachments given by URL: files[path] = (content type, bytes), or
    ("redirect", location)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Files.files
    server.shutdown()
