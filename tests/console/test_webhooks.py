"""Webhook pages against a real HTTP receiver on loopback: create, see deliveries with the event
sent and the receiver's answer, rotate the secret, replay an event."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect


class Receiver(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Receiver.received.append({"headers": dict(self.headers), "body": json.loads(body or b"null")})
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def test_webhook_deliveries_rotation_and_replay(page, console, receiver):
    sid, p = console.space_id, page.page
    page.login(console)
    page.goto(f"/console/spaces/{sid}/webhooks")
    form = p.locator("#new-webhook")
    form.get_by_label("Name").fill("crm")
    form.get_by_label("URL").fill(receiver)
    form.get_by_label("message.inbound").check()
    form.get_by_role("button", name="Create webhook").click()
    expect(p.get_by_role("status")).to_contain_text("Webhook created")
    hook_url = p.url.split("?")[0]
    first_secret = p.locator("#secret").inner_text()
    assert first_secret.startswith("whsec_")

    page.goto(f"/console/spaces/{sid}/sandbox")  # an event to deliver: someone writes in
    p.get_by_label("sender channel").fill("sms")
    p.get_by_label("sender address").fill("447700900777")
    p.get_by_label("sender text").fill("webhook me")
    p.get_by_role("button", name="Receive").click()
    expect(p.get_by_role("status")).to_contain_text("Reply received")

    p.goto(hook_url)
    row = p.locator("#deliveries tr", has_text="message.inbound").first
    expect(row.locator(".attempt")).to_contain_text("204")  # the table refreshes itself (htmx)
    expect(row).to_contain_text("webhook me")  # the request: the event the receiver got
    assert any(r["body"] and "webhook me" in json.dumps(r["body"]) for r in Receiver.received)
    page.shot("deliveries")

    p.get_by_role("button", name="Rotate secret").click()
    expect(p.get_by_role("status")).to_contain_text("New secret")
    expect(p.locator("#secret")).not_to_have_text(first_secret)
    expect(p.get_by_text("previous secret")).to_be_visible()

    before = len(Receiver.received)
    p.locator("#deliveries tr", has_text="message.inbound").first.get_by_role("button", name="Replay event").click()
    expect(p.get_by_role("status")).to_contain_text("Replaying 1 event")
    expect(p.locator("#deliveries tr", has_text="(replay)").locator(".attempt")).to_contain_text("204")
    assert len(Receiver.received) > before
    page.shot("replayed")
