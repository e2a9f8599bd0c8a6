"""The outbound guard itself: which settings make its networks, and redirect hops."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from onecast.config import Settings
from onecast.kit.ssrf import AddressGuard, BlockedTarget


class _Redirect(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/ok":
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")
            return
        self.send_response(302)
        self.send_header("Location", "/ok" if self.path == "/local" else "http://169.254.169.254/latest/meta-data/")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        return None


@pytest.fixture
def redirector():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_outbound_and_webhook_networks_are_one_list():
    settings = Settings.from_env({"ONECAST_OUTBOUND_ALLOWED_NETWORKS": "10.0.0.0/8",
                                  "ONECAST_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8"})
    guard = AddressGuard.from_settings(settings)
    for url in ("http://10.1.2.3/x", "http://127.0.0.1/x"):
        guard.check_literal(url)
    with pytest.raises(BlockedTarget):
        guard.check_literal("http://192.168.1.1/x")
    with pytest.raises(BlockedTarget):
        AddressGuard.from_settings(Settings()).check_literal("http://127.0.0.1/x")


async def test_the_operators_push_urls_are_trusted_as_they_are():
    guard = AddressGuard.from_settings(Settings(push_fcm_base_url="http://10.9.9.9:8443"))
    guard.check_literal("http://10.9.9.9:8443/v1/projects/p/messages:send")
    await guard.check("http://10.9.9.9:8443/v1/projects/p/messages:send")
    with pytest.raises(BlockedTarget):
        guard.check_literal("http://10.9.9.9:9999/other")


async def test_every_redirect_hop_is_checked(redirector):
    async with AddressGuard("127.0.0.0/8").client(follow_redirects=True) as client:
        assert (await client.get(f"{redirector}/local")).text == "ok"
        with pytest.raises(BlockedTarget):
            await client.get(f"{redirector}/away")
    async with AddressGuard().client() as client:
        with pytest.raises(BlockedTarget):
            await client.get(f"{redirector}/ok")


async def test_a_name_that_does_not_resolve_is_a_connect_error():
    async with AddressGuard().client() as client:
        with pytest.raises(httpx.ConnectError):
            await client.get("http://does-not-exist.invalid/x")
