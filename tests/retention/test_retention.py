"""Retention: configuration per API space, and the job that deletes or anonymises old data."""
from datetime import timedelta

from sqlalchemy import func, select, update

from onecast.kit.clock import utcnow
from onecast.kit.models import Event
from onecast.messages.models import Message, MessageStatusEvent
from onecast.retention.service import apply, chore
from onecast.webhooks.fanout import fan_out

SMS = {"to": {"phoneNumber": "+447700900123"}, "body": "secret body", "rules": ["sms"]}


async def age(app, space_id: str, message_ids: list[str], days: int) -> None:
    """Pretend these messages (and the space's events) were created `days` ago."""
    then = utcnow() - timedelta(days=days)
    async with app.state.db.transaction() as session:
        await session.execute(update(Message).where(Message.id.in_(message_ids)).values(created_on=then))
        await session.execute(update(Event).where(Event.space_id == space_id).values(timestamp=then))


async def counts(app, space_id: str) -> tuple[int, int, int]:
    async with app.state.db.read() as session:
        messages = (await session.execute(select(func.count()).select_from(Message).where(
            Message.space_id == space_id))).scalar_one()
        statuses = (await session.execute(select(func.count()).select_from(MessageStatusEvent).join(
            Message, Message.id == MessageStatusEvent.message_id).where(Message.space_id == space_id))).scalar_one()
        events = (await session.execute(select(func.count()).select_from(Event).where(
            Event.space_id == space_id))).scalar_one()
    return messages, statuses, events


async def test_default_keeps_everything_and_config_round_trips(space, other_space):
    r = await space.get("/retention")
    assert r.status_code == 200 and r.json()["messagesDays"] is None and r.json()["mode"] == "delete"
    r = await space.put("/retention", json={"messagesDays": 30, "eventsDays": 7, "mode": "anonymise"})
    assert r.status_code == 200 and r.json()["messagesDays"] == 30 and r.json()["eventsDays"] == 7
    assert (await space.get("/retention")).json()["mode"] == "anonymise"
    assert (await other_space.client.get(space.path("/retention"), headers=other_space.headers)).status_code == 404
    for bad in ({"messagesDays": 0}, {"mode": "shred"}, {"eventsDays": "7"}, {"extra": 1}):
        assert (await space.put("/retention", json=bad)).status_code == 400, bad


async def test_old_messages_and_events_are_deleted(app, space, deliver):
    old = (await space.post("/messages", json=SMS)).json()["messageId"]
    await deliver(space)
    await age(app, space.space_id, [old], days=40)
    fresh = (await space.post("/messages", json=SMS)).json()["messageId"]  # in flight: kept whatever its age
    await age(app, space.space_id, [fresh], days=40)
    await space.put("/retention", json={"messagesDays": 30, "eventsDays": 30})
    while await fan_out(app.state.db):  # no webhooks: the events have no delivery to wait for
        pass
    before = await counts(app, space.space_id)
    done = await apply(app.state.db, space.space_id)
    assert done["messages"] == 1 and done["events"] >= 1
    assert (await space.get(f"/messages/{old}")).status_code == 404
    assert (await space.get(f"/messages/{fresh}")).json()["status"] == "processing"
    after = await counts(app, space.space_id)
    assert after[0] == before[0] - 1 and after[1] < before[1] and after[2] == 0
    assert (await space.get("/retention")).json()["lastRunOn"]


async def test_anonymise_keeps_the_record_without_content(app, space, deliver):
    sent = (await space.post("/messages", json={**SMS, "to": {"profileId": "p1", "phoneNumber": "+447700900123"}})
            ).json()["messageId"]
    await deliver(space)
    await age(app, space.space_id, [sent], days=10)
    await space.put("/retention", json={"messagesDays": 5, "mode": "anonymise"})
    await chore(app.state.db, None)
    view = (await space.get(f"/messages/{sent}")).json()
    assert view["status"] == "delivered" and view["statusHistory"][-1]["channel"] == "sms" and view["redacted"]
    assert "secret body" not in str(view) and "+447700900123" not in str(view) and "447700900123" not in str(view)
    assert (await apply(app.state.db, space.space_id))["messages"] == 0  # done once


async def test_one_space_policy_leaves_others_alone(app, space, other_space, deliver):
    mine = (await space.post("/messages", json=SMS)).json()["messageId"]
    theirs = (await other_space.post("/messages", json=SMS)).json()["messageId"]
    await deliver(space)
    await deliver(other_space)
    await age(app, space.space_id, [mine], days=100)
    await age(app, other_space.space_id, [theirs], days=100)
    await space.put("/retention", json={"messagesDays": 1})
    await apply(app.state.db, space.space_id)
    assert (await space.get(f"/messages/{mine}")).status_code == 404
    assert (await other_space.get(f"/messages/{theirs}")).status_code == 200


async def test_events_a_webhook_still_has_to_deliver_are_kept(app, space, deliver):
    r = await space.post("/webhooks", json={"name": "crm", "url": "https://crm.example.com/hook",
                                            "subscriptions": [{"type": "message.sent"}]})
    assert r.status_code == 201, r.text
    await space.post("/messages", json=SMS)
    await deliver(space)
    await age(app, space.space_id, [], days=40)
    await space.put("/retention", json={"eventsDays": 30})
    before = await apply(app.state.db, space.space_id)
    assert before["events"] == 0  # not yet fanned out: every event may still be owed to a webhook
    while await fan_out(app.state.db):
        pass
    await apply(app.state.db, space.space_id)
    async with app.state.db.read() as session:
        left = list((await session.execute(select(Event.name).where(Event.space_id == space.space_id))).scalars())
    assert left == ["message.sent"]  # its delivery is pending (no dispatcher runs here)
