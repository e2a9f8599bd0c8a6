"""The worker-side service that masks codes in sent verification SMS within about a second."""
from __future__ import annotations

import asyncio
import contextlib

import structlog

from onecast.verify.service import scrub_delivered

log = structlog.get_logger("onecast.verify")


async def run(db, settings, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            while await scrub_delivered(db) > 0 and not stop.is_set():
                pass
        except Exception as exc:  # a database hiccup must not end the service
            log.warning("verify_scrub_failed", error=repr(exc))
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), settings.verify_scrub_seconds)
