"""Draining an outage's backlog when the channel answers again.

Transient failures are retried with exponential backoff (up to ONECAST_RETRY_MAX_SECONDS), so
after an SMSC or mail server has been down for minutes its messages would otherwise wait up to
that long after it is back. When a channel that failed RECOVERY_AFTER sends in a row (with no
success or permanent answer between, so it looked down, not one recipient refusing) sends
successfully again, its jobs waiting for a retry become due at once. Failures of one recipient
among successes do not add up to that, and keep their backoff. Each worker keeps its own count."""
from __future__ import annotations

import structlog

from onecast.channels.base import SendResult
from onecast.delivery import outbox

log = structlog.get_logger("onecast.delivery")
RECOVERY_AFTER = 3


class ChannelRecovery:
    def __init__(self, db) -> None:
        self.db = db
        self._failures: dict[tuple[str, str], int] = {}  # (space id, channel) -> transient failures in a row

    async def observe(self, space_id: str, channel: str, result: SendResult) -> None:
        key = (space_id, channel)
        if not result.ok and not result.permanent:
            self._failures[key] = self._failures.get(key, 0) + 1
            return
        if self._failures.pop(key, 0) >= RECOVERY_AFTER and result.ok:
            try:
                moved = await outbox.bring_forward(self.db, space_id, channel)
            except Exception as exc:  # the retries keep their schedule; nothing is lost
                log.warning("recovery_failed", space_id=space_id, channel=channel, error=repr(exc))
                return
            log.info("channel_recovered", space_id=space_id, channel=channel, retries_due_now=moved)
