"""Applying a started import: a worker leases the job and upserts its pending rows a chunk per
transaction, so a crash loses at most one uncommitted chunk, which the next lease redoes."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import structlog
from sqlalchemy import or_, select

from onecast.kit.clock import utcnow
from onecast.kit.errors import Problem
from onecast.kit.wake import IMPORTS
from onecast.profiles import service as profiles
from onecast.profiles.imports.models import ProfileImport, ProfileImportRow

log = structlog.get_logger("onecast.imports")
CHUNK = 200
LEASE = timedelta(seconds=60)


async def claim(db, owner: str) -> str | None:
    now = utcnow()
    async with db.transaction() as session:
        job = (await session.execute(
            select(ProfileImport).where(ProfileImport.status == "running",
                                        or_(ProfileImport.lease_until.is_(None), ProfileImport.lease_until < now))
            .order_by(ProfileImport.started_on).limit(1).with_for_update(skip_locked=True))).scalar_one_or_none()
        if job is None:
            return None
        job.lease_owner, job.lease_until = owner, now + LEASE
        return job.id


async def apply_chunk(db, job_id: str, owner: str) -> bool:
    """Apply the next chunk of rows; False once the job is finished (or no longer ours)."""
    async with db.transaction() as session:
        job = await session.get(ProfileImport, job_id, with_for_update=True)
        if job is None or job.status != "running" or job.lease_owner != owner:
            return False
        rows = list((await session.execute(
            select(ProfileImportRow).where(ProfileImportRow.import_id == job_id, ProfileImportRow.status == "pending")
            .order_by(ProfileImportRow.line).limit(CHUNK))).scalars())
        counts = dict(job.counts or {})
        actor = f"import:{job.id}"
        for row in rows:
            row.status, row.error = await _apply_row(session, job, row, actor)
            counts[row.status] = counts.get(row.status, 0) + 1
            counts["processed"] = counts.get("processed", 0) + 1
        job.counts = counts
        job.updated_on = utcnow()
        job.lease_until = utcnow() + LEASE
        if len(rows) < CHUNK:
            job.status, job.finished_on, job.lease_owner, job.lease_until = "completed", utcnow(), None, None
            return False
        return True


async def _apply_row(session, job: ProfileImport, row: ProfileImportRow, actor: str) -> tuple[str, str | None]:
    if job.mode == "create" and await profiles.get_profile(session, job.space_id, row.profile_id,
                                                           include_deleted=True) is not None:
        return "skipped", "the profile exists"
    try:
        async with session.begin_nested():
            _profile, created = await profiles.upsert_profile(session, job.space_id, row.profile_id, row.data, actor)
    except Problem as problem:
        return "failed", problem.detail[:500]
    return ("created" if created else "updated"), None


async def run_job(db, job_id: str, owner: str) -> None:
    while await apply_chunk(db, job_id, owner):
        await asyncio.sleep(0)  # let other work in this process run between chunks


async def process_imports(db, owner: str) -> int:
    """Apply every started import now (tests and the CLI); returns how many jobs it ran."""
    ran = 0
    while (job_id := await claim(db, owner)) is not None:
        await run_job(db, job_id, owner)
        ran += 1
    return ran


async def run(db, settings, stop: asyncio.Event) -> None:
    """Background service of the worker process."""
    import os
    import socket

    owner = f"imports:{socket.gethostname()}:{os.getpid()}"
    waiter = db.wake.waiter(IMPORTS)  # a started import wakes it (kit.wake); the poll is the safety net
    stopping = asyncio.ensure_future(stop.wait())
    try:
        while not stop.is_set():
            waiter.clear()
            try:
                if await process_imports(db, owner):
                    continue
            except Exception as exc:  # the lease runs out and the job is taken up again
                log.error("import_failed", error=repr(exc))
            await waiter.sleep(settings.worker_idle_poll_seconds, stopping)
    finally:
        stopping.cancel()
        waiter.close()
