"""The configuration API: Comapi shapes, ETag / If-Match, validation, the event catalogue."""
import base64

import pytest

from onecast.webhooks import catalogue
from tests.webhooks.conftest import make_hook

BODY = {"name": "crm_system", "url": "https://hooks.example.com/onecast",
        "subscriptions": [{"type": "message.delivered", "filters": [{"name": "channel", "value": "sms"}]}]}


async def test_create_get_list_put_delete(space):
    r = await space.post("/webhooks", json=BODY)
    assert r.status_code == 201, r.text
    hook = r.json()
    assert hook["secret"].startswith("whsec_") and len(base64.b64decode(hook["secret"][6:])) == 24
    assert hook["batch"] is False and hook["maxBatchSize"] == 100 and hook["batchTimeout"] == 60
    assert hook["enabled"] is True and hook["_createdBy"].startswith("access:")
    assert hook["subscriptions"] == BODY["subscriptions"]
    etag = r.headers["ETag"]

    got = await space.get(f"/webhooks/{hook['id']}")
    assert got.json() == hook and got.headers["ETag"] == etag
    assert [h["id"] for h in (await space.get("/webhooks")).json()] == [hook["id"]]

    changed = {**BODY, "name": "erp", "batch": True, "maxBatchSize": 500, "batchTimeout": 1}
    r = await space.put(f"/webhooks/{hook['id']}", json=changed, headers={"If-Match": '"1-nope"'})
    assert r.status_code == 412 and r.json()["code"] == "PreconditionFailed"
    r = await space.put(f"/webhooks/{hook['id']}", json=changed, headers={"If-Match": etag})
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "erp" and r.json()["maxBatchSize"] == 500 and r.json()["batch"] is True
    assert r.json()["secret"] == hook["secret"]  # no secret given: kept
    assert r.headers["ETag"] != etag

    assert (await space.delete(f"/webhooks/{hook['id']}", headers={"If-Match": etag})).status_code == 412
    r = await space.delete(f"/webhooks/{hook['id']}", headers={"If-Match": r.headers["ETag"]})
    assert r.status_code == 204
    assert (await space.get(f"/webhooks/{hook['id']}")).status_code == 404
    assert (await space.get("/webhooks")).json() == []
    deleted = (await space.get(f"/webhooks/{hook['id']}", params={"includeDeleted": "true"})).json()
    assert deleted["_deletedOn"] is not None
    assert [h["id"] for h in (await space.get("/webhooks", params={"includeDeleted": "true"})).json()] == [hook["id"]]


async def test_another_space_cannot_see_a_webhook(space, other_space):
    hook = (await space.post("/webhooks", json=BODY)).json()
    r = await other_space.client.get(space.path(f"/webhooks/{hook['id']}"), headers=other_space.headers)
    assert r.status_code == 404
    assert (await other_space.get(f"/webhooks/{hook['id']}")).status_code == 404
    assert (await other_space.get("/webhooks")).json() == []


@pytest.mark.parametrize("change, field", [
    ({"url": "ftp://example.com/x"}, "url"),
    ({"url": "/relative"}, "url"),
    ({"maxBatchSize": 0}, "maxBatchSize"),
    ({"maxBatchSize": 501}, "maxBatchSize"),
    ({"batchTimeout": 0}, "batchTimeout"),
    ({"batchTimeout": 61}, "batchTimeout"),
    ({"subscriptions": [{"type": "message.nope"}]}, "subscriptions[0].type"),
    ({"subscriptions": [{"type": "profile.create", "filters": [{"name": "channel", "value": "sms"}]}]},
     "subscriptions[0].filters[0].name"),
    ({"secret": "whsec_!!notbase64"}, "secret"),
    ({"name": ""}, "name"),
    ({"colour": "blue"}, "colour"),
])
async def test_invalid_configurations_name_the_field(space, change, field):
    r = await space.post("/webhooks", json={**BODY, **change})
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert any(e["field"].endswith(field) for e in r.json()["errors"]), r.json()


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/x", "http://localhost/x", "http://10.1.2.3/x",
                                 "http://192.168.0.1/x", "http://169.254.169.254/latest/meta-data",
                                 "http://[::1]/x", "http://[fe80::1]/x", "http://[::ffff:127.0.0.1]/x"])
async def test_private_targets_are_refused_by_default(space, url):
    r = await space.post("/webhooks", json={**BODY, "url": url})
    assert r.status_code == 400 and r.json()["code"] == "UrlNotAllowed", r.text


async def test_loopback_is_allowed_when_configured_but_private_still_refused(hs):
    await make_hook(hs, "http://127.0.0.1:9/x")
    r = await hs.post("/webhooks", json={**BODY, "url": "http://10.0.0.1/x"})
    assert r.status_code == 400 and r.json()["code"] == "UrlNotAllowed"


async def test_available_events_and_templates(space):
    events = (await space.get("/webhooks/availableevents")).json()
    by_type = {e["type"]: e for e in events}
    for name in ("message.sent", "message.delivered", "message.read", "message.expired", "message.failed",
                 "message.inbound", "interaction.click", "profile.create", "profile.update", "profile.delete",
                 "profile.undelete"):
        assert name in by_type
    channel = by_type["message.delivered"]["filters"][0]
    assert channel["name"] == "channel" and channel["required"] is False and "sms" in channel["description"]
    assert "schema" not in by_type["message.sent"]
    with_schemas = (await space.get("/webhooks/availableevents", params={"includeSchemas": "true"})).json()
    assert with_schemas[0]["schema"]["required"][0] == "eventId"

    for path in ("/accesstokens/availabletemplates", "/webhooks/availabletemplates"):
        templates = {t["name"]: t for t in (await space.get(path)).json()}
        assert templates["Message events"]["events"] == ["message.sent", "message.delivered", "message.read",
                                                         "message.expired", "message.failed", "message.inbound"]
        assert "profile.undelete" in templates["Message and Profile events"]["events"]
        assert set(templates["All events"]["events"]) == set(by_type)


async def test_the_catalogue_is_extended_by_adding_a_line(space, monkeypatch):
    extra = catalogue.EventType("chat.create", "A chat started",
                                (catalogue.EventFilter("channel", "channelId", "The chat's channel"),))
    monkeypatch.setattr(catalogue, "EVENT_TYPES", [*catalogue.EVENT_TYPES, extra])
    events = {e["type"] for e in (await space.get("/webhooks/availableevents")).json()}
    assert "chat.create" in events
    r = await space.post("/webhooks", json={**BODY, "subscriptions": [
        {"type": "chat.create", "filters": [{"name": "channel", "value": "app"}]}]})
    assert r.status_code == 201, r.text
