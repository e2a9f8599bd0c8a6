"""An idle worker sleeps (no fast poll) and is woken by the commit of a job: in-process on
either database, and across processes through LISTEN/NOTIFY on PostgreSQL. The safety-net
poll is set to 60 s here, so a job delivered well within the deadline was woken, not polled."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time

import httpx
import pytest
from sqlalchemy import text

from onecast.delivery.worker import Worker
from onecast.kit import wake
from onecast.kit.db import Database

SLEEPY = {"worker_idle_poll_seconds": 60.0, "worker_poll_seconds": 60.0}
DEADLINE = 20.0  # generous for a loaded machine, and far below the 60 s poll


async def until(condition, what: str, timeout: float = DEADLINE) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        await asyncio.sleep(0.02)


async def status_of(space, message_id: str) -> str:
    r = await space.get(f"/messages/{message_id}")
    assert r.status_code == 200, r.text
    return r.json()["status"]


@contextlib.asynccontextmanager
async def running(worker: Worker):
    task = asyncio.create_task(worker.run())
    try:

        async def asleep() -> bool:
            assert not task.done(), task
            return worker.waiter is not None and worker.waiter.sleeping

        yield asleep
    finally:
        worker.stop()
        await asyncio.wait_for(task, 30)


async def send(space) -> str:
    r = await space.post("/messages", json={"to": {"phoneNumber": "447700900123"}, "body": "hi", "rules": ["sms"]})
    assert r.status_code == 201, r.text
    return r.json()["messageId"]


async def delivered(space, message_id: str) -> None:
    async def done() -> bool:
        return await status_of(space, message_id) in {"sent", "delivered"}

    await until(done, f"message {message_id} sent")


async def test_an_idle_worker_is_woken_by_the_commit_of_a_job(app, settings, space):
    worker = Worker(app.state.db, dataclasses.replace(settings, **SLEEPY), space_id=space.space_id)
    async with running(worker) as asleep:
        for _ in range(3):  # each time from sleep: the worker claimed nothing and waits for 60 s
            await until(asleep, "the worker sleeps")
            await delivered(space, await send(space))


async def test_a_rolled_back_job_wakes_nobody(app, settings, space):
    db = app.state.db
    waiter = db.wake.waiter(wake.OUTBOX)
    try:
        from onecast.delivery.models import OutboxJob
        from onecast.kit.clock import utcnow

        with pytest.raises(RuntimeError):
            async with db.transaction() as session:
                session.add(
                    OutboxJob(
                        space_id=space.space_id, message_id="m-rolled-back", available_at=utcnow(), created_on=utcnow()
                    )
                )
                await session.flush()
                raise RuntimeError("undone")
        assert not waiter.flag.is_set()
        async with db.transaction() as session:  # a write that adds no job wakes nobody either
            await session.execute(text("SELECT 1"))
        assert not waiter.flag.is_set()
    finally:
        waiter.close()


async def test_another_process_commit_wakes_the_worker_through_notify(app, settings, space):
    """The worker has its own Database (as in `onecast worker`): only NOTIFY reaches it."""
    if settings.is_sqlite:
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; on SQLite another process's job waits for the safety-net poll")
    sleepy = dataclasses.replace(settings, **SLEEPY)
    worker_db = Database(sleepy.async_database_url, sleepy)
    stop = asyncio.Event()
    listener = asyncio.create_task(wake.listen(worker_db, sleepy, stop))
    try:
        worker = Worker(worker_db, sleepy, space_id=space.space_id)
        async with running(worker) as asleep:
            for _ in range(2):
                await until(asleep, "the worker sleeps")
                await delivered(space, await send(space))  # committed by the app's Database
    finally:
        stop.set()
        await asyncio.wait_for(listener, 30)
        await worker_db.dispose()


async def test_an_idle_webhook_dispatcher_is_woken_by_the_commit_of_an_event(settings):
    """The dispatcher sleeps with webhook_poll_seconds and the safety net at 60 s; each new event
    still reaches the receiver at once."""
    from onecast.app import create_app
    from onecast.webhooks.dispatcher import Dispatcher
    from tests.conftest import new_space
    from tests.peers.webhook_receiver import WebhookReceiver

    sleepy = dataclasses.replace(settings, webhook_allowed_networks="127.0.0.0/8", webhook_poll_seconds=60.0, **SLEEPY)
    application = create_app(sleepy, run_worker=False)
    receiver = await WebhookReceiver().start()
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://onecast.test") as client,
    ):
        space = await new_space(application, client, "wake")
        r = await space.post(
            "/webhooks",
            json={"name": "wake", "url": receiver.url("/wake"), "subscriptions": [{"type": "profile.create"}]},
        )
        assert r.status_code == 201, r.text
        dispatcher = Dispatcher(application.state.db, sleepy, name="wake-test")
        stop = asyncio.Event()
        task = asyncio.create_task(dispatcher.run(stop))

        async def asleep() -> bool:
            assert not task.done(), task
            return dispatcher.waiter is not None and dispatcher.waiter.sleeping

        try:
            for i in range(3):
                await until(asleep, "the dispatcher sleeps")
                assert (await space.post("/profiles", json={"id": f"p{i}"})).status_code == 201
                await receiver.wait_for("/wake", i + 1, timeout=DEADLINE)
        finally:
            stop.set()
            await asyncio.wait_for(task, 30)
            await receiver.stop()
