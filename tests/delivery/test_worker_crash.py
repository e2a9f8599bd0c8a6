"""A worker process killed with SIGKILL mid-delivery loses nothing and sends nothing twice:
its leased jobs come back when the lease ends and another worker finishes them."""
from sqlalchemy import func, select

from onecast.channels.sandbox.models import SandboxDelivery
from onecast.delivery.models import OutboxJob
from onecast.messages.models import Message, MessageStatusEvent
from tests.support.processes import ServerProcess, start_onecast, until

COUNT = 300


def start_worker(database_url: str) -> ServerProcess:
    return start_onecast("worker", database_url, env={"ONECAST_LEASE_SECONDS": "2", "ONECAST_WORKER_CONCURRENCY": "2",
                                                       "ONECAST_WORKER_POLL_SECONDS": "0.05"})


async def count(app, model, *where):
    async with app.state.db.read() as session:
        return (await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one()


async def test_killed_worker_loses_nothing(app, space, database_url):
    assert (await space.put("/sandbox/settings", json={"latencyMs": 20})).status_code == 200
    items = [{"to": {"phoneNumber": f"4477009{i:05d}"}, "body": f"crash {i}", "rules": ["sms"]} for i in range(COUNT)]
    r = await space.post("/messages/batch", json=items)
    assert r.status_code == 202
    ids = [a["messageId"] for a in r.json()]
    in_space = SandboxDelivery.space_id == space.space_id

    first = start_worker(database_url)
    try:
        await until(lambda: _at_least(app, in_space, 20), "the first worker to deliver", timeout=120)
    finally:
        first.kill()
    delivered_before = await count(app, SandboxDelivery, in_space)
    assert delivered_before < COUNT, "the worker finished before it could be killed"

    second = start_worker(database_url)
    try:
        await until(lambda: _drained(app, space.space_id), "the second worker to finish the jobs", timeout=240)
    finally:
        second.stop(30)

    async with app.state.db.read() as session:
        statuses = dict((await session.execute(
            select(Message.status, func.count()).where(Message.id.in_(ids)).group_by(Message.status))).all())
        sent_events = (await session.execute(select(func.count()).select_from(MessageStatusEvent).where(
            MessageStatusEvent.message_id.in_(ids), MessageStatusEvent.status == "sent"))).scalar_one()
        per_message = (await session.execute(select(SandboxDelivery.message_id, func.count()).where(in_space)
                                             .group_by(SandboxDelivery.message_id))).all()
    assert statuses == {"delivered": COUNT}
    assert sent_events == COUNT
    assert len(per_message) == COUNT and all(n == 1 for _, n in per_message)


async def _at_least(app, where, n):
    return await count(app, SandboxDelivery, where) >= n


async def _drained(app, space_id):
    return await count(app, OutboxJob, OutboxJob.space_id == space_id) == 0
