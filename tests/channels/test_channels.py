"""Channels per space: the sandbox serves every type until one is configured."""
import uuid

import pytest


async def test_new_space_lists_sandbox_for_every_type(space):
    r = await space.get("/channels")
    assert r.status_code == 200
    listed = {c["type"]: c for c in r.json()}
    for channel_type in ("sms", "mms", "email", "whatsApp", "fbMessenger", "nativePush", "appMessaging", "telegram"):
        assert listed[channel_type]["provider"] == "sandbox" and listed[channel_type]["implicit"] is True


async def test_custom_channel_crud_and_send(space, deliver):
    body = {"id": "custom_crm", "type": "custom", "provider": "sandbox", "name": "CRM",
            "config": {"idField": "crmId"}}
    r = await space.post("/channels", json=body)
    assert r.status_code == 201, r.text
    etag = r.headers["etag"]
    assert (await space.post("/channels", json=body)).status_code == 409
    got = await space.get("/channels/custom_crm")
    assert got.status_code == 200 and got.json()["config"] == {"idField": "crmId"}

    r = await space.post("/messages", json={"to": {"crmId": "C-42"}, "body": "hello crm", "rules": ["custom_crm"]})
    assert r.status_code == 201, r.text
    await deliver(space)
    mid = r.json()["messageId"]
    assert (await space.get(f"/messages/{mid}")).json()["status"] == "delivered"
    sent = (await space.get("/sandbox/messages", params={"channel": "custom_crm"})).json()
    assert sent[0]["address"] == "C-42" and sent[0]["payload"]["type"] == "custom"

    stale = {**body, "name": "x"}
    stale.pop("id")
    r = await space.put("/channels/custom_crm", json=stale, headers={"If-Match": '"0-nope"'})
    assert r.status_code == 412
    r = await space.put("/channels/custom_crm", json={**stale, "enabled": False}, headers={"If-Match": etag})
    assert r.status_code == 200 and r.json()["enabled"] is False
    # a disabled custom channel cannot be used
    r = await space.post("/messages", json={"to": {"crmId": "C-42"}, "body": "x", "rules": ["custom_crm"]})
    assert r.status_code == 400 and r.json()["code"] == "UnknownChannel"
    assert (await space.delete("/channels/custom_crm")).status_code == 204
    assert (await space.get("/channels/custom_crm")).status_code == 404


async def test_configured_channel_replaces_sandbox_for_its_type(space, deliver):
    r = await space.post("/channels", json={"id": "sms-eu", "type": "sms", "provider": "sandbox"})
    assert r.status_code == 201
    listed = [c for c in (await space.get("/channels")).json() if c["type"] == "sms"]
    assert [c["id"] for c in listed] == ["sms-eu"]
    r = await space.post("/messages", json={"to": {"phoneNumber": "447700900800"}, "body": "x", "rules": ["sms"]})
    await deliver(space)
    assert (await space.get(f"/messages/{r.json()['messageId']}")).json()["status"] == "delivered"


@pytest.mark.parametrize("body", [
    {"id": "x", "type": "pigeon", "provider": "sandbox"},
    {"id": "x", "type": "sms", "provider": "nosuchprovider"},
    {"id": "bad id", "type": "sms", "provider": "sandbox"},
    {"id": "x", "type": "sms"},
    {"id": "x", "type": "sms", "provider": "sandbox", "config": "nope"},
])
async def test_bad_channel_bodies(space, body):
    r = await space.post("/channels", json=body)
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    assert all(c.get("id") != "x" for c in (await space.get("/channels")).json())


async def test_sandbox_inbound_and_settings_validation(space):
    await space.post("/profiles", json={"id": "sim", "phoneNumber": "447700900801"})
    r = await space.post("/sandbox/inbound", json={"channel": "sms", "from": "+447700900801", "body": "hi there"})
    assert r.status_code == 201, r.text
    assert r.json()["profileId"] == "sim" and r.json()["from"] == {"phoneNumber": "447700900801"}
    history = (await space.get("/profiles/sim/messages")).json()
    assert history[0]["direction"] == "inbound" and history[0]["message"]["body"] == "hi there"
    assert (await space.put("/sandbox/settings", json={"receipt": "sometimes"})).status_code == 400
    assert (await space.put("/sandbox/settings", json={"failChannels": {"sms": "often"}})).status_code == 400
    assert (await space.get("/sandbox/settings")).json()["receipt"] == "delivered"
    r = await space.post("/sandbox/inbound", json={"channel": "nope", "from": "x", "body": "y"})
    assert r.status_code == 400


async def test_a_channel_without_id_gets_a_uuid(space, deliver):
    r = await space.post("/channels", json={"type": "sms", "provider": "sandbox", "name": "Alerts"})
    assert r.status_code == 201, r.text
    channel_id = r.json()["id"]
    assert str(uuid.UUID(channel_id)) == channel_id
    assert (await space.get(f"/channels/{channel_id}")).json()["name"] == "Alerts"
    sent = await space.post("/messages", json={"to": {"phoneNumber": "+447700900123"}, "rules": [channel_id],
                                               "body": "via the uuid"})
    assert sent.status_code == 201, sent.text
    await deliver(space)
    assert (await space.get(f"/messages/{sent.json()['messageId']}")).json()["status"] in ("sent", "delivered")


async def test_put_accepts_the_post_body_with_its_own_id(space):
    """issue 20 #11: the POST body sent back to PUT (with `id`) was 400 "Extra inputs are not permitted"."""
    body = {"id": "sms-main", "type": "sms", "provider": "sandbox", "name": "main", "config": {}}
    assert (await space.post("/channels", json=body)).status_code == 201
    r = await space.put("/channels/sms-main", json={**body, "name": "renamed"})
    assert r.status_code == 200, r.text
    assert r.json()["id"] == "sms-main" and r.json()["name"] == "renamed"
    r = await space.put("/channels/sms-main", json={**body, "id": "sms-other", "name": "moved"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "id", r.text
    assert (await space.get("/channels/sms-main")).json()["name"] == "renamed"
    assert (await space.get("/channels/sms-other")).status_code == 404
