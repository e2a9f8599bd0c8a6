"""Per-endpoint ordering by revision; a slow or failing endpoint holds back only itself; the
SSRF guard at delivery time; the dispatcher as a service of the worker process."""
import asyncio
import dataclasses
import json

from onecast.delivery.worker import Worker
from tests.webhooks.conftest import deliveries, later, make_hook


async def test_an_entitys_events_wait_for_its_earlier_retry(hs, receiver, drain):
    receiver.script("first-fails", [500])
    hook = await make_hook(hs, receiver.url("/script/first-fails"))
    await hs.post("/profiles", json={"id": "held", "v": 0})
    await hs.patch("/profiles/held", json={"v": 1})
    await hs.patch("/profiles/held", json={"v": 2})
    await hs.post("/profiles", json={"id": "other"})
    # One request at a time, so `held` (the first entity) meets the scripted 500, not `other`.
    await drain(hs, settings=dataclasses.replace(drain.settings, webhook_endpoint_concurrency=1))
    sent = [json.loads(r.body) for r in receiver.at("/script/first-fails")]
    # revision 1 of `held` failed, so its revisions 2 and 3 wait; `other` is not held back.
    assert [(e["payload"]["id"], e["revision"]) for e in sent] == [("held", 1), ("other", 1)]
    await drain(hs, at=later(7))
    sent = [json.loads(r.body) for r in receiver.at("/script/first-fails")]
    assert [(e["payload"]["id"], e["revision"]) for e in sent[2:]] == [("held", 1), ("held", 2), ("held", 3)]
    assert {d["status"] for d in await deliveries(hs, hook["id"])} == {"delivered"}


async def test_a_slow_endpoint_does_not_hold_back_others(hs, receiver, drain):
    await make_hook(hs, receiver.url("/hold/slow"))
    await make_hook(hs, receiver.url("/ok"))
    for i in range(3):
        await hs.post("/profiles", json={"id": f"p{i}"})
    draining = asyncio.create_task(drain(hs, settings=dataclasses.replace(drain.settings,
                                                                         webhook_timeout_seconds=30)))
    try:
        # All three reach the fast endpoint while the slow one holds its requests unanswered.
        await receiver.wait_for("/hold/slow", 1)
        await receiver.wait_for("/ok", 3)
        assert not draining.done()
    finally:
        receiver.release("slow")
        await draining
    assert len(receiver.at("/hold/slow")) == 3


async def test_names_resolving_to_private_addresses_are_refused_when_sending(hs, receiver, drain):
    hook = await make_hook(hs, f"http://localhost:{receiver.port}/ok")  # allowed by this app's settings
    await hs.post("/profiles", json={"id": "p1"})
    await drain(hs, settings=dataclasses.replace(drain.settings, webhook_allowed_networks=""))
    [d] = await deliveries(hs, hook["id"])
    assert d["status"] == "dead" and "not a public address" in d["error"]
    assert receiver.requests == []


async def test_the_worker_process_runs_the_dispatcher(wh_app, wh_settings, hs, receiver):
    await make_hook(hs, receiver.url("/ok"))
    worker = Worker(wh_app.state.db, dataclasses.replace(wh_settings, webhook_poll_seconds=0.02))
    running = asyncio.create_task(worker.run())
    try:
        await hs.post("/profiles", json={"id": "by-the-service"})
        [got] = await receiver.wait_for("/ok", 1)
        assert json.loads(got.body)["payload"]["id"] == "by-the-service"
    finally:
        worker.stop()
        await running


async def test_one_dispatcher_at_a_time_owns_a_lane(wh_app, wh_settings, hs, receiver):
    from onecast.webhooks.dispatcher import Dispatcher

    hook = await make_hook(hs, receiver.url("/ok"))
    first, second = (Dispatcher(wh_app.state.db, wh_settings, name=n) for n in ("d1", "d2"))
    try:
        assert await first._claim_lane(hook["id"])
        assert not await second._claim_lane(hook["id"])
        assert await second.run_lane(hook["id"]) == 0
        await first._release_lane(hook["id"])
        assert await second._claim_lane(hook["id"])
    finally:
        await second._release_lane(hook["id"])
        await first.close()
        await second.close()
