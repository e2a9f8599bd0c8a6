"""Import jobs: their lifecycle, the upload (records stored one row each, validated up front) and
the reports (duplicates, details). Applying the rows is in tasks.py."""
from __future__ import annotations

from typing import IO, Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.kit.auth import Principal
from onecast.kit.clock import iso, utcnow
from onecast.kit.errors import Problem, not_found
from onecast.kit.ids import new_id
from onecast.kit.wake import IMPORTS, wake_on_commit
from onecast.profiles.documents import check_size, validate_fields, validate_id
from onecast.profiles.imports.models import ProfileImport, ProfileImportRow
from onecast.profiles.imports.parse import FileProblem, records
from onecast.profiles.models import Profile

UPLOAD_BATCH = 1000
COUNTERS = ("total", "invalid", "processed", "created", "updated", "skipped", "failed")


def job_view(job: ProfileImport) -> dict[str, Any]:
    counts = {name: (job.counts or {}).get(name, 0) for name in COUNTERS}
    valid = counts["total"] - counts["invalid"]
    return {"id": job.id, "name": job.name, "status": job.status, "format": job.format, "mode": job.mode,
            "idField": job.id_field, **counts,
            "progress": round(counts["processed"] / valid, 4) if valid else (1.0 if job.status == "completed" else 0.0),
            "error": job.error, "createdBy": job.created_by, "createdOn": iso(job.created_on),
            "startedOn": iso(job.started_on) if job.started_on else None,
            "finishedOn": iso(job.finished_on) if job.finished_on else None}


async def create_job(session: AsyncSession, principal: Principal, *, fmt: str, mode: str, id_field: str,
                     name: str) -> ProfileImport:
    now = utcnow()
    job = ProfileImport(id=new_id(), space_id=principal.space_id, status="created", format=fmt, mode=mode,
                        id_field=id_field, name=name, counts={}, created_by=principal.actor,
                        created_on=now, updated_on=now)
    session.add(job)
    return job


async def get_job(session: AsyncSession, space_id: str, job_id: str, *, lock: bool = False) -> ProfileImport:
    job = await session.get(ProfileImport, job_id, with_for_update=lock)
    if job is None or job.space_id != space_id:
        raise not_found("Import job")
    return job


async def list_jobs(session: AsyncSession, space_id: str, limit: int) -> list[ProfileImport]:
    return list((await session.execute(select(ProfileImport).where(ProfileImport.space_id == space_id)
                                       .order_by(ProfileImport.created_on.desc()).limit(limit))).scalars())


def _expect(job: ProfileImport, allowed: set[str], action: str) -> None:
    if job.status not in allowed:
        raise Problem(409, "ImportState", f"The import is {job.status}; it can be {action} only when "
                                          f"{' or '.join(sorted(allowed))}")


def _pluck(fields: dict[str, Any], dotted: str) -> Any:
    target: Any = fields
    for part in dotted.split("."):
        target = target.get(part) if isinstance(target, dict) else None
    return target


def validate_record(fields: dict[str, Any], id_field: str) -> tuple[str | None, dict[str, Any], str | None]:
    """(profile id, profile fields, why the record cannot be imported)."""
    profile_id = _pluck(fields, id_field)
    data = {k: v for k, v in fields.items() if k != "id"}  # the id is not a profile field
    try:
        validate_id(profile_id, id_field)
        check_size(validate_fields(data))
    except Problem as problem:
        failures = problem.errors or [{"field": id_field, "message": problem.detail}]
        why = "; ".join(f"{f.get('field')}: {f.get('message')}" for f in failures)
        return (profile_id if isinstance(profile_id, str) else None), data, why[:500]
    return profile_id, data, None


async def store_upload(db, space_id: str, job_id: str, upload: IO[bytes]) -> ProfileImport:
    """Read the file into rows, a batch per transaction (no long write lock). A file that cannot be
    read leaves the job as it was, without rows, and says why."""
    async with db.transaction() as session:
        job = await get_job(session, space_id, job_id, lock=True)
        _expect(job, {"created", "uploaded"}, "uploaded")
        await session.execute(delete(ProfileImportRow).where(ProfileImportRow.import_id == job.id))
        job.status, job.counts, job.error = "uploading", {}, None
        fmt, id_field = job.format, job.id_field
    counts = {"total": 0, "invalid": 0}
    batch: list[dict[str, Any]] = []
    try:
        for line, fields, why in records(fmt, upload, id_field):
            counts["total"] += 1
            profile_id, data = None, {}
            if why is None:
                profile_id, data, why = validate_record(fields, id_field)
            counts["invalid"] += why is not None
            batch.append({"import_id": job_id, "line": line, "profile_id": profile_id, "data": data,
                          "status": "failed" if why else "pending", "error": why})
            if len(batch) >= UPLOAD_BATCH:
                await _insert_rows(db, batch)
                batch = []
        await _insert_rows(db, batch)
    except FileProblem as problem:
        async with db.transaction() as session:
            await session.execute(delete(ProfileImportRow).where(ProfileImportRow.import_id == job_id))
            job = await get_job(session, space_id, job_id, lock=True)
            job.status, job.counts, job.error, job.updated_on = "created", {}, str(problem)[:500], utcnow()
        raise Problem(400, "InvalidImportFile", f"The file cannot be imported: {problem}") from None
    async with db.transaction() as session:
        job = await get_job(session, space_id, job_id, lock=True)
        job.status, job.counts, job.updated_on = "uploaded", {**counts, "failed": counts["invalid"]}, utcnow()
        return job


async def _insert_rows(db, rows: list[dict[str, Any]]) -> None:
    if rows:
        async with db.transaction() as session:
            await session.execute(ProfileImportRow.__table__.insert(), rows)


async def duplicates(session: AsyncSession, job: ProfileImport, limit: int) -> dict[str, Any]:
    """Ids that occur on several lines of the file, and ids that already exist in the space."""
    _expect(job, {"uploaded", "running", "completed"}, "inspected")
    repeated = (select(ProfileImportRow.profile_id, func.count().label("n"))
                .where(ProfileImportRow.import_id == job.id, ProfileImportRow.profile_id.is_not(None))
                .group_by(ProfileImportRow.profile_id).having(func.count() > 1))
    in_file = (await session.execute(repeated.order_by(ProfileImportRow.profile_id).limit(limit))).all()
    lines: dict[str, list[int]] = {pid: [] for pid, _ in in_file}
    if lines:
        for pid, line in await session.execute(
                select(ProfileImportRow.profile_id, ProfileImportRow.line)
                .where(ProfileImportRow.import_id == job.id, ProfileImportRow.profile_id.in_(list(lines)))
                .order_by(ProfileImportRow.line)):
            lines[pid].append(line)
    existing_q = (select(ProfileImportRow.profile_id).distinct()
                  .join(Profile, (Profile.space_id == job.space_id) & (Profile.id == ProfileImportRow.profile_id))
                  .where(ProfileImportRow.import_id == job.id))
    existing_total = (await session.execute(select(func.count()).select_from(existing_q.subquery()))).scalar_one()
    existing = list((await session.execute(existing_q.order_by(ProfileImportRow.profile_id).limit(limit))).scalars())
    repeated_total = (await session.execute(select(func.count()).select_from(repeated.subquery()))).scalar_one()
    return {"inFile": {"count": repeated_total, "items": [{"id": pid, "lines": lines[pid]} for pid, _ in in_file]},
            "existing": {"count": existing_total, "items": existing,
                         "action": "skipped" if job.mode == "create" else "updated"}}


async def start(session: AsyncSession, job: ProfileImport) -> None:
    _expect(job, {"uploaded"}, "started")
    job.status, job.started_on, job.updated_on = "running", utcnow(), utcnow()
    wake_on_commit(session, IMPORTS)  # the worker's import loop sleeps until then


async def delete_job(session: AsyncSession, job: ProfileImport) -> None:
    _expect(job, {"created", "uploaded", "completed", "failed"}, "deleted")
    await session.execute(delete(ProfileImportRow).where(ProfileImportRow.import_id == job.id))
    await session.delete(job)


async def details(session: AsyncSession, job: ProfileImport, status: str | None, after_line: int,
                  limit: int) -> list[dict[str, Any]]:
    stmt = select(ProfileImportRow).where(ProfileImportRow.import_id == job.id, ProfileImportRow.line > after_line)
    if status:
        stmt = stmt.where(ProfileImportRow.status == status)
    rows = (await session.execute(stmt.order_by(ProfileImportRow.line).limit(limit))).scalars()
    return [{"line": r.line, "profileId": r.profile_id, "status": r.status, "error": r.error} for r in rows]
