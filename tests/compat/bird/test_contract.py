"""Contract of the Bird Channels API surface, from reference/seeds/004 (the Bird "Messaging" page):
AccessKey auth, 202 with the message on send, 413 over 200 KB, 422 for invalid fields, list with
limit (1-1000, default 25) / pageToken / reverse, get one, presigned media upload, contacts
created on send, tags lower-cased (max 10), scheduledFor (10 minutes / 35 days)."""
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.compat.bird.conftest import sms

# Bird's message statuses (docs.bird.com channels-api message-status), plus `scheduled`.
BIRD_STATUSES = {"accepted", "processing", "scheduled", "sent", "sending_failed", "delivered", "delivery_failed",
                 "skipped"}
ISO = "%Y-%m-%dT%H:%M:%S"


def is_datetime(value: str) -> bool:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None


def assert_message_shape(msg: dict, channel: str) -> None:
    """Required members of the message (seed 004 'Get message by message ID' response)."""
    for field in ("id", "channelId", "createdAt", "lastStatusAt", "status"):
        assert field in msg, (field, msg)
    assert msg["channelId"] == channel
    assert msg["status"] in BIRD_STATUSES
    assert is_datetime(msg["createdAt"]) and is_datetime(msg["lastStatusAt"])
    assert msg["direction"] in ("incoming", "outgoing")


async def test_authorization_is_an_access_key(bird, anon, space):
    for headers in ({}, {"Authorization": f"Bearer {space.key}"}, {"Authorization": "AccessKey wrong"},
                    {"Authorization": "AccessKey "}):
        r = await anon.post(bird.url("/channels/sms/messages"), json=sms(), headers=headers)
        assert r.status_code == 401, (headers, r.text)
    r = await bird.send("sms", sms())
    assert r.status_code == 202, r.text


async def test_another_workspace_is_not_found(bird, other_space):
    r = await bird.send("sms", sms(), workspace=other_space.space_id)
    assert r.status_code == 404
    assert r.json()["code"] == "NotFound" and r.json()["message"]


async def test_send_answers_202_with_the_message(bird, space):
    r = await bird.send("sms", sms(reference="order-42", tags=["Promo", "VIP"]))
    assert r.status_code == 202, r.text
    msg = r.json()
    assert_message_shape(msg, "sms")
    assert msg["direction"] == "outgoing"
    assert msg["status"] == "accepted"
    assert msg["reference"] == "order-42"
    assert msg["tags"] == ["promo", "vip"]
    assert msg["body"] == {"type": "text", "text": {"text": "Hello"}}
    assert msg["receiver"]["contacts"][0]["identifierValue"] == "+31612345678"
    # the same message through the core API: the body and recipient arrived
    core = (await space.get(f"/messages/{msg['id']}")).json()
    assert core["body"] == "Hello" and core["to"]["phoneNumber"] == "+31612345678"


async def test_a_contact_is_created_for_the_receiver(bird, space):
    assert (await space.get("/profiles/+31600000001")).status_code == 404
    assert (await bird.send("sms", sms("+31600000001"))).status_code == 202
    profile = await space.get("/profiles/+31600000001")
    assert profile.status_code == 200
    assert profile.json()["phoneNumber"] == "+31600000001"


async def test_status_follows_delivery_with_birds_names(bird, space, deliver):
    msg = (await bird.send("sms", sms())).json()
    await deliver(space)
    got = await bird.request("GET", f"/channels/sms/messages/{msg['id']}")
    assert got.status_code == 200
    assert got.json()["status"] in ("sent", "delivered")
    await space.put("/sandbox/settings", json={"failAddresses": {"+31611111111": "permanent"}})
    failed = (await bird.send("sms", sms("+31611111111"))).json()
    await deliver(space)
    got = (await bird.request("GET", f"/channels/sms/messages/{failed['id']}")).json()
    assert got["status"] == "sending_failed"


@pytest.mark.parametrize("body, field", [
    ({"receiver": {"contacts": []}, "body": {"type": "text", "text": {"text": "x"}}}, "receiver.contacts"),
    ({"receiver": {"contacts": [{"identifierKey": "phonenumber", "identifierValue": "+31612345678"}]}}, "body"),
    (sms(tags=[f"t{i}" for i in range(11)]), "tags"),
    (sms(scheduledFor="not a date"), "scheduledFor"),
    ({"receiver": {"contacts": [{"identifierKey": "phonenumber", "identifierValue": "+31612345678"}]},
      "body": {"type": "text", "text": {}}}, "body.text.text"),
])
async def test_invalid_fields_are_422_naming_the_field(bird, app, body, field):
    r = await bird.send("sms", body)
    assert r.status_code == 422, r.text
    error = r.json()
    assert error["code"] and error["message"]
    assert any(k.startswith(field) for k in error["details"]), error


async def test_multiple_receivers_are_rejected_outside_email(bird):
    body = sms()
    body["receiver"]["contacts"].append({"identifierKey": "phonenumber", "identifierValue": "+31687654321"})
    assert (await bird.send("sms", body)).status_code == 422


async def test_a_body_over_200_kb_is_413(bird):
    r = await bird.send("sms", sms(text="x" * (201 * 1024)))
    assert r.status_code == 413


async def test_unknown_channel_is_404(bird):
    assert (await bird.send("no-such-channel", sms())).status_code == 404


async def test_scheduled_for_rules(bird, space, app, settings):
    now = datetime.now(UTC)
    r = await bird.send("sms", sms(scheduledFor=(now + timedelta(days=36)).isoformat()))
    assert r.status_code == 422 and "scheduledFor" in r.json()["details"]
    soon = (await bird.send("sms", sms(scheduledFor=(now + timedelta(minutes=5)).isoformat()))).json()
    later = (await bird.send("sms", sms(scheduledFor=(now + timedelta(days=2)).isoformat()))).json()
    assert later["status"] == "scheduled" and "scheduledFor" in later
    from onecast.delivery.worker import Worker

    worker = Worker(app.state.db, settings, name="bird-schedule")
    try:
        await worker.drain()
    finally:
        await worker.pool.close()
    got = {m: (await bird.request("GET", f"/channels/sms/messages/{m}")).json()["status"]
           for m in (soon["id"], later["id"])}
    assert got[soon["id"]] in ("sent", "delivered")  # within 10 minutes: sent now
    assert got[later["id"]] == "scheduled"


async def test_template_message(bird, space, deliver):
    tpl = await space.post("/templates", json={"id": "welcome", "name": "welcome",
                                               "channels": {"sms": {"body": "Hi {{ data.name }}"}}})
    assert tpl.status_code == 201, tpl.text
    body = {"receiver": sms()["receiver"],
            "template": {"projectId": "welcome", "version": "latest", "locale": "en",
                         "parameters": [{"type": "string", "key": "name", "value": "Ann"}]}}
    r = await bird.send("sms", body)
    assert r.status_code == 202, r.text
    assert r.json()["template"]["projectId"] == "welcome"
    core = (await space.get(f"/messages/{r.json()['id']}")).json()
    assert core["templateId"] == "welcome"
    await deliver(space)
    delivered = (await space.get("/sandbox/messages")).json()
    assert any((d.get("payload") or d).get("body") == "Hi Ann" for d in delivered), delivered


async def test_list_paginates_with_page_token_and_reverse(bird):
    ids = [(await bird.send("sms", sms(text=f"m{i}"))).json()["id"] for i in range(3)]
    first = await bird.request("GET", "/channels/sms/messages", params={"limit": 2})
    assert first.status_code == 200
    page = first.json()
    assert [m["id"] for m in page["results"]] == ids[::-1][:2]
    for m in page["results"]:
        assert_message_shape(m, "sms")
    rest = (await bird.request("GET", "/channels/sms/messages",
                               params={"limit": 2, "pageToken": page["nextPageToken"]})).json()
    assert [m["id"] for m in rest["results"]] == [ids[0]]
    assert "nextPageToken" not in rest
    oldest = (await bird.request("GET", "/channels/sms/messages", params={"reverse": "true", "limit": 1})).json()
    assert oldest["results"][0]["id"] == ids[0]
    default = (await bird.request("GET", "/channels/sms/messages")).json()
    assert len(default["results"]) == 3


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 1001}, {"limit": "many"}, {"pageToken": "%%%"}])
async def test_list_rejects_bad_parameters_with_422(bird, params):
    r = await bird.request("GET", "/channels/sms/messages", params=params)
    assert r.status_code == 422, r.text


async def test_get_one_message(bird):
    msg = (await bird.send("sms", sms())).json()
    r = await bird.request("GET", f"/channels/sms/messages/{msg['id']}")
    assert r.status_code == 200
    assert r.json()["id"] == msg["id"]
    assert (await bird.request("GET", f"/channels/email/messages/{msg['id']}")).status_code == 404
    assert (await bird.request("GET", "/channels/sms/messages/00000000-0000-0000-0000-000000000000")).status_code == 404


async def test_configured_channel_is_addressed_by_its_uuid(bird, space, app):
    from sqlalchemy import select

    from onecast.channels.models import Channel

    r = await space.post("/channels", json={"id": "alerts", "type": "sms", "provider": "sandbox"})
    assert r.status_code in (200, 201), r.text
    async with app.state.db.read() as session:
        uuid = (await session.execute(select(Channel.id).where(Channel.space_id == space.space_id,
                                                               Channel.channel_id == "alerts"))).scalar_one()
    msg = (await bird.send(uuid, sms())).json()
    assert msg["channelId"] == uuid
    core = (await space.get(f"/messages/{msg['id']}")).json()
    assert core["rules"] == ["alerts"]


@pytest.mark.parametrize("suffix", ["/presigned-upload", "/channels/mms/presigned-upload"])
async def test_presigned_media_upload(bird, anon, suffix):
    r = await bird.request("POST", suffix, json={"contentType": "image/png"})
    assert r.status_code == 200, r.text
    got = r.json()
    assert set(got) >= {"mediaUrl", "uploadUrl", "uploadMethod", "uploadFormData"}
    assert got["uploadMethod"] == "POST"
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    up = await anon.post(httpx.URL(got["uploadUrl"]).raw_path.decode(), data=got["uploadFormData"],
                         files={"file": ("pic.png", png, "image/png")})
    assert up.status_code in (200, 204), up.text
    media = await anon.get(httpx.URL(got["mediaUrl"]).raw_path.decode())
    assert media.status_code == 200 and media.content == png
    bad = await bird.request("POST", suffix, json={})
    assert bad.status_code == 422 and "contentType" in bad.json()["details"]
