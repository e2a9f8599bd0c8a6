"""Retries, fallback across rules, and failures."""


async def set_sandbox(space, **settings):
    r = await space.put("/sandbox/settings", json=settings)
    assert r.status_code == 200, r.text


async def test_fallback_to_next_channel_on_permanent_failure(space, deliver):
    await set_sandbox(space, failChannels={"sms": "permanent"})
    r = await space.post("/messages", json={"to": {"phoneNumber": "447700900200", "email": "f@example.com"},
                                           "body": "x", "rules": ["sms", "email"]})
    await deliver(space)
    got = (await space.get(f"/messages/{r.json()['messageId']}")).json()
    assert got["status"] == "delivered"
    assert got["statusDetails"]["channel"] == "email"
    assert got["statusDetails"]["failedChannels"][0]["channel"] == "sms"
    fallback = [h for h in got["statusHistory"] if h["status"] == "retrying"]
    assert fallback[0]["details"]["fallbackFrom"] == "sms" and fallback[0]["details"]["fallbackTo"] == "email"
    sent = (await space.get("/sandbox/messages", params={"messageId": got["messageId"]})).json()
    assert [s["channel"] for s in sent] == ["email"]


async def test_transient_failures_are_retried(space, deliver):
    await set_sandbox(space, failAddresses={"+447700900201": "transient:2"})
    r = await space.post("/messages", json={"to": {"phoneNumber": "447700900201"}, "body": "x", "rules": ["sms"]})
    await deliver(space)
    got = (await space.get(f"/messages/{r.json()['messageId']}")).json()
    assert got["status"] == "delivered"
    assert got["attempts"] == 3
    assert [h["status"] for h in got["statusHistory"]] == ["processing", "retrying", "retrying", "sent", "delivered"]


async def test_retries_exhausted_then_next_channel_then_failed(space, deliver, settings):
    await set_sandbox(space, failChannels={"sms": "transient", "email": "permanent"})
    r = await space.post("/messages", json={"to": {"phoneNumber": "447700900202", "email": "g@example.com"},
                                           "body": "x", "rules": ["sms", "email"]})
    await deliver(space)
    got = (await space.get(f"/messages/{r.json()['messageId']}")).json()
    assert got["status"] == "failed"
    assert got["attempts"] == settings.max_attempts + 1
    assert got["statusHistory"][-1]["details"]["permanent"] is True
    assert not (await space.get("/sandbox/messages", params={"messageId": got["messageId"]})).json()


async def test_receipt_settings_read_and_none(space, deliver):
    await set_sandbox(space, receipt="read")
    r = await space.post("/messages", json={"to": {"phoneNumber": "447700900203"}, "body": "x", "rules": ["sms"]})
    await deliver(space)
    assert (await space.get(f"/messages/{r.json()['messageId']}")).json()["status"] == "read"
    await set_sandbox(space, receipt="none")
    r = await space.post("/messages", json={"to": {"phoneNumber": "447700900203"}, "body": "x", "rules": ["sms"]})
    await deliver(space)
    mid = r.json()["messageId"]
    assert (await space.get(f"/messages/{mid}")).json()["status"] == "sent"
    r = await space.post(f"/sandbox/messages/{mid}/receipts", json={"status": "failed", "reason": "handset off"})
    assert r.status_code == 200 and r.json()["status"] == "failed"


async def test_auto_reply_becomes_inbound_on_profile(space, deliver):
    await space.post("/profiles", json={"id": "replier", "phoneNumber": "447700900204"})
    await set_sandbox(space, autoReply="Thanks!")
    r = await space.post("/messages", json={"to": {"profileId": "replier"}, "body": "x", "rules": ["sms"],
                                           "metadata": {"k": "v"}})
    await deliver(space)
    history = (await space.get("/profiles/replier/messages")).json()
    assert [(h["direction"], h["message"]["body"]) for h in history] == [("inbound", "Thanks!"), ("outbound", "x")]
    assert history[1]["messageId"] == r.json()["messageId"]
