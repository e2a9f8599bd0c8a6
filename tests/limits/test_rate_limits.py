"""Per-key request rate (429 + Retry-After) and per-channel send rate."""
import dataclasses

import httpx
import pytest
from sqlalchemy import select

from onecast.app import create_app
from onecast.delivery.throttle import wait_for_slot
from onecast.kit.ratelimit import BucketMap, TokenBucket
from onecast.messages.models import MessageStatusEvent
from tests.conftest import SpaceClient, new_space


def test_token_bucket_grants_a_burst_then_paces():
    bucket = TokenBucket(rate=2.0, burst=2.0, now=0.0)
    assert bucket.take(now=0.0) == 0.0
    assert bucket.take(now=0.0) == 0.0
    assert bucket.take(now=0.0) == pytest.approx(0.5)
    assert bucket.take(now=0.25) == pytest.approx(0.25)  # nothing was taken by the refusal
    assert bucket.take(now=0.5) == 0.0


@pytest.fixture
async def limited(settings):
    app = create_app(dataclasses.replace(settings, key_rate_per_second=1.0, key_rate_burst=3.0))
    async with (app.router.lifespan_context(app),
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client):
        yield app, client


async def test_a_key_over_its_rate_gets_429_with_retry_after(limited):
    app, client = limited
    a = await new_space(app, client, "rate-a")
    b = await new_space(app, client, "rate-b")
    codes = [(await a.get("/profiles")).status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    r = await a.get("/profiles")
    assert r.status_code == 429
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "TooManyRequests"
    assert int(r.headers["retry-after"]) >= 1
    # Another key has its own bucket.
    assert (await b.get("/profiles")).status_code == 200
    # A refused write changes nothing.
    r = await a.post("/profiles", json={"id": "never"})
    assert r.status_code == 429
    assert (await b.get("/profiles/never")).status_code == 404


async def test_limit_is_off_by_default(space: SpaceClient):
    assert all([(await space.get("/profiles")).status_code == 200 for _ in range(30)])


async def test_wait_for_slot_hands_long_waits_back():
    buckets = BucketMap()
    assert await wait_for_slot(buckets, "c", 0.1) == 0.0  # the burst of one
    assert await wait_for_slot(buckets, "c", 0.1) == pytest.approx(10.0, rel=0.01)
    assert await wait_for_slot(buckets, "unlimited", 0) == 0.0


async def test_channel_rate_paces_sends(app, space, deliver):
    r = await space.post("/channels", json={"id": "slow_sms", "type": "sms", "provider": "sandbox",
                                            "config": {"ratePerSecond": 4}})
    assert r.status_code == 201, r.text
    ids = []
    for i in range(8):
        r = await space.post("/messages", json={"to": {"phoneNumber": "+447700900123"}, "body": f"m{i}",
                                                "rules": ["slow_sms"]})
        ids.append(r.json()["messageId"])
    await deliver(space)
    async with app.state.db.read() as session:
        sent_at = sorted((await session.execute(select(MessageStatusEvent.timestamp).where(
            MessageStatusEvent.message_id.in_(ids), MessageStatusEvent.status == "sent"))).scalars())
    assert len(sent_at) == 8
    # 4 go at once (the burst), the other 4 at 4 a second: at least ~1 s between first and last.
    assert (sent_at[-1] - sent_at[0]).total_seconds() >= 0.9


@pytest.mark.parametrize("rate", [0, -1, "5", True, 1e9])
async def test_bad_channel_rate_is_refused(space, rate):
    r = await space.post("/channels", json={"id": "bad_rate", "type": "sms", "provider": "sandbox",
                                            "config": {"ratePerSecond": rate}})
    assert r.status_code == 400
    assert "ratePerSecond" in r.text
    assert (await space.get("/channels/bad_rate")).status_code == 404
