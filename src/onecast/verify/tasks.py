"""The worker-side service that masks codes in sent verification SMS within about a second."""
from __future__ import annotations

import asyncio

import structlog

from onecast.kit.wake import VERIFY
from onecast.verify.service import any_unscrubbed, scrub_delivered

log = structlog.get_logger("onecast.verify")


async def run(db, settings, stop: asyncio.Event) -> None:
    """While a code is on its way, look every `verify_scrub_seconds`; with none, sleep until a new
    request is committed (kit.wake), the idle poll being the safety net."""
    waiter = db.wake.waiter(VERIFY)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        while not stop.is_set():
            waiter.clear()
            waiting = True
            try:
                while await scrub_delivered(db) > 0 and not stop.is_set():
                    pass
                waiting = await any_unscrubbed(db)
            except Exception as exc:  # a database hiccup must not end the service
                log.warning("verify_scrub_failed", error=repr(exc))
            await waiter.sleep(settings.verify_scrub_seconds if waiting else settings.worker_idle_poll_seconds,
                               stopping)
    finally:
        stopping.cancel()
        waiter.close()
