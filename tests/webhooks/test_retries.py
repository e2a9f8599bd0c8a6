"""What answers mean: retries on 5xx/408/429/timeouts/refused connections with the schedule and
its jitter, no retry on other 4xx, 410 disables, five days of failure disable, dead letters kept."""
from datetime import datetime, timedelta

import pytest

from onecast.kit.clock import utcnow
from tests.webhooks.conftest import deliveries, later, make_hook

SCHEDULE = [5, 300, 1800, 7200, 18000, 36000, 36000]


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def only_delivery(space, hook_id):
    [d] = await deliveries(space, hook_id)
    return d


async def test_a_500_is_retried_after_about_5_seconds(hs, receiver, drain):
    receiver.script("flaky", [500])
    hook = await make_hook(hs, receiver.url("/script/flaky"))
    await hs.post("/profiles", json={"id": "p1"})
    before = utcnow()
    await drain(hs)
    d = await only_delivery(hs, hook["id"])
    assert d["status"] == "pending" and d["attempts"] == 1 and d["responseCode"] == 500
    due = parse(d["nextAttemptOn"])
    assert before + timedelta(seconds=4) <= due <= utcnow() + timedelta(seconds=6)
    assert await drain(hs) == 0  # not due yet
    await drain(hs, at=later(7))
    d = await only_delivery(hs, hook["id"])
    assert d["status"] == "delivered" and d["attempts"] == 2
    assert [a["responseCode"] for a in d["attemptLog"]] == [500, 200]
    assert len(receiver.at("/script/flaky")) == 2


@pytest.mark.parametrize("code", [408, 429, 502, 503])
async def test_retried_codes(hs, receiver, drain, code):
    hook = await make_hook(hs, receiver.url(f"/status/{code}"))
    await hs.post("/profiles", json={"id": "p1"})
    await drain(hs)
    d = await only_delivery(hs, hook["id"])
    assert d["status"] == "pending" and d["responseCode"] == code


@pytest.mark.parametrize("code", [400, 401, 403, 404, 422])
async def test_other_4xx_are_not_retried(hs, receiver, drain, code):
    hook = await make_hook(hs, receiver.url(f"/status/{code}"))
    await hs.post("/profiles", json={"id": "p1"})
    await drain(hs)
    await drain(hs, at=later(86400))
    d = await only_delivery(hs, hook["id"])
    assert d["status"] == "dead" and d["attempts"] == 1 and d["responseCode"] == code
    assert len(receiver.at(f"/status/{code}")) == 1
    assert (await hs.get(f"/webhooks/{hook['id']}")).json()["enabled"] is True


async def test_410_disables_the_webhook(hs, receiver, drain):
    hook = await make_hook(hs, receiver.url("/status/410"))
    await hs.post("/profiles", json={"id": "p1"})
    await drain(hs)
    d = await only_delivery(hs, hook["id"])
    assert d["status"] == "dead" and d["responseCode"] == 410
    got = (await hs.get(f"/webhooks/{hook['id']}")).json()
    assert got["enabled"] is False and "410" in got["disabledReason"]


async def test_the_whole_schedule_then_a_dead_letter(hs, receiver, drain):
    hook = await make_hook(hs, receiver.url("/status/500"))
    await hs.post("/profiles", json={"id": "p1"})
    at = later(1)  # after the fan-out that drain does first
    await drain(hs, at=at)
    for expected in SCHEDULE:
        d = await only_delivery(hs, hook["id"])
        assert d["status"] == "pending"
        delay = (parse(d["nextAttemptOn"]) - at).total_seconds()
        assert expected * 0.8 - 0.01 <= delay <= expected * 1.2 + 0.01, (expected, delay)
        at = parse(d["nextAttemptOn"]) + timedelta(milliseconds=1)  # the wire has ms only
        await drain(hs, at=at)
    d = await only_delivery(hs, hook["id"])
    assert d["status"] == "dead" and d["attempts"] == 8 and d["nextAttemptOn"] is None
    assert len(d["attemptLog"]) == 8 and {a["responseCode"] for a in d["attemptLog"]} == {500}
    assert len(receiver.at("/status/500")) == 8
    dead = await deliveries(hs, hook["id"], status="dead")
    assert [x["id"] for x in dead] == [d["id"]]


async def test_jitter_spreads_retries(hs, receiver, drain):
    hook = await make_hook(hs, receiver.url("/status/503"))
    for i in range(20):
        await hs.post("/profiles", json={"id": f"j{i}"})
    at = later(1)  # after the fan-out that drain does first
    await drain(hs, at=at)
    delays = {round((parse(d["nextAttemptOn"]) - at).total_seconds(), 3) for d in await deliveries(hs, hook["id"])}
    assert len(delays) > 10 and all(4 <= x <= 6 for x in delays)


async def test_a_timeout_is_retried(hs, receiver, drain):
    hook = await make_hook(hs, receiver.url("/hold/never"))
    await hs.post("/profiles", json={"id": "p1"})
    await drain(hs)
    d = await only_delivery(hs, hook["id"])
    assert d["status"] == "pending" and d["responseCode"] is None and "no answer within" in d["error"]


async def test_a_refused_connection_is_retried(hs, receiver, drain):
    hook = await make_hook(hs, receiver.url("/ok"))
    await receiver.stop()
    await hs.post("/profiles", json={"id": "p1"})
    await drain(hs)
    d = await only_delivery(hs, hook["id"])
    assert d["status"] == "pending" and d["responseCode"] is None and d["error"]


async def test_five_days_of_failure_disable_the_webhook(hs, receiver, drain):
    receiver.script("down", [500] * 20)
    hook = await make_hook(hs, receiver.url("/script/down"))
    await hs.post("/profiles", json={"id": "p1"})
    start = later(1)
    await drain(hs, at=start)
    await hs.post("/profiles", json={"id": "p2"})
    await drain(hs, at=start + timedelta(days=4))  # p1's second try and p2 fail, still within 5 days
    assert (await hs.get(f"/webhooks/{hook['id']}")).json()["enabled"] is True
    await hs.post("/profiles", json={"id": "p3"})
    await drain(hs, at=start + timedelta(days=5, seconds=1))
    got = (await hs.get(f"/webhooks/{hook['id']}")).json()
    assert got["enabled"] is False and "failed since" in got["disabledReason"]
    tried = len(receiver.at("/script/down"))
    await drain(hs, at=start + timedelta(days=6))
    assert len(receiver.at("/script/down")) == tried  # nothing is sent to a disabled webhook

    # Enabled again (and the endpoint back up): what waited is delivered.
    receiver.script("down", [])
    body = {k: got[k] for k in ("name", "url", "subscriptions", "batch", "maxBatchSize", "batchTimeout")}
    r = await hs.put(f"/webhooks/{hook['id']}", json={**body, "enabled": True})
    assert r.json()["enabled"] is True and r.json()["disabledReason"] is None
    await drain(hs, at=start + timedelta(days=7))
    assert {d["status"] for d in await deliveries(hs, hook["id"])} == {"delivered"}


async def test_a_success_resets_the_failure_clock(hs, receiver, drain):
    receiver.script("once", [500, 200, 500])
    hook = await make_hook(hs, receiver.url("/script/once"))
    await hs.post("/profiles", json={"id": "p1"})
    start = later(1)
    await drain(hs, at=start)
    await drain(hs, at=start + timedelta(days=4))  # delivered
    await hs.post("/profiles", json={"id": "p2"})
    await drain(hs, at=start + timedelta(days=5, seconds=1))  # fails, but the endpoint answered lately
    assert (await hs.get(f"/webhooks/{hook['id']}")).json()["enabled"] is True


async def test_when_a_failing_endpoint_answers_again_waiting_retries_are_due_at_once(hs, receiver, drain):
    """An outage's backlog drains on recovery, not at the 30-minute (or later) retry."""
    receiver.script("outage", [500, 500, 500, 500])  # then 200
    hook = await make_hook(hs, receiver.url("/script/outage"))
    start = later(1)
    await hs.post("/profiles", json={"id": "p1"})
    await hs.post("/profiles", json={"id": "p2"})
    await drain(hs, at=start)
    await drain(hs, at=start + timedelta(seconds=10))  # both fail again: next tries ~5 min away
    waiting = await deliveries(hs, hook["id"])
    assert [d["status"] for d in waiting] == ["pending", "pending"]
    assert all(parse(d["nextAttemptOn"]) > start + timedelta(seconds=200) for d in waiting)
    await hs.post("/profiles", json={"id": "p3"})  # the endpoint is back: p3 succeeds at once
    await drain(hs, at=start + timedelta(seconds=20))
    got = await deliveries(hs, hook["id"])
    assert [d["status"] for d in got] == ["delivered"] * 3
    assert len(receiver.at("/script/outage")) == 7


async def test_one_failing_delivery_among_successes_keeps_its_schedule(hs, receiver, drain):
    receiver.script("poison", [500, 200, 200])
    hook = await make_hook(hs, receiver.url("/script/poison"))
    start = later(1)
    await hs.post("/profiles", json={"id": "p1"})
    await drain(hs, at=start)  # p1 fails; the webhook is failing
    await hs.post("/profiles", json={"id": "p2"})
    await drain(hs, at=start + timedelta(seconds=1))  # p2 succeeds: p1 is brought forward and succeeds
    assert {d["status"] for d in await deliveries(hs, hook["id"])} == {"delivered"}
    receiver.script("poison", [500, 200])
    await hs.post("/profiles", json={"id": "p4"})
    await hs.post("/profiles", json={"id": "p5"})
    await drain(hs, at=start + timedelta(seconds=2))  # one fails, one succeeds in the same round
    pending = [d for d in await deliveries(hs, hook["id"]) if d["status"] == "pending"]
    assert len(pending) == 1 and parse(pending[0]["nextAttemptOn"]) > start + timedelta(seconds=5)
