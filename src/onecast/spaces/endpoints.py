"""API space management: account-level (a key manages the spaces of its own account)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from onecast.kit.auth import KeyAuth, Principal, key_cache
from onecast.kit.errors import problem_responses
from onecast.kit.etag import IfMatch, check_if_match, etag_for
from onecast.kit.routing import CheckedRoute
from onecast.kit.state import get_db
from onecast.spaces import service
from onecast.spaces.schemas import KeyCreated, KeyIn, KeyOut, SpaceCreated, SpaceIn, SpaceOut

router = APIRouter(route_class=CheckedRoute, tags=["API spaces"], responses=problem_responses(400, 401))
SpaceId = Annotated[str, Path(max_length=64)]


async def account_space(request: Request, principal: KeyAuth, apiSpaceId: SpaceId) -> Principal:
    """404 for a space outside the key's account, before the body is even read."""
    async with get_db(request).read() as session:
        await service.get_space(session, principal.account_id, apiSpaceId)
    return principal


ManagedSpace = Annotated[Principal, Depends(account_space)]


@router.get("/apispaces", response_model=list[SpaceOut])
async def list_spaces(request: Request, principal: KeyAuth) -> list[dict]:
    async with get_db(request).read() as session:
        return [service.space_view(s) for s in await service.list_spaces(session, principal.account_id)]


@router.post("/apispaces", status_code=201, response_model=SpaceCreated)
async def create_space(request: Request, principal: KeyAuth, body: SpaceIn) -> dict:
    async with get_db(request).transaction() as session:
        space, key, raw = await service.create_space(session, principal.account_id, body.name)
        return {**service.space_view(space), "apiKey": raw, "apiKeyId": key.id}


@router.get("/apispaces/{apiSpaceId}", response_model=SpaceOut, responses=problem_responses(404))
async def get_space(request: Request, response: Response, principal: ManagedSpace, apiSpaceId: SpaceId) -> dict:
    async with get_db(request).read() as session:
        space = await service.get_space(session, principal.account_id, apiSpaceId)
        response.headers["ETag"] = etag_for(space.id, space.revision)
        return service.space_view(space)


@router.put("/apispaces/{apiSpaceId}", response_model=SpaceOut, responses=problem_responses(404, 412))
async def update_space(request: Request, response: Response, principal: ManagedSpace, apiSpaceId: SpaceId,
                       body: SpaceIn, if_match: IfMatch = None) -> dict:
    async with get_db(request).transaction() as session:
        space = await service.get_space(session, principal.account_id, apiSpaceId, lock=True)
        check_if_match(if_match, etag_for(space.id, space.revision))
        space = await service.rename_space(session, principal.account_id, apiSpaceId, body.name)
        response.headers["ETag"] = etag_for(space.id, space.revision)
        return service.space_view(space)


@router.delete("/apispaces/{apiSpaceId}", status_code=204, responses=problem_responses(404, 412))
async def delete_space(request: Request, principal: ManagedSpace, apiSpaceId: SpaceId,
                       if_match: IfMatch = None) -> Response:
    async with get_db(request).transaction() as session:
        space = await service.get_space(session, principal.account_id, apiSpaceId, lock=True)
        check_if_match(if_match, etag_for(space.id, space.revision))
        await service.delete_space(session, principal.account_id, apiSpaceId)
    key_cache(request).clear()
    return Response(status_code=204)


@router.get("/apispaces/{apiSpaceId}/keys", response_model=list[KeyOut], responses=problem_responses(404))
async def list_keys(request: Request, principal: ManagedSpace, apiSpaceId: SpaceId) -> list[dict]:
    async with get_db(request).read() as session:
        return [service.key_view(k) for k in await service.list_keys(session, apiSpaceId)]


@router.post("/apispaces/{apiSpaceId}/keys", status_code=201, response_model=KeyCreated,
             responses=problem_responses(404))
async def create_key(request: Request, principal: ManagedSpace, apiSpaceId: SpaceId, body: KeyIn) -> dict:
    async with get_db(request).transaction() as session:
        key, raw = await service.create_key(session, apiSpaceId, body.name)
        return {**service.key_view(key), "apiKey": raw}


@router.delete("/apispaces/{apiSpaceId}/keys/{keyId}", status_code=204, responses=problem_responses(404))
async def revoke_key(request: Request, principal: ManagedSpace, apiSpaceId: SpaceId,
                     keyId: Annotated[str, Path(max_length=64)]) -> Response:
    async with get_db(request).transaction() as session:
        await service.revoke_key(session, apiSpaceId, keyId)
    key_cache(request).clear()
    return Response(status_code=204)
