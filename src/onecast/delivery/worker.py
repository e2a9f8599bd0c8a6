"""The delivery worker: claims outbox jobs with a lease and delivers them concurrently."""
from __future__ import annotations

import asyncio
import os
import socket
import time

import structlog

from onecast.channels.registry import ProviderPool
from onecast.config import Settings
from onecast.delivery import outbox
from onecast.delivery.service import deliver
from onecast.kit.idempotency import purge_expired

log = structlog.get_logger("onecast.worker")
HOUSEKEEPING_SECONDS = 300.0


class Worker:
    def __init__(self, db, settings: Settings, name: str | None = None) -> None:  # noqa: ANN001
        self.db = db
        self.settings = settings
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.pool = ProviderPool(db)
        self._stop = asyncio.Event()
        self._slots = asyncio.Semaphore(settings.worker_concurrency)
        self._tasks: set[asyncio.Task] = set()

    def stop(self) -> None:
        self._stop.set()

    async def _deliver(self, job_id: int) -> None:
        try:
            await deliver(self.db, self.pool, self.settings, job_id, self.name)
        except Exception as exc:  # the lease expires and another attempt follows
            log.error("delivery_failed", job_id=job_id, error=repr(exc))
        finally:
            self._slots.release()

    async def run_once(self) -> int:
        """Claim what is due (within free slots) and start delivering it; returns how many."""
        free = self.settings.worker_concurrency - len(self._tasks)
        if free <= 0:
            return 0
        job_ids = await outbox.claim(self.db, self.name, min(free, self.settings.worker_batch),
                                     self.settings.lease_seconds)
        for job_id in job_ids:
            await self._slots.acquire()
            task = asyncio.create_task(self._deliver(job_id))
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
        """Periodic chores that need no precision: forget expired idempotency answers."""
        await purge_expired(self.db)

    async def run(self) -> None:
        log.info("worker_started", worker=self.name)
        next_chores = 0.0
        while not self._stop.is_set():
            try:
                if time.monotonic() >= next_chores:
                    next_chores = time.monotonic() + HOUSEKEEPING_SECONDS
                    await self.housekeeping()
                claimed = await self.run_once()
            except Exception as exc:  # database briefly unavailable: keep going
                log.error("worker_loop_failed", error=repr(exc))
                claimed = 0
            if not claimed:
                try:
                    await asyncio.wait_for(self._stop.wait(), self.settings.worker_poll_seconds)
                except asyncio.TimeoutError:
                    pass
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        await self.pool.close()
        log.info("worker_stopped", worker=self.name)
