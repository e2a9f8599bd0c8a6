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


def _reveal(p) -> str:
    p.get_by_role("button", name="Reveal secret").click()
    expect(p.locator("#secret")).to_contain_text("whsec_")
    return p.locator("#secret").inner_text()


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
    assert "whsec_" not in p.content()  # hidden until asked for
    first_secret = _reveal(p)
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
    row.locator("summary").click()  # payloads are folded; opening one shows what was sent
    expect(row).to_contain_text("webhook me")  # the request: the event the receiver got
    assert any(r["body"] and "webhook me" in json.dumps(r["body"]) for r in Receiver.received)
    page.shot("deliveries")

    p.get_by_role("button", name="Rotate secret").click()
    expect(p.get_by_role("status")).to_contain_text("New secret")
    assert _reveal(p) not in ("", first_secret)
    expect(p.get_by_text("previous secret")).to_be_visible()

    before = len(Receiver.received)
    p.locator("#deliveries tr", has_text="message.inbound").first.get_by_role("button", name="Replay event").click()
    expect(p.get_by_role("status")).to_contain_text("Replaying 1 event")
    expect(p.locator("#deliveries tr", has_text="(replay)").locator(".attempt")).to_contain_text("204")
    assert len(Receiver.received) > before
    page.shot("replayed")


class Failing(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(503)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def failing_receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Failing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/down"
    server.shutdown()
    server.server_close()


def _create(p, name: str, url: str, events: list[str]) -> None:
    form = p.locator("#new-webhook")
    form.get_by_label("Name").fill(name)
    form.get_by_label("URL").fill(url)
    for event in events:
        form.get_by_label(event).check()
    form.get_by_role("button", name="Create webhook").click()


def test_webhook_health_test_event_filter_and_refusals(page, console, receiver, failing_receiver):
    """Issue 21 item 11: a webhook needs an event type; "Send test event" reaches this endpoint
    alone; its health (success rate, last error) shows, a failing endpoint is marked on the list;
    deliveries filter by status."""
    sid, p = console.space_id, page.page
    page.login(console)
    page.goto(f"/console/spaces/{sid}/webhooks")
    page.allow("422")
    _create(p, "no events", receiver, [])
    expect(p.get_by_role("alert")).to_contain_text("choose at least one event type")
    expect(p.locator("#webhooks")).not_to_contain_text("no events")

    _create(p, "healthy", receiver, ["message.read"])
    expect(p.get_by_role("status")).to_contain_text("Webhook created")
    healthy_url = p.url.split("?")[0]
    before = len(Receiver.received)
    p.get_by_role("button", name="Send test event").click()
    expect(p.get_by_role("status")).to_contain_text("Test event sent")
    expect(p.locator("#deliveries tr", has_text="webhook.test").locator(".delivery-status")).to_have_text("delivered")
    got = [r for r in Receiver.received[before:] if r["body"] and r["body"].get("name") == "webhook.test"]
    assert len(got) == 1 and "webhook-signature" in {k.lower() for k in got[0]["headers"]}
    p.reload()
    expect(p.locator("#health")).to_contain_text("100% of 1 attempt succeeded")

    page.goto(f"/console/spaces/{sid}/webhooks")
    _create(p, "down", failing_receiver, ["message.read"])
    p.get_by_role("button", name="Send test event").click()
    expect(p.locator("#deliveries tr", has_text="webhook.test").locator(".attempt")).to_contain_text("503")
    p.reload()
    expect(p.locator("#health")).to_contain_text("0% of")
    expect(p.locator("#health .last-error")).to_contain_text("503")
    p.get_by_label("delivery status").select_option("delivered")
    expect(p.locator("#deliveries")).to_contain_text("No deliveries delivered yet")
    p.get_by_label("delivery status").select_option("pending")
    expect(p.locator("#deliveries tr", has_text="webhook.test")).to_have_count(1)
    page.goto(f"/console/spaces/{sid}/webhooks")
    expect(p.locator("#webhooks tr", has_text="down")).to_contain_text("0% of")
    expect(p.locator("#webhooks tr", has_text="healthy")).to_contain_text("100% of 1 attempt")
    # The healthy endpoint got the test event; the other one's did not reach it.
    assert not [r for r in Receiver.received[before:] if r["body"] and r["body"].get("payload", {}).get("webhookId")
                not in (None, healthy_url.rsplit("/", 1)[-1])]
    page.shot("webhook-health")
