"""Bird's Channels API (seed 004) over the core: send, list and read a channel's messages,
presigned media uploads. `Authorization: AccessKey <Onecast API key>`, workspace = API space."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from onecast.compat.bird import service
from onecast.compat.bird.auth import BirdAuth
from onecast.compat.bird.errors import (
    BirdProblem,
    BirdRoute,
    bird_errors,
    error_responses,
    from_validation,
    invalid_fields,
)
from onecast.compat.bird.schemas import BirdMessageIn, PresignIn
from onecast.content import endpoints as content_endpoints  # the storage and base URL the content API uses
from onecast.content import service as content
from onecast.kit.state import get_db, get_settings
from onecast.kit.text import UnstorableText, decode_json

router = APIRouter(route_class=BirdRoute, prefix="/workspaces/{workspaceId}", tags=["Bird channels API (compat)"],
                   responses=error_responses(400, 401, 404, 422))

MAX_BODY = 200 * 1024
ChannelId = Annotated[str, Path(min_length=1, max_length=100, description="The channel: its id or rule name")]
MessageId = Annotated[str, Path(min_length=1, max_length=64)]
MESSAGE = {"type": "object", "additionalProperties": True, "required": ["id", "channelId", "status"],
           "properties": {"id": {"type": "string"}, "channelId": {"type": "string"}, "status": {"type": "string"}}}


def _body_schema(model: type[BaseModel]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": model.model_json_schema()}}}}


async def _parse(request: Request, model: type[BaseModel]) -> Any:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise BirdProblem(413, "PayloadTooLarge", "The request body exceeded the 200 KB size limit")
    try:
        data = decode_json(raw, loc=())
    except (ValueError, UnicodeDecodeError):
        raise BirdProblem(400, "InvalidJson", "The request body is not valid JSON") from None
    except UnstorableText as exc:
        raise from_validation(exc) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise from_validation(exc) from None


@router.post("/channels/{channelId}/messages", status_code=202,
             responses={202: {"description": "Message was accepted for processing",
                              "content": {"application/json": {"schema": MESSAGE}}},
                        **error_responses(409, 413)},
             openapi_extra=_body_schema(BirdMessageIn), summary="Send a message to a channel")
async def send_message(request: Request, principal: BirdAuth, channelId: ChannelId) -> JSONResponse:
    req = await _parse(request, BirdMessageIn)
    db = get_db(request)
    async with db.transaction() as session:
        message = await service.send(session, principal, channelId, req)
    async with db.read() as session:
        return JSONResponse(await service.get(session, principal.space_id, channelId, message.id), status_code=202)


LIST_PARAMETERS = {"parameters": [
    {"name": "limit", "in": "query", "required": False, "description": "Limits the number of results to return",
     "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 25}},
    {"name": "pageToken", "in": "query", "required": False, "description": "The cursor of the next page",
     "schema": {"type": "string", "maxLength": 500}},
    {"name": "reverse", "in": "query", "required": False, "description": "Oldest first",
     "schema": {"type": "boolean", "default": False}},
]}


def _list_params(request: Request) -> tuple[int, str | None, bool]:
    """Read here, not by FastAPI, so that bad values are Bird's 422 rather than our 400."""
    query, details = request.query_params, {}
    limit = 25
    if query.get("limit") is not None:
        try:
            limit = int(query["limit"])
        except ValueError:
            limit = 0
        if not 1 <= limit <= 1000:
            details["limit"] = ["must be an integer from 1 to 1000"]
    token = query.get("pageToken") or None
    if token is not None and len(token) > 500:
        details["pageToken"] = ["is not a token this API returned"]
    reverse = (query.get("reverse") or "false").lower()
    if reverse not in ("true", "false", "1", "0"):
        details["reverse"] = ["must be true or false"]
    if details:
        raise invalid_fields(details)
    return limit, token, reverse in ("true", "1")


@router.get("/channels/{channelId}/messages", summary="List messages by channel ID", openapi_extra=LIST_PARAMETERS,
            responses={200: {"description": "A page of messages", "content": {"application/json": {"schema": {
                "type": "object", "required": ["results"], "properties": {
                    "results": {"type": "array", "items": MESSAGE}, "nextPageToken": {"type": "string"}}}}}}})
async def list_messages(request: Request, principal: BirdAuth, channelId: ChannelId) -> JSONResponse:
    limit, token, reverse = _list_params(request)
    async with get_db(request).read() as session:
        return JSONResponse(await service.list_messages(session, principal.space_id, channelId, limit=limit,
                                                        page_token=token, reverse=reverse))


@router.get("/channels/{channelId}/messages/{messageId}", summary="Get a channel message",
            responses={200: {"description": "The message", "content": {"application/json": {"schema": MESSAGE}}}})
async def get_message(request: Request, principal: BirdAuth, channelId: ChannelId,
                      messageId: MessageId) -> JSONResponse:
    async with get_db(request).read() as session:
        return JSONResponse(await service.get(session, principal.space_id, channelId, messageId))


PRESIGNED = {200: {"description": "Where and how to upload the file, and the URL it will have",
                   "content": {"application/json": {"schema": {
                       "type": "object", "required": ["mediaUrl", "uploadUrl", "uploadMethod", "uploadFormData"],
                       "properties": {"mediaUrl": {"type": "string"}, "uploadUrl": {"type": "string"},
                                      "uploadMethod": {"type": "string"},
                                      "uploadFormData": {"type": "object"}}}}}},
             **error_responses(409, 413)}


async def _presign(request: Request, principal, channel: str | None) -> JSONResponse:
    body = await _parse(request, PresignIn)
    settings = get_settings(request)
    with bird_errors():
        async with get_db(request).transaction() as session:
            if channel is not None:
                channel = await service.channel_rule(session, principal.space_id, channel)
            out = await content.presign(session, content_endpoints.storage(request), principal.space_id,
                                        principal.actor, mime=body.contentType, channel=channel,
                                        global_max=settings.content_max_bytes,
                                        seconds=settings.content_upload_seconds, base=content_endpoints.base_url(request))
    return JSONResponse(out)


@router.post("/presigned-upload", responses=PRESIGNED, openapi_extra=_body_schema(PresignIn),
             summary="Create a presigned media upload")
async def presigned_upload(request: Request, principal: BirdAuth) -> JSONResponse:
    return await _presign(request, principal, None)


@router.post("/channels/{channelId}/presigned-upload", responses=PRESIGNED, openapi_extra=_body_schema(PresignIn),
             summary="Create a presigned media upload checked against the channel's media limits")
async def channel_presigned_upload(request: Request, principal: BirdAuth, channelId: ChannelId) -> JSONResponse:
    return await _presign(request, principal, channelId)
