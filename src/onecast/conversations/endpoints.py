"""Conversations over HTTP (One API §6.1-6.2). Callers: the server (API key) or app users
(session token), whose roles decide what they may do."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from onecast.appusers.auth import CallerAuth
from onecast.conversations import service
from onecast.conversations.schemas import (
    ConversationIn,
    ConversationOut,
    ConversationUpdate,
    MessagePost,
    MessageSent,
    MessagesPage,
    ParticipantIn,
    ParticipantOut,
    ProfileIdStr,
    StatusUpdate,
    StreamEvent,
)
from onecast.kit.errors import problem_responses
from onecast.kit.routing import CheckedRoute
from onecast.kit.state import get_db

router = APIRouter(route_class=CheckedRoute, prefix="/apispaces/{apiSpaceId}", tags=["Conversations"],
                   responses=problem_responses(400, 401, 403, 404))
ConversationId = Annotated[str, Path(min_length=1, max_length=255, description="The conversation id")]
IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=1000)]
IncludeDeleted = Annotated[bool, Query(alias="includeDeleted")]
OnBehalfOf = Annotated[ProfileIdStr | None, Query(alias="profileId", description=(
    "With an API key: the profile this is for (an app user's session says it itself)"))]
FromEvent = Annotated[int | None, Query(alias="from", ge=0, le=2**31, description="An event id")]
Limit = Annotated[int, Query(ge=1, le=1000)]
WITH_ETAG = {"model": ConversationOut, "description": "The conversation; its ETag is in the `ETag` header"}


def _doc(conversation, count: int, status: int = 200) -> JSONResponse:
    return JSONResponse(service.view(conversation, count), status_code=status,
                        headers={"ETag": service.etag(conversation)})


@router.post("/conversations", status_code=201, responses={201: WITH_ETAG, **problem_responses(409)})
async def create_conversation(request: Request, caller: CallerAuth, body: ConversationIn) -> JSONResponse:
    async with get_db(request).transaction() as session:
        conversation, count = await service.create(session, caller, body.model_dump(mode="json"))
    return _doc(conversation, count, 201)


@router.get("/conversations", response_model=list[ConversationOut],
            summary="Conversations: an app user's own and public ones; the server's all (or a profile's)")
async def list_conversations(
    request: Request, caller: CallerAuth, profile_id: OnBehalfOf = None,
    scope: Annotated[Literal["public", "participant"] | None, Query()] = None,
    include_deleted: IncludeDeleted = False, limit: Limit = 100,
    skip: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> list[dict]:
    async with get_db(request).read() as session:
        return await service.listing(session, caller, scope, profile_id, include_deleted, limit, skip)


@router.get("/conversations/{conversationId}", responses={200: WITH_ETAG})
async def get_conversation(request: Request, caller: CallerAuth, conversationId: ConversationId,
                           include_deleted: IncludeDeleted = False) -> JSONResponse:
    async with get_db(request).read() as session:
        conversation, _ = await service.visible(session, caller, conversationId, include_deleted=include_deleted)
        count = (await service.participant_counts(session, caller.space_id, [conversation.id])).get(conversation.id, 0)
    return _doc(conversation, count)


@router.put("/conversations/{conversationId}", responses={200: WITH_ETAG, **problem_responses(412)})
async def update_conversation(request: Request, caller: CallerAuth, conversationId: ConversationId,
                              body: ConversationUpdate, if_match: IfMatch = None) -> JSONResponse:
    async with get_db(request).transaction() as session:
        conversation = await service.update(session, caller, conversationId, body.model_dump(mode="json"), if_match)
        count = (await service.participant_counts(session, caller.space_id, [conversation.id])).get(conversation.id, 0)
    return _doc(conversation, count)


@router.delete("/conversations/{conversationId}", status_code=204, responses=problem_responses(412))
async def delete_conversation(request: Request, caller: CallerAuth, conversationId: ConversationId,
                              if_match: IfMatch = None) -> Response:
    async with get_db(request).transaction() as session:
        await service.remove(session, caller, conversationId, if_match)
    return Response(status_code=204)


@router.get("/conversations/{conversationId}/participants", response_model=list[ParticipantOut])
async def list_participants(request: Request, caller: CallerAuth, conversationId: ConversationId) -> list[dict]:
    async with get_db(request).read() as session:
        conversation, _ = await service.visible(session, caller, conversationId)
        members = await service.participants(session, caller.space_id, conversation.id)
    return [{"id": p, "role": r} for p, r in members.items()]


@router.post("/conversations/{conversationId}/participants", status_code=201, response_model=None,
             responses={201: {"description": "Added"}})
async def add_participants(request: Request, caller: CallerAuth, conversationId: ConversationId,
                           body: Annotated[list[ParticipantIn], Body(min_length=1, max_length=1000)]) -> Response:
    async with get_db(request).transaction() as session:
        await service.add_participants(session, caller, conversationId, {p.id: p.role for p in body})
    return Response(status_code=201)


@router.delete("/conversations/{conversationId}/participants", status_code=204)
async def remove_participants(request: Request, caller: CallerAuth, conversationId: ConversationId,
                              id: Annotated[list[ProfileIdStr], Query(min_length=1, max_length=1000)]) -> Response:
    async with get_db(request).transaction() as session:
        await service.remove_participants(session, caller, conversationId, list(dict.fromkeys(id)))
    return Response(status_code=204)


@router.post("/conversations/{conversationId}/typing", status_code=204)
async def typing_on(request: Request, caller: CallerAuth, conversationId: ConversationId,
                    profile_id: OnBehalfOf = None) -> Response:
    async with get_db(request).transaction() as session:
        await service.typing(session, caller, conversationId, True, profile_id)
    return Response(status_code=204)


@router.delete("/conversations/{conversationId}/typing", status_code=204)
async def typing_off(request: Request, caller: CallerAuth, conversationId: ConversationId,
                     profile_id: OnBehalfOf = None) -> Response:
    async with get_db(request).transaction() as session:
        await service.typing(session, caller, conversationId, False, profile_id)
    return Response(status_code=204)


@router.post("/conversations/{conversationId}/messages", response_model=MessageSent)
async def send_message(request: Request, caller: CallerAuth, conversationId: ConversationId,
                       body: MessagePost) -> dict:
    async with get_db(request).transaction() as session:
        message = await service.post_message(session, caller, conversationId,
                                             body.model_dump(mode="json", by_alias=True, exclude_none=True))
    return {"id": message.id, "eventId": message.sent_event_id}


@router.get("/conversations/{conversationId}/messages", response_model=MessagesPage,
            summary="Messages from an event backwards (default: the newest); page with earliestEventId - 1")
async def get_messages(request: Request, caller: CallerAuth, conversationId: ConversationId,
                       start: FromEvent = None, limit: Limit = 100) -> dict:
    async with get_db(request).read() as session:
        return await service.messages_backward(session, caller, conversationId, start, limit)


@router.get("/conversations/{conversationId}/events", response_model=list[StreamEvent],
            summary="The conversation's event stream from an event forwards (to fill gaps)")
async def get_events(request: Request, caller: CallerAuth, conversationId: ConversationId,
                     start: FromEvent = None, limit: Limit = 100) -> list[dict]:
    async with get_db(request).read() as session:
        return await service.events_forward(session, caller, conversationId, start or 0, limit)


@router.post("/conversations/{conversationId}/messages/statusupdates", response_model=None,
             responses={200: {"description": "Recorded"}})
async def post_status_updates(request: Request, caller: CallerAuth, conversationId: ConversationId,
                              body: Annotated[list[StatusUpdate], Body(min_length=1, max_length=100)],
                              profile_id: OnBehalfOf = None) -> Response:
    async with get_db(request).transaction() as session:
        await service.post_statuses(session, caller, conversationId, [u.model_dump() for u in body], profile_id)
    return Response(status_code=200)
