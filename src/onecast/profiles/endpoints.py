"""Profiles over HTTP (One API §5). Fixed paths (/profiles/optin, /profiles/bulk) come before
/profiles/{id}, which would otherwise swallow them."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import StringConstraints

from onecast.kit.auth import SpaceAuth
from onecast.kit.errors import invalid, problem_responses
from onecast.kit.etag import check_if_match
from onecast.kit.routing import CheckedRoute
from onecast.kit.state import get_db
from onecast.profiles import rels, service
from onecast.profiles.documents import project
from onecast.profiles.models import Profile
from onecast.profiles.query import MAX_VALUE_LENGTH, parse_fields, parse_query
from onecast.profiles.sample_schema import sample_schema
from onecast.profiles.schemas import (
    ChannelName,
    OptInChannels,
    OptInDefaults,
    ProfileIdStr,
    ProfileIn,
    ProfileOut,
    ProfileProjection,
    ProfileUpdate,
)

router = APIRouter(route_class=CheckedRoute, prefix="/apispaces/{apiSpaceId}", tags=["Profiles"],
                   responses=problem_responses(400, 401, 404))

ProfileId = Annotated[str, Path(min_length=1, max_length=255, description="The profile id")]
LinkedId = Annotated[str, Path(min_length=1, max_length=255, description="The other profile's id")]
IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=1000,
                                       description="Apply only if the profile's ETag is one of these")]
Deletes = Annotated[str, StringConstraints(max_length=MAX_VALUE_LENGTH)]
IncludeDeleted = Annotated[bool, Query(alias="$includeDeleted", description="Also return soft-deleted profiles")]
QUERY_PARAMS = {"$limit", "$skip", "$fields", "$includeDeleted", "$schemaOnly"}
DOC = {"model": ProfileOut, "description": "The profile; its ETag is in the `ETag` header"}

QUERY_DESCRIPTION = """Profiles matching every condition, ordered by id.
Conditions (mongo-querystring): `field=v` equals, `field=!v` not equal, `field=>v`, `field=<v`, `field=>=v`,
`field=<=v`, `field=^v` starts with, `field=$v` ends with, `field=~v` contains (text matches ignore case),
`field[]=a&field[]=b` in, `field[]=!a&field[]=!b` not in, `field=` exists, `field=!` does not exist.
`true`/`false` are booleans, numeric-looking values numbers, `'...'` strings. Dotted names reach nested
fields; `id`, `_createdOn`, `_updatedOn`, `_createdBy`, `_updatedBy` and `_optIns.<channel>` query system
fields. Other `$` parameters are rejected.
`$schemaOnly=true`: instead of the profiles, the JSON Schema of the page of profiles the query selects
(member names and JSON types; the sample size is `x-sampleSize`)."""
FILTER_PARAMETER = {"parameters": [{
    "name": "conditions", "in": "query", "required": False, "style": "form", "explode": True,
    "description": "Field conditions, one query parameter each (see the operation description)",
    "schema": {"type": "object", "additionalProperties": {"type": "string", "maxLength": MAX_VALUE_LENGTH}},
}]}


def _doc_response(doc: dict, profile: Profile, status: int = 200) -> JSONResponse:
    return JSONResponse(doc, status_code=status, headers={"ETag": service.etag(profile)})


def _fields(body: ProfileIn | ProfileUpdate) -> dict[str, Any]:
    fields = dict(body.model_extra or {})
    if body.id is not None:
        fields["id"] = body.id
    return fields


def _deletes(raw: list[str] | None) -> list[str]:
    names = [n.strip() for item in raw or [] for n in item.split(",") if n.strip()]
    if len(names) > 100:
        raise invalid("deletes", "at most 100 properties")
    for name in names:
        if name == "id" or name.startswith("_") or len(name) > 255:
            raise invalid("deletes", f"cannot delete the property {name[:100]!r}")
    return names


# --- collection -----------------------------------------------------------------------------


@router.get("/profiles", response_model=list[ProfileProjection] | dict[str, Any], description=QUERY_DESCRIPTION,
            openapi_extra=FILTER_PARAMETER)
async def query_profiles(
    request: Request, principal: SpaceAuth,
    limit: Annotated[int, Query(alias="$limit", ge=1, le=1000)] = 100,
    skip: Annotated[int, Query(alias="$skip", ge=0, le=1_000_000_000)] = 0,
    fields: Annotated[str | None, Query(alias="$fields", max_length=10_000,
                                        description="Comma-separated fields to return (plus id)")] = None,
    include_deleted: IncludeDeleted = False,
    schema_only: Annotated[bool, Query(alias="$schemaOnly",
                                       description="Answer the JSON Schema of the selected profiles")] = False,
) -> JSONResponse:
    conditions = parse_query(request.query_params.multi_items(), reserved=QUERY_PARAMS)
    projection = parse_fields(fields)
    async with get_db(request).read() as session:
        docs = await service.query_profiles(session, principal.space_id, conditions, limit=limit, skip=skip,
                                            include_deleted=include_deleted)
    docs = [project(d, projection) for d in docs] if projection else docs
    return JSONResponse(sample_schema(docs) if schema_only else docs)


@router.post("/profiles", status_code=201, responses={201: DOC, **problem_responses(409)})
async def create_profile(request: Request, principal: SpaceAuth, body: ProfileIn) -> JSONResponse:
    async with get_db(request).transaction() as session:
        profile = await service.create_profile(session, principal.space_id, _fields(body), principal.actor)
        doc = service.profile_document(profile, [])
    return _doc_response(doc, profile, 201)


@router.get("/profiles/optin", response_model=dict[str, bool], summary="Opt-in defaults of the API space")
async def get_optin_defaults(request: Request, principal: SpaceAuth) -> dict[str, bool]:
    async with get_db(request).read() as session:
        return await service.get_optin_defaults(session, principal.space_id)


@router.put("/profiles/optin", response_model=dict[str, bool], summary="Replace the opt-in defaults")
async def put_optin_defaults(request: Request, principal: SpaceAuth, body: OptInDefaults) -> dict[str, bool]:
    async with get_db(request).transaction() as session:
        return await service.put_optin_defaults(session, principal.space_id, body.root)


@router.patch("/profiles/bulk", response_model=list[ProfileOut], summary="Create or merge many profiles")
async def bulk_upsert(request: Request, principal: SpaceAuth,
                      body: Annotated[list[ProfileIn], Body(min_length=1, max_length=1000)]) -> JSONResponse:
    async with get_db(request).transaction() as session:
        docs = await service.bulk_upsert(session, principal.space_id, [_fields(b) for b in body], principal.actor)
    return JSONResponse(docs)


@router.delete("/profiles/bulk", status_code=204, summary="Soft-delete many profiles")
async def bulk_delete(request: Request, principal: SpaceAuth,
                      id: Annotated[list[ProfileIdStr], Query(min_length=1, max_length=1000)]) -> Response:
    async with get_db(request).transaction() as session:
        await service.bulk_delete(session, principal.space_id, id, principal.actor)
    return Response(status_code=204)


# --- one profile ----------------------------------------------------------------------------


@router.get("/profiles/{id}", responses={200: DOC})
async def get_profile(request: Request, principal: SpaceAuth, id: ProfileId,
                      include_deleted: IncludeDeleted = False,
                      include_deleted_plain: Annotated[bool, Query(alias="includeDeleted")] = False) -> JSONResponse:
    async with get_db(request).read() as session:
        profile = await service.require_profile(session, principal.space_id, id,
                                                include_deleted=include_deleted or include_deleted_plain)
        doc = await service.document(session, profile)
    return _doc_response(doc, profile)


@router.put("/profiles/{id}", responses={200: DOC, **problem_responses(412)},
            description="Replace the profile's fields. `?undelete=true` restores a soft-deleted profile "
                        "(with an empty body, that is all it does).")
async def replace_profile(request: Request, principal: SpaceAuth, id: ProfileId,
                          body: Annotated[ProfileUpdate | None, Body()] = None,
                          undelete: bool = False, if_match: IfMatch = None) -> JSONResponse:
    fields = _fields(body) if body is not None else None
    if fields is None and not undelete:
        raise invalid("body", "a JSON object is required")
    async with get_db(request).transaction() as session:
        profile = await service.require_profile(session, principal.space_id, id, include_deleted=undelete,
                                                lock=True)
        check_if_match(if_match, service.etag(profile))
        if undelete:
            await service.undelete_profile(session, profile, principal.actor)
        if not undelete or set(fields or {}) - {"id"}:
            await service.replace_profile(session, profile, fields or {}, principal.actor)
        doc = await service.document(session, profile)
    return _doc_response(doc, profile)


@router.patch("/profiles/{id}", responses={200: DOC, 201: DOC, **problem_responses(412)},
              description="Merge top-level fields; `deletes` removes properties; `allowcreate=true` creates "
                          "(201) or undeletes the profile when needed.")
async def patch_profile(request: Request, principal: SpaceAuth, id: ProfileId, body: ProfileUpdate,
                        allowcreate: bool = False,
                        deletes: Annotated[list[Deletes] | None, Query(description="Comma-separated properties")] = None,
                        if_match: IfMatch = None) -> JSONResponse:
    names = _deletes(deletes)
    fields = _fields(body)
    async with get_db(request).transaction() as session:
        if allowcreate and if_match is None:
            profile, created = await service.upsert_profile(session, principal.space_id, id, fields,
                                                            principal.actor, names)
        else:
            profile, created = await service.require_profile(session, principal.space_id, id, lock=True), False
            check_if_match(if_match, service.etag(profile))
            await service.patch_profile(session, profile, fields, names, principal.actor)
        doc = await service.document(session, profile)
    return _doc_response(doc, profile, 201 if created else 200)


@router.delete("/profiles/{id}", status_code=204, responses=problem_responses(412))
async def delete_profile(request: Request, principal: SpaceAuth, id: ProfileId,
                         if_match: IfMatch = None) -> Response:
    async with get_db(request).transaction() as session:
        profile = await service.require_profile(session, principal.space_id, id, lock=True)
        check_if_match(if_match, service.etag(profile))
        await service.delete_profile(session, profile, principal.actor)
    return Response(status_code=204)


# --- opt-ins and relationships --------------------------------------------------------------


async def _set_opt_ins(request: Request, principal: SpaceAuth, profile_id: str, channels: list[str],
                       value: bool, if_match: str | None) -> JSONResponse:
    async with get_db(request).transaction() as session:
        profile = await service.require_profile(session, principal.space_id, profile_id, lock=True)
        check_if_match(if_match, service.etag(profile))
        await service.set_opt_ins(session, profile, channels, value, principal.actor)
        doc = await service.document(session, profile)
    return _doc_response(doc, profile)


@router.put("/profiles/{id}/optin", responses={200: DOC, **problem_responses(412)}, summary="Opt in")
async def opt_in(request: Request, principal: SpaceAuth, id: ProfileId, body: OptInChannels,
                 if_match: IfMatch = None) -> JSONResponse:
    return await _set_opt_ins(request, principal, id, body.channels, True, if_match)


@router.delete("/profiles/{id}/optin", responses={200: DOC, **problem_responses(412)}, summary="Opt out")
async def opt_out(request: Request, principal: SpaceAuth, id: ProfileId,
                  channel: Annotated[list[ChannelName], Query(min_length=1, max_length=100)],
                  if_match: IfMatch = None) -> JSONResponse:
    return await _set_opt_ins(request, principal, id, channel, False, if_match)


async def _relate(request: Request, principal: SpaceAuth, profile_id: str, child_id: str, primary_id: str,
                  link: bool) -> JSONResponse:
    async with get_db(request).transaction() as session:
        change = rels.set_primary if link else rels.remove_primary
        await change(session, principal.space_id, child_id, primary_id, principal.actor)
        profile = await service.require_profile(session, principal.space_id, profile_id)
        doc = await service.document(session, profile)
    return _doc_response(doc, profile)


@router.put("/profiles/{id}/rels/primary/{linkedId}", responses={200: DOC},
            summary="Make linkedId the primary profile of id")
async def set_primary(request: Request, principal: SpaceAuth, id: ProfileId,
                      linkedId: LinkedId) -> JSONResponse:
    return await _relate(request, principal, id, id, linkedId, True)


@router.delete("/profiles/{id}/rels/primary/{linkedId}", responses={200: DOC},
               summary="Remove linkedId as the primary profile of id")
async def remove_primary(request: Request, principal: SpaceAuth, id: ProfileId,
                         linkedId: LinkedId) -> JSONResponse:
    return await _relate(request, principal, id, id, linkedId, False)


@router.put("/profiles/{id}/rels/link/{linkedId}", responses={200: DOC},
            summary="Make id the primary profile of linkedId")
async def add_link(request: Request, principal: SpaceAuth, id: ProfileId,
                   linkedId: LinkedId) -> JSONResponse:
    return await _relate(request, principal, id, linkedId, id, True)


@router.delete("/profiles/{id}/rels/link/{linkedId}", responses={200: DOC},
               summary="Remove linkedId from the profiles id is primary of")
async def remove_link(request: Request, principal: SpaceAuth, id: ProfileId,
                      linkedId: LinkedId) -> JSONResponse:
    return await _relate(request, principal, id, linkedId, id, False)
