"""The worker's other background loops sleep while there is nothing to do and are woken by the
commit that gives them work (issue 20 #14): a started profile import, a verification request. The
safety-net poll is 60 s here, so work done well within the deadline was woken, not polled."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses

from onecast.kit import wake
from onecast.profiles.imports import tasks as imports
from onecast.verify import tasks as verify
from onecast.verify.models import VerifyRequest
from tests.delivery.test_wake import until
from tests.profiles_io.test_imports import new_job, upload
from tests.verify.test_verify import _create

SLEEPY = {"worker_idle_poll_seconds": 60.0, "verify_scrub_seconds": 0.05}


@contextlib.asynccontextmanager
async def service(app, settings, run, topic: str):
    """Run a background service; yields a check that it sleeps in its waiter of `topic`."""
    db, stop = app.state.db, asyncio.Event()
    task = asyncio.create_task(run(db, dataclasses.replace(settings, **SLEEPY), stop))

    async def asleep() -> bool:
        assert not task.done(), task
        return any(w.sleeping for w in db.wake._waiters.get(topic, ()))

    try:
        yield asleep
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


async def test_a_started_import_wakes_the_sleeping_import_loop(app, settings, space):
    async with service(app, settings, imports.run, wake.IMPORTS) as asleep:
        for n in range(2):
            await until(asleep, "the import loop sleeps")
            job = await new_job(space, format="csv", mode="upsert", name=f"woken-{n}")
            assert (await upload(space, job, f"id,name\nwoken-{n},Woken\n")).status_code == 200
            assert (await space.put(f"/profiles/import/{job}/start")).status_code == 200

            async def completed(job=job) -> bool:
                return (await space.get(f"/profiles/imports/{job}")).json()["status"] == "completed"

            await until(completed, f"import {job} applied")
            assert (await space.get(f"/profiles/woken-{n}")).status_code == 200


async def test_a_verification_request_wakes_the_sleeping_scrubber(app, settings, space, deliver):
    async with service(app, settings, verify.run, wake.VERIFY) as asleep:
        await until(asleep, "the scrubber sleeps")  # nothing in clear text: the 60 s poll
        created = await _create(space)
        await deliver(space)

        async def scrubbed() -> bool:
            async with app.state.db.read() as session:
                return (await session.get(VerifyRequest, created["requestId"])).scrubbed

        await until(scrubbed, "the code masked")
        await until(asleep, "the scrubber sleeps again")
