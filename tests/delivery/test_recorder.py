"""Group commit of delivery outcomes (onecast.delivery.recorder): concurrent outcomes share one
transaction, a failing one does not take the others with it, and a lost lease is respected."""
import asyncio

import pytest
from sqlalchemy import event, select

from onecast.channels.base import Receipt, SendResult
from onecast.channels.sandbox.models import SandboxDelivery
from onecast.delivery import outbox
from onecast.delivery.models import OutboxJob
from onecast.delivery.recorder import WRITERS, OutcomeRecorder
from onecast.delivery.service import Outcome, read_claimed


async def queue(space, n: int) -> list[str]:
    items = [{"to": {"phoneNumber": f"4477009{i:05d}"}, "body": f"group {i}", "rules": ["sms"]} for i in range(n)]
    r = await space.post("/messages/batch", json=items)
    assert r.status_code == 202
    return [a["messageId"] for a in r.json()]


async def claim(app, settings, space, owner: str, lease: float = 30.0):
    job_ids = await outbox.claim(app.state.db, owner, 100, lease, space_id=space.space_id)
    return await read_claimed(app.state.db, settings, job_ids, owner)


def sent(job, provider_id: str) -> Outcome:
    return Outcome(job.job_id, job.owner, job.entry,
                   SendResult(ok=True, provider_message_id=provider_id, receipts=(Receipt("delivered"),)))


async def status_of(space, message_id: str) -> dict:
    r = await space.get(f"/messages/{message_id}")
    assert r.status_code == 200
    return r.json()


async def jobs_left(app, space) -> list[OutboxJob]:
    async with app.state.db.read() as session:
        return list((await session.execute(select(OutboxJob).where(OutboxJob.space_id == space.space_id))).scalars())


@pytest.fixture
def commits(app):
    """How many write transactions the database committed (counted by the engine)."""
    seen = []
    engine = app.state.db.engine.sync_engine
    listener = lambda _conn: seen.append(1)  # noqa: E731
    event.listen(engine, "commit", listener)
    yield seen
    event.remove(engine, "commit", listener)


async def test_concurrent_outcomes_are_committed_together(app, settings, space, commits):
    ids = await queue(space, 20)
    jobs = await claim(app, settings, space, "group-w")
    assert len(jobs) == 20
    recorder = OutcomeRecorder(app.state.db, settings)
    commits.clear()
    await asyncio.gather(*(recorder.record(sent(job, f"p-{job.job_id}")) for job in jobs))

    assert 1 <= len(commits) <= WRITERS, f"20 outcomes took {len(commits)} transactions"
    for message_id in ids:
        message = await status_of(space, message_id)
        assert message["status"] == "delivered"
        assert [h["status"] for h in message["statusHistory"]] == ["processing", "sent", "delivered"]
    assert await jobs_left(app, space) == []


async def test_one_failing_outcome_does_not_lose_the_others(app, settings, space):
    await queue(space, 6)
    jobs = await claim(app, settings, space, "fail-w")

    async def broken_record(_session):
        raise RuntimeError("provider record failed")

    outcomes = [sent(job, f"p-{job.job_id}") for job in jobs]
    outcomes[2] = Outcome(jobs[2].job_id, "fail-w", jobs[2].entry, SendResult(ok=True, record=broken_record))
    recorder = OutcomeRecorder(app.state.db, settings)
    results = await asyncio.gather(*(recorder.record(o) for o in outcomes), return_exceptions=True)

    assert [type(r).__name__ for r in results] == ["NoneType"] * 2 + ["RuntimeError"] + ["NoneType"] * 3
    statuses = [(await status_of(space, job.outbound.message_id))["status"] for job in jobs]
    # The failed one is not recorded at all: its lease runs out and it is retried.
    assert statuses == ["delivered"] * 2 + ["processing"] + ["delivered"] * 3
    left = await jobs_left(app, space)
    assert [(j.id, j.lease_owner, j.attempts) for j in left] == [(jobs[2].job_id, "fail-w", 0)]


async def test_an_outcome_after_a_lost_lease_changes_nothing(app, settings, space):
    await queue(space, 2)
    stale = await claim(app, settings, space, "old-w", lease=-1)  # the lease has run out at once
    current = await claim(app, settings, space, "new-w")  # another worker took both jobs over
    assert [j.job_id for j in current] == [j.job_id for j in stale]

    recorder = OutcomeRecorder(app.state.db, settings)
    failed = SendResult.failed("Rejected", "permanent failure reported by the old worker")
    await asyncio.gather(recorder.record(Outcome(stale[0].job_id, "old-w", stale[0].entry, failed)),
                         recorder.record(sent(current[1], "p-new")))

    # The old worker's failure overwrote nothing; the new owner's outcome in the same group counted.
    assert (await status_of(space, stale[0].outbound.message_id))["status"] == "processing"
    assert [(j.id, j.lease_owner, j.attempts) for j in await jobs_left(app, space)] == [
        (stale[0].job_id, "new-w", 0)]
    assert (await status_of(space, current[1].outbound.message_id))["status"] == "delivered"


async def test_sandbox_record_is_written_with_the_outcome(app, space, deliver):
    [message_id] = await queue(space, 1)
    await deliver(space)
    async with app.state.db.read() as session:
        rows = list((await session.execute(select(SandboxDelivery).where(
            SandboxDelivery.message_id == message_id))).scalars())
    assert len(rows) == 1
    message = await status_of(space, message_id)
    sent_event = next(h for h in message["statusHistory"] if h["status"] == "sent")
    assert sent_event["details"]["providerMessageId"] == f"sandbox-{rows[0].id}"
    r = await space.get("/sandbox/messages", params={"messageId": message_id})
    assert r.status_code == 200 and [d["id"] for d in r.json()] == [rows[0].id]
