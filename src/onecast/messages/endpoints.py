from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import TypeAdapter, ValidationError

from onecast.kit.auth import SpaceAuth
from onecast.kit.errors import Problem, problem_responses, validation_problem
from onecast.kit.routing import CheckedRoute
from onecast.kit.state import get_db, get_settings
from onecast.messages import history, inbound, service
from onecast.messages.schemas import (
    BatchItemOut,
    HistoryItem,
    InboundIn,
    InboundOut,
    InboundStatus,
    InboundStatusIn,
    MessageIn,
    MessageOut,
    PostableStatus,
    RedactIn,
    StatusIn,
)
from onecast.messages.views import history_item, inbound_view, message_view

router = APIRouter(route_class=CheckedRoute, prefix="/apispaces/{apiSpaceId}", tags=["Messages (One API)"],
                   responses=problem_responses(400, 401, 404))
MessageId = Annotated[str, Path(max_length=64)]


async def _view(session, message) -> dict[str, Any]:
    return message_view(message, await service.status_history(session, message.id))


@router.post("/messages", status_code=201, response_model=MessageOut, responses=problem_responses(409, 413),
             description="Send one message. It is stored with its delivery job before the answer; "
                         "follow it with GET or webhooks.")
async def send(request: Request, principal: SpaceAuth, body: MessageIn) -> dict:
    db = get_db(request)
    async with db.transaction() as session:
        (message,) = await service.send_many(session, principal, [body])
    async with db.read() as session:  # committed: build the answer without holding the write lock
        return await _view(session, message)


_BATCH = TypeAdapter(list[MessageIn])


@router.post("/messages/batch", status_code=202, response_model=list[BatchItemOut],
             responses=problem_responses(409, 413),
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {
                 "type": "array", "items": {"$ref": "#/components/schemas/MessageIn"}, "maxItems": 5000}}}}})
async def send_batch(request: Request, principal: SpaceAuth) -> list[dict]:
    limit = get_settings(request).batch_max_items
    try:
        raw = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise Problem(400, "InvalidJson", "The request body is not valid JSON") from None
    if not isinstance(raw, list):
        raise Problem(400, "ValidationFailed", "The body must be a JSON array of messages")
    if not 1 <= len(raw) <= limit:
        raise Problem(400 if not raw else 413, "BatchSize", f"A batch holds 1 to {limit} messages, not {len(raw)}")
    try:
        items = _BATCH.validate_python(raw)
    except ValidationError as exc:
        from fastapi.exceptions import RequestValidationError

        raise validation_problem(RequestValidationError(exc.errors())) from None
    async with get_db(request).transaction() as session:
        messages = await service.send_many(session, principal, items, indexed=True)
        return [{"index": i, "messageId": m.id} for i, m in enumerate(messages)]


@router.get("/messages/{messageId}", response_model=MessageOut | InboundOut,
            description="A message by id: one sent (with `sentOn`) or one received (with `receivedOn`).")
async def get_message(request: Request, principal: SpaceAuth, messageId: MessageId) -> dict:
    async with get_db(request).read() as session:
        message = await service.get_message(session, principal.space_id, messageId, direction=None)
        if message.direction == "inbound":
            return inbound_view(message, await service.status_history(session, message.id))
        return await _view(session, message)


@router.patch("/messages/{messageId}", status_code=202, response_model=MessageOut,
              responses=problem_responses(409), description="Redact a message's content.")
async def patch_message(request: Request, principal: SpaceAuth, messageId: MessageId, body: RedactIn) -> dict:
    async with get_db(request).transaction() as session:
        if body.redact:
            message = await service.redact(session, principal, messageId)
        else:
            message = await service.get_message(session, principal.space_id, messageId)
        return await _view(session, message)


@router.delete("/messages/{messageId}", status_code=204, responses=problem_responses(409))
async def delete_message(request: Request, principal: SpaceAuth, messageId: MessageId) -> Response:
    async with get_db(request).transaction() as session:
        await service.delete(session, principal, messageId)
    return Response(status_code=204)


@router.post("/messages/{messageId}/statuses/{status}", response_model=MessageOut,
             responses=problem_responses(409),
             description="Report a receipt for a message (custom channels). Statuses only move forward.")
async def post_status(request: Request, principal: SpaceAuth, messageId: MessageId,
                      status: PostableStatus, body: StatusIn) -> dict:
    details = {"channelStatus": body.channelStatus or {}}
    if body.failureReason:
        details["reason"] = body.failureReason
    async with get_db(request).transaction() as session:
        message = await service.post_status(session, principal, messageId, status, body.channel, details,
                                            body.timestamp)
        return await _view(session, message)


@router.post("/messages/inbounds", status_code=201, response_model=InboundOut, responses=problem_responses(409))
async def post_inbound(request: Request, principal: SpaceAuth, body: InboundIn) -> dict:
    async with get_db(request).transaction() as session:
        message = await inbound.receive_inbound(session, principal.space_id, principal.actor, body)
        return inbound_view(message, await service.status_history(session, message.id))


@router.post("/messages/inbounds/{inboundMessageId}/statuses/{status}", response_model=InboundOut,
             responses=problem_responses(409))
async def post_inbound_status(request: Request, principal: SpaceAuth,
                              inboundMessageId: MessageId, status: InboundStatus,
                              body: InboundStatusIn) -> dict:
    async with get_db(request).transaction() as session:
        message = await inbound.post_inbound_status(session, principal, inboundMessageId, status,
                                                    {"channelStatus": body.channelStatus or {}}, body.timestamp)
        return inbound_view(message, await service.status_history(session, message.id))


@router.get("/profiles/{profileId}/messages", response_model=list[HistoryItem], tags=["Message history"],
            description="Messages to and from a profile, newest first. The next page's cursor is in the "
                        "`X-Next-Cursor` header and a `Link: rel=next` header.")
async def profile_history(
    request: Request, response: Response, principal: SpaceAuth,
    profileId: Annotated[str, Path(max_length=255)],
    channelId: Annotated[str | None, Query(max_length=100)] = None,
    direction: Annotated[str | None, Query(max_length=8, pattern="^(inbound|outbound)$")] = None,
    from_: Annotated[datetime | None, Query(alias="from")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> list[dict]:
    async with get_db(request).read() as session:
        rows, next_cursor = await history.history(session, principal.space_id, profileId, channel=channelId,
                                                  direction=direction, before=from_, limit=limit, cursor=cursor)
    if next_cursor:
        response.headers["X-Next-Cursor"] = next_cursor
        next_url = request.url.include_query_params(cursor=next_cursor)
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    return [history_item(m) for m in rows]
