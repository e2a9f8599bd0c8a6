"""The One API send path end to end on the sandbox provider."""
from datetime import UTC

from sqlalchemy import select

from onecast.kit.models import Event

SMS = {"to": {"phoneNumber": "447700900123"}, "body": "Hello", "rules": ["sms"]}


async def events_of(app, entity_id):
    async with app.state.db.transaction() as session:
        rows = (await session.execute(select(Event).where(Event.entity_id == entity_id).order_by(Event.seq))).scalars()
        return [(e.name, e.payload) for e in rows]


async def test_send_is_accepted_then_delivered(app, space, deliver):
    r = await space.post("/messages", json={**SMS, "metadata": {"order": "A1"}})
    assert r.status_code == 201, r.text
    message = r.json()
    assert message["status"] == "processing"
    assert message["to"] == {"phoneNumber": "447700900123"} and message["body"] == "Hello"
    assert message["statusDetails"]["channelId"] == "sms"
    assert message["_createdBy"].startswith("access:")

    await deliver(space)
    got = (await space.get(f"/messages/{message['messageId']}")).json()
    assert got["status"] == "delivered"
    assert [h["status"] for h in got["statusHistory"]] == ["processing", "sent", "delivered"]
    assert got["segmentCount"] == 1

    sent = (await space.get("/sandbox/messages", params={"messageId": message["messageId"]})).json()
    assert len(sent) == 1 and sent[0]["address"] == "+447700900123" and sent[0]["payload"]["body"] == "Hello"

    names = [(n, p.get("metadata")) for n, p in await events_of(app, message["messageId"])]
    assert names == [("message.sent", {"order": "A1"}), ("message.delivered", {"order": "A1"})]


async def test_send_to_profile_creates_it_and_merges_fields(space, deliver):
    r = await space.post("/messages", json={
        "to": {"profileId": "jo@example.com", "phoneNumber": "447700900124", "firstName": "Jo"},
        "body": "Hi {{profile.firstName}}{{profile.missing}}, code {{ profile.id }}", "rules": ["sms"]})
    assert r.status_code == 201, r.text
    profile = (await space.get("/profiles/jo@example.com")).json()
    assert profile["phoneNumber"] == "447700900124" and profile["firstName"] == "Jo"
    await deliver(space)
    sent = (await space.get("/sandbox/messages", params={"messageId": r.json()["messageId"]})).json()
    assert sent[0]["payload"]["body"] == "Hi Jo, code jo@example.com"

    # a later send needs only the profile id: the stored phone number is used
    r = await space.post("/messages", json={"to": {"profileId": "jo@example.com"}, "body": "again", "rules": ["sms"]})
    await deliver(space)
    assert (await space.get(f"/messages/{r.json()['messageId']}")).json()["status"] == "delivered"


async def test_custom_body_and_metadata_merge(space, deliver):
    await space.post("/profiles", json={"id": "p-merge", "email": "m@example.com", "tier": "gold"})
    r = await space.post("/messages", json={
        "to": {"profileId": "p-merge"}, "body": "plain", "title": "T", "rules": ["email"],
        "metadata": {"tier": "{{profile.tier}}"},
        "customBody": {"email": {"text": "{{body}} for {{profileId}} ({{title}})"}}})
    assert r.status_code == 201, r.text
    await deliver(space)
    sent = (await space.get("/sandbox/messages", params={"messageId": r.json()["messageId"]})).json()
    assert sent[0]["payload"]["customBody"] == {"text": "plain for p-merge (T)"}
    assert sent[0]["address"] == "m@example.com"


async def test_no_reachable_channel_fails_at_submit(space):
    r = await space.post("/messages", json={"to": {"profileId": "nobody"}, "body": "x", "rules": ["sms", "email"]})
    assert r.status_code == 201
    body = r.json()
    assert body["status"] == "failed"
    assert {s["reason"] for s in body["statusDetails"]["skipped"]} == {"NoAddress"}


async def test_opted_out_profile_is_filtered(space):
    await space.post("/profiles", json={"id": "out", "phoneNumber": "447700900125"})
    assert (await space.delete("/profiles/out/optin", params={"channel": "sms"})).status_code == 200
    r = await space.post("/messages", json={"to": {"profileId": "out"}, "body": "x", "rules": ["sms"]})
    assert r.json()["status"] == "filtered"
    assert r.json()["statusDetails"]["skipped"] == [{"channel": "sms", "reason": "OptedOut"}]
    # issue 20 #13: the message's reason agrees with the plan's (it said NotOptedIn)
    assert r.json()["statusDetails"]["reason"] == "OptedOut"
    stored = (await space.get(f"/messages/{r.json()['messageId']}")).json()
    assert stored["statusDetails"]["reason"] == "OptedOut"
    r = await space.post("/messages", json={"to": {"profileId": "out"}, "body": "x", "rules": ["sms"],
                                           "requireOptIn": True})
    assert r.json()["statusDetails"]["reason"] == "OptedOut"


async def test_require_opt_in(space, deliver):
    await space.post("/profiles", json={"id": "undecided", "phoneNumber": "447700900126", "email": "u@example.com"})
    r = await space.post("/messages", json={"to": {"profileId": "undecided"}, "body": "x", "rules": ["sms"],
                                           "requireOptIn": True})
    assert r.json()["status"] == "filtered" and r.json()["statusDetails"]["reason"] == "NotOptedIn"
    assert r.json()["statusDetails"]["skipped"] == [{"channel": "sms", "reason": "NotOptedIn"}]
    await space.put("/profiles/undecided/optin", json={"channels": ["email"]})
    r = await space.post("/messages", json={"to": {"profileId": "undecided"}, "body": "x",
                                           "rules": ["sms", "email"], "requireOptIn": True})
    assert r.json()["status"] == "processing" and r.json()["statusDetails"]["channelId"] == "email"
    await deliver(space)
    assert (await space.get(f"/messages/{r.json()['messageId']}")).json()["status"] == "delivered"
    # space default opt-in counts when the profile says nothing
    assert (await space.put("/profiles/optin", json={"sms": True})).status_code == 200
    r = await space.post("/messages", json={"to": {"profileId": "undecided"}, "body": "x", "rules": ["sms"],
                                           "requireOptIn": True})
    assert r.json()["status"] == "processing"


async def test_sms_segments_and_unicode(space, deliver):
    long_gsm = "a" * 161
    r = await space.post("/messages", json={**SMS, "body": long_gsm})
    await deliver(space)
    assert (await space.get(f"/messages/{r.json()['messageId']}")).json()["segmentCount"] == 2
    r = await space.post("/messages", json={**SMS, "body": "ü" * 10 + "€" + "ж",
                                           "channelOptions": {"sms": {"allowUnicode": False}}})
    assert r.status_code == 400 and r.json()["code"] == "UnicodeNotAllowed"
    r = await space.post("/messages", json={**SMS, "body": "x" * 2001})
    assert r.status_code == 400 and r.json()["code"] == "BodyTooLong"
    r = await space.post("/messages", json={**SMS, "body": "Cost: ∑ 5",
                                           "channelOptions": {"sms": {"allowUnicode": False, "unicodeConversion": {
                                               "convertUnicodeToGsm": True,
                                               "customReplacements": [{"from": "∑", "to": "sum"}]}}}})
    assert r.status_code == 201, r.text


async def test_expired_before_delivery(app, space, deliver):
    from datetime import datetime, timedelta

    from onecast.messages.models import Message

    soon = (datetime.now(UTC) + timedelta(seconds=30)).isoformat()
    r = await space.post("/messages", json={**SMS, "expiresOn": soon})
    assert r.status_code == 201
    async with app.state.db.transaction() as session:  # let the clock pass expiresOn
        message = await session.get(Message, r.json()["messageId"])
        message.expires_on = datetime.now(UTC) - timedelta(seconds=1)
    await deliver(space)
    got = (await space.get(f"/messages/{r.json()['messageId']}")).json()
    assert got["status"] == "expired"
    assert not (await space.get("/sandbox/messages", params={"messageId": r.json()["messageId"]})).json()


async def test_expires_on_in_the_past_is_refused(space):
    r = await space.post("/messages", json={**SMS, "expiresOn": "2020-01-01T00:00:00Z"})
    assert r.status_code == 400 and r.json()["code"] == "ExpiresOnInPast"
