"""A receiver answering 429 with Retry-After is next tried when it asked, not at the schedule's
first step (5 s)."""

from datetime import timedelta

from onecast.kit.clock import utcnow
from tests.webhooks.conftest import deliveries, later, make_hook
from tests.webhooks.test_retries import parse


async def test_retry_after_on_429_sets_the_next_attempt(hs, receiver, drain):
    hook = await make_hook(hs, receiver.url("/retry-after/600"))
    await hs.post("/profiles", json={"id": "p1"})
    before = utcnow()
    await drain(hs)
    [d] = await deliveries(hs, hook["id"])
    assert d["status"] == "pending" and d["responseCode"] == 429
    due = parse(d["nextAttemptOn"])
    assert before + timedelta(seconds=599) <= due <= utcnow() + timedelta(seconds=601)
    assert await drain(hs, at=later(60)) == 0  # the schedule's 5 s would have tried by now
