"""Hostile HTTP: oversized bodies on every write, another tenant's key against resources that
exist, and outbound requests to internal addresses (SSRF) from customer-given URLs."""
from __future__ import annotations

import re

import pytest

from tests.test_every_endpoint import concrete, operations, row_counts

# Uploads have limits of their own (ONECAST_IMPORT_MAX_BYTES, ONECAST_CONTENT_MAX_BYTES), tested
# with their domains (e.g. tests/content: test_oversized_body_is_413).
BIGGER_LIMITS = re.compile(r"/import/\{[^}]+\}/upload$|/content$|/upload$")


async def test_an_oversized_body_is_413_on_every_write_and_changes_nothing(app, space, settings):
    big = b'{"body": "' + b"x" * (max(settings.body_max_bytes, settings.batch_max_bytes) + 1) + b'"}'
    before = await row_counts(app)
    checked = 0
    for method, path, op in operations(app):
        if method not in ("POST", "PUT", "PATCH") or "requestBody" not in op or BIGGER_LIMITS.search(path):
            continue
        r = await space.client.request(method, concrete(path, space.space_id), content=big,
                                       headers={**space.headers, "Content-Type": "application/json"})
        assert r.status_code == 413, (method, path, r.status_code, r.text[:200])
        assert r.headers["content-type"].startswith("application/problem+json"), (method, path)
        checked += 1
    assert checked > 30
    assert await row_counts(app) == before


async def test_another_tenants_key_gets_404_on_resources_that_exist(app, space, other_space):
    """test_every_endpoint uses ids that need not exist; here space A has a profile, a template
    and a channel called `x`, so a 404 to space B's key can only come from the tenant check."""
    assert (await space.post("/profiles", json={"id": "x"})).status_code in (200, 201)
    r = await space.post("/templates", json={"id": "x", "name": "x", "messageParts": [
        {"type": "text/plain", "data": "hi"}]})
    assert r.status_code in (200, 201), r.text
    r = await space.post("/channels", json={"id": "x", "type": "sms", "provider": "sandbox", "config": {}})
    assert r.status_code in (200, 201), r.text
    before = await row_counts(app)
    checked = 0
    for method, path, _op in operations(app):
        if not path.startswith("/apispaces/{apiSpaceId}"):
            continue
        r = await space.client.request(method, concrete(path, space.space_id), headers=other_space.headers, json={})
        assert r.status_code == 404, (method, path, r.status_code, r.text[:200])
        checked += 1
    assert checked > 30
    assert await row_counts(app) == before
    assert (await space.get("/profiles/x")).status_code == 200  # still there for its owner


INTERNAL = ["http://127.0.0.1:9/x", "http://169.254.169.254/latest/meta-data/", "http://[::1]/x",
            "http://localhost/x", "http://10.0.0.1/x"]


@pytest.mark.parametrize("url", INTERNAL)
async def test_a_webhook_to_an_internal_address_is_refused(space, url):
    r = await space.post("/webhooks", json={"name": "in", "url": url, "subscriptions": [{"type": "message.sent"}]})
    assert r.status_code == 400, r.text


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:9/x"])
async def test_a_custom_channel_to_an_internal_address_is_refused(space, url):
    r = await space.post("/channels", json={"id": "c", "type": "custom", "provider": "custom_http",
                                            "config": {"url": url, "secret": "s3cret"}})
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "UrlNotAllowed" and r.json()["errors"][0]["field"] == "config.url"


@pytest.mark.parametrize(("channel_type", "provider", "config", "field"), [
    ("whatsApp", "whatsapp_cloud", {"baseUrl": "http://10.0.0.1"}, "config.baseUrl"),
    ("telegram", "telegram", {"baseUrl": "http://[::1]:8081"}, "config.baseUrl"),
    ("fbMessenger", "messenger", {"baseUrl": "http://localhost"}, "config.baseUrl"),
    ("nativePush", "push", {"fcm": {"baseUrl": "http://169.254.169.254"}}, "config.fcm.baseUrl"),
    ("nativePush", "push", {"fcmApps": [{"package": "a", "tokenUrl": "http://127.0.0.1/t"}]},
     "config.fcmApps[0].tokenUrl"),
])
async def test_a_vendor_base_url_inside_is_refused(space, channel_type, provider, config, field):
    r = await space.post("/channels", json={"id": "v", "type": channel_type, "provider": provider, "config": config})
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "UrlNotAllowed" and r.json()["errors"][0]["field"] == field


async def test_a_web_push_subscription_to_an_internal_address_is_refused(space):
    r = await space.put("/profiles/ann/devices/browser", json={"push": {"webPush": {
        "endpoint": "http://169.254.169.254/push/1", "keys": {"p256dh": "B" + "A" * 86, "auth": "c2VjcmV0c2VjcmV0MTIzNA"}}}})
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "UrlNotAllowed" and r.json()["errors"][0]["field"] == "push.webPush.endpoint"


async def test_an_email_attachment_from_an_internal_address_is_not_fetched(space, deliver):
    from tests.peers.http_peer import HttpPeer
    from tests.peers.smtp_server import SmtpPeer

    class Internal(HttpPeer):  # stands for an internal service (cloud metadata, an admin page)
        def route(self, request):
            return 200, {"secret": "internal"}

    peer = SmtpPeer().start()
    inside = Internal().start()
    try:
        r = await space.post("/channels", json={"id": "email", "type": "email", "provider": "email_smtp", "config": {
            "host": peer.host, "port": peer.port, "security": "none", "fromAddress": "a@onecast.test"}})
        assert r.status_code == 201, r.text
        r = await space.post("/messages", json={"to": {"email": "ann@example.com"}, "rules": ["email"], "title": "x",
                                                "messageParts": [{"type": "text/plain", "name": "meta.txt",
                                                                  "url": f"{inside.url}/meta"}]})
        assert r.status_code == 201, r.text
        await deliver(space)
        got = (await space.get(f"/messages/{r.json()['messageId']}")).json()
        assert not inside.requests and not peer.received, got
        assert got["status"] == "failed" and got["statusHistory"][-1]["details"]["reason"] == "AttachmentBlocked"
    finally:
        peer.stop()
        inside.stop()


@pytest.mark.parametrize("where", ["apns", "top"])
async def test_a_channel_config_cannot_name_a_file_on_the_server(space, where):
    from tests.peers.keys import EcKey

    apns = {"teamId": "TEAM123456", "keyId": "KEY1234567", "privateKey": EcKey.generate().private_pem}
    r = await space.post("/channels", json={"id": "p", "type": "nativePush", "provider": "push", "config": {"apns": apns}})
    assert r.status_code == 201, r.text  # the same config without a file path is fine
    assert (await space.delete("/channels/p")).status_code in (200, 204)
    config = {"apns": {**apns, "caFile": "/etc/shadow"}} if where == "apns" else {"apns": apns, "caFile": "/etc/shadow"}
    r = await space.post("/channels", json={"id": "p", "type": "nativePush", "provider": "push", "config": config})
    assert r.status_code == 400, r.text
    assert "caFile" in r.text and r.headers["content-type"].startswith("application/problem+json")
    assert (await space.get("/channels/p")).status_code == 404
