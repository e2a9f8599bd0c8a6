"""Audiences: /audiences CRUD (ETag / If-Match) and /audiences/{id}/profiles, the current members."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from onecast.kit.auth import SpaceAuth
from onecast.kit.errors import problem_responses
from onecast.kit.etag import IfMatch, check_if_match, etag_for
from onecast.kit.routing import CheckedRoute
from onecast.kit.state import get_db
from onecast.profiles.audiences import service

router = APIRouter(route_class=CheckedRoute, prefix="/apispaces/{apiSpaceId}", tags=["Audiences"],
                   responses=problem_responses(400, 401, 404))
AudienceId = Annotated[str, Path(max_length=100)]


class AudienceUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=1000)
    query: str = Field(max_length=20_000, description="Profile conditions as GET /profiles takes them, "
                                                     "e.g. `country=UK&age=>30`; empty: every profile")


class AudienceIn(AudienceUpdate):
    id: str | None = Field(default=None, max_length=100, pattern=r"^[A-Za-z0-9_.-]{1,100}$",
                           description="Default: generated")


class AudienceOut(AudienceIn):
    id: str
    createdBy: str
    createdOn: str
    updatedOn: str


def _response(audience, status: int = 200) -> JSONResponse:
    return JSONResponse(service.view(audience), status_code=status,
                        headers={"ETag": etag_for(audience.id, audience.revision)})


@router.get("/audiences", response_model=list[AudienceOut])
async def list_audiences(request: Request, principal: SpaceAuth,
                         limit: Annotated[int, Query(alias="$limit", ge=1, le=1000)] = 100,
                         skip: Annotated[int, Query(alias="$skip", ge=0, le=10**9)] = 0) -> list[dict]:
    async with get_db(request).read() as session:
        return [service.view(a) for a in await service.list_all(session, principal.space_id, limit, skip)]


@router.post("/audiences", status_code=201, response_model=AudienceOut, responses=problem_responses(409))
async def create_audience(request: Request, principal: SpaceAuth, body: AudienceIn) -> JSONResponse:
    async with get_db(request).transaction() as session:
        audience = await service.create(session, principal.space_id, principal.actor, body.model_dump())
    return _response(audience, 201)


@router.get("/audiences/{id}", response_model=AudienceOut)
async def get_audience(request: Request, principal: SpaceAuth, id: AudienceId) -> JSONResponse:
    async with get_db(request).read() as session:
        return _response(await service.get(session, principal.space_id, id))


@router.put("/audiences/{id}", response_model=AudienceOut, responses=problem_responses(412))
async def put_audience(request: Request, principal: SpaceAuth, id: AudienceId,
                       body: AudienceUpdate, if_match: IfMatch = None) -> JSONResponse:
    async with get_db(request).transaction() as session:
        audience = await service.get(session, principal.space_id, id, lock=True)
        check_if_match(if_match, etag_for(audience.id, audience.revision))
        service.update(audience, body.model_dump())
    return _response(audience)


@router.delete("/audiences/{id}", status_code=204, responses=problem_responses(412))
async def delete_audience(request: Request, principal: SpaceAuth, id: AudienceId,
                          if_match: IfMatch = None) -> Response:
    async with get_db(request).transaction() as session:
        audience = await service.get(session, principal.space_id, id, lock=True)
        check_if_match(if_match, etag_for(audience.id, audience.revision))
        await session.delete(audience)
    return Response(status_code=204)


@router.get("/audiences/{id}/profiles", summary="The profiles the audience's query matches now",
            description="`X-Total-Count` gives the number of members.")
async def audience_members(request: Request, response: Response, principal: SpaceAuth, id: AudienceId,
                           limit: Annotated[int, Query(alias="$limit", ge=1, le=1000)] = 100,
                           skip: Annotated[int, Query(alias="$skip", ge=0, le=10**9)] = 0) -> list[dict]:
    async with get_db(request).read() as session:
        total, docs = await service.members(session, await service.get(session, principal.space_id, id),
                                            limit, skip)
    response.headers["X-Total-Count"] = str(total)
    return docs
