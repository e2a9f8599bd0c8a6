"""Outbox depth, read from the database at scrape time so every process reports the same."""
from __future__ import annotations

from sqlalchemy import case, func, select

from onecast.delivery.models import OutboxJob
from onecast.kit.clock import utcnow


async def queue_depth(db) -> dict[str, int]:
    """`due`: waiting now; `scheduled`: waiting for a retry or leased by a worker."""
    now = utcnow()
    async with db.read() as session:
        due, total = (await session.execute(select(
            func.coalesce(func.sum(case((OutboxJob.available_at <= now, 1), else_=0)), 0),
            func.count(OutboxJob.id)))).one()
    return {"due": int(due), "scheduled": int(total) - int(due)}
