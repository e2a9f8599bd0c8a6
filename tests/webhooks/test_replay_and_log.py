"""Replay by event id or time range, and the paginated delivery log."""
import dataclasses
import json

from sqlalchemy import select

from onecast.kit.models import Event
from onecast.webhooks.retention import purge_delivered_chore
from tests.webhooks.conftest import deliveries, later, make_hook


async def test_replay_one_event_by_id(hs, receiver, drain):
    hook = await make_hook(hs, receiver.url("/ok"))
    await hs.post("/profiles", json={"id": "p1"})
    await drain(hs)
    [first] = await deliveries(hs, hook["id"])
    r = await hs.post(f"/webhooks/{hook['id']}/replay", json={"eventId": first["eventId"]})
    assert r.status_code == 202 and r.json()["replayed"] == 1
    await drain(hs)
    bodies = [json.loads(got.body) for got in receiver.at("/ok")]
    assert [b["eventId"] for b in bodies] == [first["eventId"]] * 2
    newest = (await deliveries(hs, hook["id"]))[0]
    assert newest["replay"] is True and newest["status"] == "delivered" and newest["id"] == r.json()["deliveryIds"][0]


async def test_replay_a_time_range_of_subscribed_events(hs, receiver, drain):
    hook = await make_hook(hs, receiver.url("/status/400"), ["profile.create"])
    start = later(0)
    for i in range(3):
        await hs.post("/profiles", json={"id": f"r{i}"})
    await hs.patch("/profiles/r0", json={"x": 1})  # not subscribed: not replayed
    end = later(0)
    await hs.post("/profiles", json={"id": "after"})
    await drain(hs)
    assert {d["status"] for d in await deliveries(hs, hook["id"])} == {"dead"}

    body = {"name": "crm", "url": receiver.url("/ok"), "subscriptions": hook["subscriptions"]}
    assert (await hs.put(f"/webhooks/{hook['id']}", json=body)).status_code == 200
    r = await hs.post(f"/webhooks/{hook['id']}/replay", json={"from": start.isoformat(), "to": end.isoformat()})
    assert r.status_code == 202 and r.json()["replayed"] == 3
    await drain(hs)
    # Order is kept per entity only; three profiles may arrive in any order.
    assert sorted(json.loads(got.body)["payload"]["id"] for got in receiver.at("/ok")) == ["r0", "r1", "r2"]


async def test_replay_needs_one_form(hs, receiver):
    hook = await make_hook(hs, receiver.url("/ok"))
    for body in ({}, {"eventId": "x", "from": later(0).isoformat()}, {"eventId": "x", "to": later(0).isoformat()},
                 {"to": later(0).isoformat()}):
        r = await hs.post(f"/webhooks/{hook['id']}/replay", json=body)
        assert r.status_code == 400, (body, r.text)
    r = await hs.post(f"/webhooks/{hook['id']}/replay", json={"eventId": "no-such-event"})
    assert r.status_code == 404
    r = await hs.post("/webhooks/no-such-hook/replay", json={"eventId": "x"})
    assert r.status_code == 404


async def test_another_spaces_event_cannot_be_replayed(hs, other_space, receiver, drain):
    hook = await make_hook(hs, receiver.url("/ok"))
    await other_space.post("/profiles", json={"id": "theirs"})
    async with drain.app.state.db.read() as session:
        event_id = (await session.execute(select(Event.id).where(Event.space_id == other_space.space_id))).scalar()
    r = await hs.post(f"/webhooks/{hook['id']}/replay", json={"eventId": event_id})
    assert r.status_code == 404


async def test_the_delivery_log_paginates_newest_first(hs, receiver, drain):
    hook = await make_hook(hs, receiver.url("/ok"))
    for i in range(5):
        await hs.post("/profiles", json={"id": f"d{i}"})
    await drain(hs)
    seen, cursor = [], None
    while True:
        r = await hs.get(f"/webhooks/{hook['id']}/deliveries", params={"limit": 2, **({"cursor": cursor} if cursor
                                                                                       else {})})
        assert r.status_code == 200
        seen += r.json()
        cursor = r.headers.get("X-Next-Cursor")
        if not cursor:
            break
        assert 'rel="next"' in r.headers["Link"]
    assert len(seen) == 5 and len({d["id"] for d in seen}) == 5
    assert [d["createdOn"] for d in seen] == sorted((d["createdOn"] for d in seen), reverse=True)
    r = await hs.get(f"/webhooks/{hook['id']}/deliveries", params={"cursor": "not-a-cursor"})
    assert r.status_code == 400 and r.json()["code"] == "InvalidCursor"
    assert (await hs.get(f"/webhooks/{hook['id']}/deliveries", params={"status": "pending"})).json() == []


async def test_delivered_deliveries_are_purged_after_the_retention_dead_letters_kept(wh_app, wh_settings, hs,
                                                                                      receiver, drain):
    ok = await make_hook(hs, receiver.url("/ok"))
    dead = await make_hook(hs, receiver.url("/status/400"))
    await hs.post("/profiles", json={"id": "p1"})
    await drain(hs)
    await purge_delivered_chore(wh_app.state.db, wh_settings)
    assert len(await deliveries(hs, ok["id"])) == 1  # younger than the retention
    assert await purge_delivered_chore(wh_app.state.db, dataclasses.replace(
        wh_settings, webhook_keep_delivered_seconds=-1)) >= 1
    assert await deliveries(hs, ok["id"]) == []
    assert [d["status"] for d in await deliveries(hs, dead["id"])] == ["dead"]
