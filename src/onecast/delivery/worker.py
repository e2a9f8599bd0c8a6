"""The delivery worker: claims outbox jobs with a lease and delivers them concurrently."""
from __future__ import annotations

import asyncio
import os
import socket
import time

import structlog

from onecast.background import CHORES, SERVICES
from onecast.channels.registry import ProviderPool
from onecast.config import Settings
from onecast.delivery import outbox
from onecast.delivery.recorder import OutcomeRecorder
from onecast.delivery.recovery import ChannelRecovery
from onecast.delivery.service import Claimed, Outcome, deliver, read_claimed
from onecast.kit.clock import utcnow
from onecast.kit.plugins import load
from onecast.kit.ssrf import AddressGuard
from onecast.kit.wake import OUTBOX, Waiter

log = structlog.get_logger("onecast.worker")
HOUSEKEEPING_SECONDS = 300.0


class Worker:
    """`space_id` limits the worker to one space's jobs (the CLI's `send`)."""

    def __init__(self, db, settings: Settings, name: str | None = None,
                 space_id: str | None = None) -> None:
        self.db = db
        self.settings = settings
        self.space_id = space_id
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.pool = ProviderPool(db, AddressGuard.from_settings(settings))
        self.recorder = OutcomeRecorder(db, settings)
        self.recovery = ChannelRecovery(db)
        self._stop = asyncio.Event()
        self.waiter: Waiter | None = None  # while running: woken by commits that add jobs (kit.wake)
        self._tasks: set[asyncio.Task] = set()

    def stop(self) -> None:
        self._stop.set()

    async def _deliver(self, job: Claimed) -> None:
        async def record(outcome: Outcome) -> None:
            await self.recorder.record(outcome)
            await self.recovery.observe(job.outbound.space_id, outcome.entry["channel"], outcome.result)

        try:
            await deliver(self.db, self.pool, self.settings, job, record)
        except Exception as exc:  # the lease expires and another attempt follows
            log.error("delivery_failed", job_id=job.job_id, error=repr(exc))

    @property
    def free_slots(self) -> int:
        return self.settings.worker_concurrency - len(self._tasks)

    async def run_once(self) -> int:
        """Claim what is due (within free slots) and start delivering it; returns how many."""
        if self.free_slots <= 0:
            return 0
        job_ids = await outbox.claim(self.db, self.name, min(self.free_slots, self.settings.worker_batch),
                                     self.settings.lease_seconds, space_id=self.space_id)
        if not job_ids:
            return 0
        for job in await read_claimed(self.db, self.settings, job_ids, self.name):
            task = asyncio.create_task(self._deliver(job))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(job_ids)

    async def drain(self) -> None:
        """Deliver until nothing is due now (tests and the CLI's one-shot mode)."""
        while True:
            claimed = await self.run_once()
            if self._tasks:
                await asyncio.gather(*list(self._tasks))
            elif not claimed:
                return

    async def housekeeping(self) -> None:
        """Periodic chores that need no precision (onecast.background.CHORES); one failing
        chore does not stop the others."""
        for target in CHORES:
            try:
                await load(target)(self.db, self.settings)
            except Exception as exc:
                log.error("chore_failed", chore=target, error=repr(exc))

    def _start_services(self) -> list[asyncio.Task]:
        """Long-running services (onecast.background.SERVICES) share the worker's stop event;
        a space-limited worker (the CLI's one-shot send) runs none."""
        if self.space_id is not None:
            return []
        return [asyncio.create_task(load(target)(self.db, self.settings, self._stop), name=target)
                for target in SERVICES]

    async def _idle(self, seconds: float) -> None:
        """Wait until a job is committed, a slot frees up, the stop, or `seconds`."""
        stopping = asyncio.ensure_future(self._stop.wait())
        try:
            await self.waiter.sleep(seconds, stopping, *self._tasks)
        finally:
            stopping.cancel()

    async def _until_due(self) -> float:
        """Seconds to sleep when nothing is due: until the next job falls due (a retry, a lease
        that runs out), at most the safety-net poll; commits wake the worker sooner."""
        idle = self.settings.worker_idle_poll_seconds
        due = await outbox.next_due(self.db, self.space_id)
        if due is None:
            return idle
        return min(idle, max(self.settings.worker_poll_seconds, (due - utcnow()).total_seconds()))

    async def run(self) -> None:
        log.info("worker_started", worker=self.name)
        services = self._start_services()
        self.waiter = waiter = self.db.wake.waiter(OUTBOX)
        next_chores = 0.0
        while not self._stop.is_set():
            try:
                if time.monotonic() >= next_chores:
                    next_chores = time.monotonic() + HOUSEKEEPING_SECONDS
                    await self.housekeeping()
                waiter.clear()  # before claiming: a job committed from now on ends the wait below
                if self.free_slots <= 0:  # a finished delivery frees a slot at once
                    await self._idle(self.settings.worker_idle_poll_seconds)
                elif not await self.run_once():
                    await self._idle(await self._until_due())
            except Exception as exc:  # database briefly unavailable: keep going
                log.error("worker_loop_failed", error=repr(exc))
                await self._idle(self.settings.worker_idle_poll_seconds)
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        for result in await asyncio.gather(*services, return_exceptions=True):
            if isinstance(result, Exception):
                log.error("service_failed", error=repr(result))
        await self.pool.close()
        waiter.close()
        log.info("worker_stopped", worker=self.name)
