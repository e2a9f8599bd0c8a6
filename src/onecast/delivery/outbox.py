"""Claiming outbox jobs with a lease. PostgreSQL skips rows another worker holds
(FOR UPDATE SKIP LOCKED); SQLite has one writer at a time under BEGIN IMMEDIATE."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, func, select, update

from onecast.delivery.models import OutboxJob
from onecast.kit.clock import as_utc, utcnow


async def claim(db, owner: str, limit: int, lease_seconds: float,
                space_id: str | None = None) -> list[int]:
    now = utcnow()
    stmt = select(OutboxJob).where(OutboxJob.available_at <= now)
    if space_id is not None:
        stmt = stmt.where(OutboxJob.space_id == space_id)
    async with db.transaction() as session:
        jobs = list((await session.execute(
            stmt.order_by(OutboxJob.available_at, OutboxJob.id).limit(limit).with_for_update(skip_locked=True)
        )).scalars())
        for job in jobs:
            job.available_at = now + timedelta(seconds=lease_seconds)
            job.lease_owner = owner
        return [job.id for job in jobs]


async def next_due(db, space_id: str | None = None) -> datetime | None:
    """When the next job falls due (claimed ones when their lease runs out); None for none."""
    stmt = select(func.min(OutboxJob.available_at))
    if space_id is not None:
        stmt = stmt.where(OutboxJob.space_id == space_id)
    async with db.read() as session:
        return as_utc((await session.execute(stmt)).scalar_one_or_none())


async def postpone(db, job_id: int, owner: str, seconds: float) -> None:
    """Hand a claimed job back, due in `seconds`, without counting an attempt."""
    async with db.transaction() as session:
        job = await session.get(OutboxJob, job_id, with_for_update=True)
        if job is not None and job.lease_owner == owner:
            job.available_at = utcnow() + timedelta(seconds=seconds)
            job.lease_owner = None


async def bring_forward(db, space_id: str, channel: str) -> int:
    """Make the space's jobs that wait for a retry on `channel` due now; returns how many."""
    from onecast.messages.models import Message  # messages depends on delivery, not the reverse

    now = utcnow()
    waiting_on_channel = exists().where(Message.id == OutboxJob.message_id, Message.channel == channel,
                                        Message.status == "retrying")
    async with db.transaction() as session:
        result = await session.execute(update(OutboxJob).where(
            OutboxJob.space_id == space_id, OutboxJob.lease_owner.is_(None), OutboxJob.available_at > now,
            waiting_on_channel).values(available_at=now).execution_options(synchronize_session=False))
        return result.rowcount
