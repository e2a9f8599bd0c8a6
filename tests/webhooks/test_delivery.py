"""Events reach a real HTTP receiver, signed (checked with the `standardwebhooks` library and
a plain HMAC-SHA1), selected by subscriptions and filters, one by one or in batches."""
import hashlib
import hmac
import json

from sqlalchemy import func, select
from standardwebhooks import Webhook as StandardWebhook

from onecast.kit.events import record_event
from onecast.kit.models import Event
from onecast.webhooks.models import WebhookOutbox
from tests.webhooks.conftest import deliveries, later, make_hook


def verify(secret: str, received) -> object:
    """Both signatures, with code that is not the project's."""
    key = secret if secret.startswith("whsec_") else secret.encode()
    parsed = StandardWebhook(key).verify(received.body, received.headers)
    expected = hmac.new(secret.encode(), received.body, hashlib.sha1).hexdigest()
    assert received.headers["x-comapi-signature"] == expected
    return parsed


async def test_a_profile_event_is_delivered_signed(hs, receiver, drain):
    hook = await make_hook(hs, receiver.url("/ok"))
    r = await hs.post("/profiles", json={"id": "joe@acme.com", "name": "Joe"})
    assert r.status_code == 201
    assert await drain(hs) == 1
    [got] = receiver.at("/ok")
    event = verify(hook["secret"], got)
    assert event["name"] == "profile.create" and event["apiSpaceId"] == hs.space_id
    assert event["payload"]["id"] == "joe@acme.com" and event["payload"]["name"] == "Joe"
    assert event["revision"] == 1 and event["timestamp"].endswith("Z")
    assert got.headers["webhook-id"] == event["eventId"]
    assert got.headers["content-type"] == "application/json"
    [d] = await deliveries(hs, hook["id"])
    assert d["status"] == "delivered" and d["attempts"] == 1 and d["responseCode"] == 200
    assert d["eventId"] == event["eventId"] and d["latencyMs"] >= 0 and d["deliveredOn"]
    assert d["attemptLog"][0]["outcome"] == "delivered"


async def test_a_secret_the_client_chose_signs_too(hs, receiver, drain):
    hook = await make_hook(hs, receiver.url("/ok"), secret="my-own-secret-of-the-seed-api")
    await hs.post("/profiles", json={"id": "p1"})
    await drain(hs)
    verify(hook["secret"], receiver.at("/ok")[0])


async def test_rotation_signs_with_old_and_new_secret(hs, receiver, drain):
    hook = await make_hook(hs, receiver.url("/ok"))
    body = {"name": "crm", "url": hook["url"], "subscriptions": hook["subscriptions"],
            "secret": "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"}
    r = await hs.put(f"/webhooks/{hook['id']}", json=body)
    assert r.status_code == 200 and r.json()["secret"] == body["secret"]
    await hs.post("/profiles", json={"id": "p1"})
    await drain(hs)
    [got] = receiver.at("/ok")
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    StandardWebhook(hook["secret"]).verify(got.body, got.headers)  # receivers still on the old secret
    verify(body["secret"], got)


async def test_the_outbox_row_is_written_in_the_events_transaction(wh_app, hs):
    db = wh_app.state.db
    async with db.transaction() as session:
        event = record_event(session, hs.space_id, "profile.create", "p1", {"id": "p1"})
    try:
        async with db.transaction() as session:
            lost = record_event(session, hs.space_id, "profile.create", "p2", {"id": "p2"})
            raise RuntimeError("the change fails")
    except RuntimeError:
        pass
    async with db.read() as session:
        count = lambda model, eid: session.execute(  # noqa: E731
            select(func.count()).select_from(model).where(model.event_id == eid) if model is WebhookOutbox
            else select(func.count()).select_from(model).where(model.id == eid))
        assert (await count(WebhookOutbox, event.id)).scalar_one() == 1
        assert (await count(Event, event.id)).scalar_one() == 1
        assert (await count(WebhookOutbox, lost.id)).scalar_one() == 0
        assert (await count(Event, lost.id)).scalar_one() == 0


async def test_subscriptions_and_filters_select_events(hs, receiver, drain, deliver_messages):
    sms = await make_hook(hs, receiver.url("/script/sms"), ["message.sent"],
                          subscriptions=[{"type": "message.sent", "filters": [{"name": "channel", "value": "sms"}]},
                                         {"type": "message.delivered"}])
    email = await make_hook(hs, receiver.url("/script/email"), subscriptions=[
        {"type": "message.sent", "filters": [{"name": "channel", "value": "email"}]}])
    await hs.put("/sandbox/settings", json={"receipt": "delivered"})
    r = await hs.post("/messages", json={"to": {"phoneNumber": "447700900400"}, "body": "hi", "rules": ["sms"],
                                         "metadata": {"orderId": "A-17"}})
    assert r.status_code == 201, r.text
    await hs.post("/profiles", json={"id": "not-subscribed"})
    await deliver_messages(hs)
    await drain(hs)
    events = [verify(sms["secret"], got) for got in receiver.at("/script/sms")]
    assert [e["name"] for e in events] == ["message.sent", "message.delivered"]
    assert all(e["payload"]["metadata"] == {"orderId": "A-17"} for e in events)
    assert events[0]["payload"]["details"]["channel"] == "sms"
    assert events[1]["revision"] > events[0]["revision"]
    assert receiver.at("/script/email") == []
    assert await deliveries(hs, email["id"]) == []


async def test_batches_flush_when_full_or_timed_out(hs, receiver, drain):
    hook = await make_hook(hs, receiver.url("/ok"), ["profile.create"], batch=True, maxBatchSize=3, batchTimeout=5)
    for i in range(7):
        await hs.post("/profiles", json={"id": f"b{i}"})
    assert await drain(hs, flush=False) == 6  # two full batches; the 7th waits for more or for the timeout
    assert [len(json.loads(got.body)) for got in receiver.at("/ok")] == [3, 3]
    assert await drain(hs, at=later(6), flush=False) == 1
    batches = [verify(hook["secret"], got) for got in receiver.at("/ok")]
    assert [[e["payload"]["id"] for e in batch] for batch in batches] == [["b0", "b1", "b2"], ["b3", "b4", "b5"],
                                                                         ["b6"]]
    assert len({got.headers["webhook-id"] for got in receiver.at("/ok")}) == 3
    assert {d["status"] for d in await deliveries(hs, hook["id"])} == {"delivered"}
