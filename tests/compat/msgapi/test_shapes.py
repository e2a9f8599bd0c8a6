"""Seed 003 shapes a client written from the document relies on: callback contacts typed as
Channels List types the channel (with its lane), InBoundMsgStatus.contactId for sends by phone,
`voice` sent with the documented `audio` member, errors naming the request's fields, and
ChatMessageDTO with messageId and an int64 epoch-ms timestamp."""

from tests.compat.msgapi.callbacks import customer_app, drain
from tests.compat.msgapi.client import envelope_ok, text


async def callbacks(app, settings, space, receiver) -> list[dict]:
    """What the customer's app received of the events since its webhook was set."""
    await drain(app, settings, space)
    return [body for _, body in receiver.received]


async def test_callback_contacts_are_typed_as_channels_list_shows_them(app, api, space, settings):
    r = await space.post(
        "/channels",
        json={"type": "whatsApp", "provider": "sandbox", "name": "Support", "config": {"phoneNumber": "919999998888"}},
    )
    assert r.status_code == 201, r.text
    channel_id = r.json()["id"]
    listed = {
        c["channelId"]: c for c in envelope_ok(await api.get("/config/channels", params={"sandbox": "true"}))["results"]
    }
    assert listed[channel_id]["contactType"] == "WHATSAPP" and listed[channel_id]["lane"] == "919999998888"
    async with customer_app(api) as receiver:
        inbound = await space.post(
            "/messages/inbounds", json={"channel": channel_id, "body": "Hi", "from": {"phoneNumber": "919988776655"}}
        )
        assert inbound.status_code == 201, inbound.text
        (wrapper,) = [b for b in await callbacks(app, settings, space, receiver) if b["type"] == "messages"]
    (contact,) = wrapper["contacts"]
    assert contact["channelId"] == channel_id
    assert (contact["contactType"], contact["lane"]) == ("WHATSAPP", "919999998888")


async def test_status_callbacks_name_the_contact_of_a_send_by_phone(app, api, space, deliver, settings):
    async with customer_app(api) as receiver:
        sent = envelope_ok(await api.post("/message/send", text(to="919988776655")))["data"]["id"]
        await deliver(space)
        statuses = [
            s for b in await callbacks(app, settings, space, receiver) if b["type"] == "statuses" for s in b["statuses"]
        ]
    mine = [s for s in statuses if s["id"] == sent]
    assert mine and all(s["contactId"] == "919988776655" for s in mine), mine


async def test_voice_is_sent_with_the_documented_audio_member(api, space):
    body = {
        "channelId": "whatsApp",
        "to": {"phone": "919988776655"},
        "type": "voice",
        "audio": {"link": "https://example.com/note.ogg"},
    }
    data = envelope_ok(await api.post("/message/send", body))["data"]
    assert data["type"] == "voice"
    parts = (await space.get(f"/messages/{data['id']}")).json()["messageParts"]
    assert parts == [{"type": "audio/ogg", "url": "https://example.com/note.ogg"}]
    missing = await api.post("/message/send", {**body, "audio": None})
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "audio"


async def test_session_messages_are_chat_message_dtos(api, space):
    r = await space.post(
        "/messages/inbounds",
        json={
            "channel": "whatsApp",
            "from": {"phoneNumber": "919988776655"},
            "body": "Hi",
            "conversationId": "61f3810a02e14c0877fc1a32",
        },
    )
    assert r.status_code == 201
    (msg,) = envelope_ok(await api.post("/session/messages", {"sessionId": "61f3810a02e14c0877fc1a32"}))["results"]
    assert msg["messageId"] == r.json()["messageId"] and msg["sessionId"] == "61f3810a02e14c0877fc1a32"
    assert isinstance(msg["timestamp"], int) and msg["timestamp"] > 10**12
    assert msg["text"] == "Hi" and msg["contact"]["contactType"] == "WHATSAPP"


async def test_contact_info_callback_updates_the_contact(app, api, space, settings):
    """POST /api/v1/contact/info (seed 003 §8): the app gets the InBoundContact of an incoming message
    with the verify token, and its ContactInfoUpdate answer (the document's example) lands on the profile."""
    async with customer_app(api) as receiver:
        r = await space.post(
            "/messages/inbounds", json={"channel": "whatsApp", "body": "Hi", "from": {"phoneNumber": "919988776655"}}
        )
        assert r.status_code == 201
        assert await drain(app, settings, space) == 1
    ((verify, contact),) = receiver.contacts
    assert verify == receiver.app_doc["data"]["secret"]["verifyToken"]
    assert contact["contactId"] == "919988776655" and contact["contactType"] == "WHATSAPP"
    assert contact["channelId"] == "whatsApp" and contact["profile"] == {"phone": "919988776655"}
    profile = (await space.get("/profiles/919988776655")).json()
    assert profile["name"] == "John Doe" and profile["businessProfileId"] == "C34567"
    assert profile["phoneNumber"] == "919988776655" and profile["labels"][0]["value"] == "Platinum"
    assert "email" not in profile  # an empty value changes nothing
