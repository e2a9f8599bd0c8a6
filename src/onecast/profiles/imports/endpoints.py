"""Profile imports over HTTP (One API: /profiles/import, /profiles/imports). The router is
included before the profiles router, whose /profiles/{id} would otherwise take these paths."""
from __future__ import annotations

import tempfile
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from onecast.kit.auth import SpaceAuth
from onecast.kit.errors import problem_responses
from onecast.kit.routing import CheckedRoute
from onecast.kit.state import get_db
from onecast.profiles.imports import service

router = APIRouter(route_class=CheckedRoute, prefix="/apispaces/{apiSpaceId}", tags=["Profile imports"],
                   responses=problem_responses(400, 401, 404))
JobId = Annotated[str, Path(max_length=64, description="The import job id")]
SPOOL_BYTES = 8 * 1024 * 1024


class ImportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: Literal["csv", "json"] = Field(default="csv", description="`csv` (header row; `a.b` columns are "
                                           "nested fields) or `json` (an array of objects, or JSON Lines)")
    mode: Literal["upsert", "create"] = Field(default="upsert", description="`upsert` merges into existing "
                                              "profiles; `create` skips them")
    idField: str = Field(default="id", min_length=1, max_length=255, pattern=r"^[^\x00-\x1f_][^\x00-\x1f]*$",
                         description="The field holding the profile id (dotted for a nested one)")
    name: str = Field(default="", max_length=200)


class ImportOut(BaseModel):
    id: str
    name: str
    status: str = Field(description="created, uploading, uploaded, running, completed")
    format: str
    mode: str
    idField: str
    total: int
    invalid: int
    processed: int
    created: int
    updated: int
    skipped: int
    failed: int
    progress: float
    error: str | None
    createdBy: str
    createdOn: str
    startedOn: str | None
    finishedOn: str | None


class DetailOut(BaseModel):
    line: int
    profileId: str | None
    status: str
    error: str | None


UPLOAD_BODY = {"requestBody": {"required": True, "description": "The file, as the job's format says", "content": {
    "text/csv": {"schema": {"type": "string"}}, "application/json": {"schema": {"type": "string"}},
    "application/x-ndjson": {"schema": {"type": "string"}}}}}


@router.post("/profiles/import", status_code=201, response_model=ImportOut, summary="Create an import job")
async def create_import(request: Request, principal: SpaceAuth, body: ImportIn) -> dict:
    async with get_db(request).transaction() as session:
        job = await service.create_job(session, principal, fmt=body.format, mode=body.mode, id_field=body.idField,
                                       name=body.name)
        return service.job_view(job)


@router.put("/profiles/import/{id}/upload", response_model=ImportOut, openapi_extra=UPLOAD_BODY,
            responses=problem_responses(409, 413), summary="Upload the file to import",
            description="The request body is the file itself. Uploading again replaces the previous file.")
async def upload(request: Request, principal: SpaceAuth, id: JobId) -> dict:
    async with get_db(request).read() as session:
        await service.get_job(session, principal.space_id, id)  # 404 before reading a byte
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        async for chunk in request.stream():
            spool.write(chunk)
        spool.seek(0)
        job = await service.store_upload(get_db(request), principal.space_id, id, spool)
    return service.job_view(job)


@router.get("/profiles/import/{id}/duplicates", summary="Duplicated profile ids of an uploaded file",
            responses=problem_responses(409))
async def get_duplicates(request: Request, principal: SpaceAuth, id: JobId,
                         limit: Annotated[int, Query(ge=1, le=10_000)] = 1000) -> dict:
    async with get_db(request).read() as session:
        return await service.duplicates(session, await service.get_job(session, principal.space_id, id), limit)


@router.put("/profiles/import/{id}/start", response_model=ImportOut, responses=problem_responses(409),
            summary="Start applying an uploaded file",
            description="The worker applies the rows in the background; poll the job for progress.")
async def start_import(request: Request, principal: SpaceAuth, id: JobId) -> dict:
    async with get_db(request).transaction() as session:
        job = await service.get_job(session, principal.space_id, id, lock=True)
        await service.start(session, job)
        return service.job_view(job)


@router.get("/profiles/imports", response_model=list[ImportOut], summary="Import jobs, newest first")
async def list_imports(request: Request, principal: SpaceAuth,
                       limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict]:
    async with get_db(request).read() as session:
        return [service.job_view(j) for j in await service.list_jobs(session, principal.space_id, limit)]


@router.get("/profiles/imports/{id}", response_model=ImportOut, summary="Status and progress of an import")
async def get_import(request: Request, principal: SpaceAuth, id: JobId) -> dict:
    async with get_db(request).read() as session:
        return service.job_view(await service.get_job(session, principal.space_id, id))


@router.get("/profiles/imports/{id}/details", response_model=list[DetailOut],
            summary="What happened to each line", description="Lines in order after `afterLine`.")
async def get_details(request: Request, principal: SpaceAuth, id: JobId,
                      status: Annotated[Literal["pending", "created", "updated", "skipped", "failed"] | None,
                                        Query()] = None,
                      afterLine: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
                      limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict]:
    async with get_db(request).read() as session:
        job = await service.get_job(session, principal.space_id, id)
        return await service.details(session, job, status, afterLine, limit)


@router.delete("/profiles/imports/{id}", status_code=204, responses=problem_responses(409))
async def delete_import(request: Request, principal: SpaceAuth, id: JobId) -> Response:
    async with get_db(request).transaction() as session:
        await service.delete_job(session, await service.get_job(session, principal.space_id, id, lock=True))
    return Response(status_code=204)
