"""Agent chat over HTTP (One API §8): chats, their messages, presence and team config.
Callers: the server (API key; agents act through it, naming themselves), agents with a session, and
app users for their own chats (chat.access says who may do what)."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from onecast.appusers.auth import Caller, CallerAuth
from onecast.chat import access, presence, service, teams
from onecast.chat.schemas import (
    AgentPresenceOut,
    AppMessagingConfig,
    AssignIn,
    ChannelConfig,
    ChannelIn,
    ChatConfigOut,
    ChatIn,
    ChatMessagePost,
    ChatOut,
    ChatParticipant,
    ChatUpdate,
    CloseIn,
    FormIn,
    TeamConfigOut,
    TeamIn,
    TeamOut,
    TeamSettings,
    UserPresenceOut,
)
from onecast.conversations import service as conversations
from onecast.conversations.schemas import MessageSent, MessagesPage, ProfileIdStr, StatusUpdate, StreamEvent
from onecast.kit.auth import SpaceAuth
from onecast.kit.errors import invalid, problem_responses
from onecast.kit.routing import CheckedRoute
from onecast.kit.state import get_db

router = APIRouter(route_class=CheckedRoute, prefix="/apispaces/{apiSpaceId}", tags=["Chat"],
                   responses=problem_responses(400, 401, 403, 404))
ChatId = Annotated[str, Path(min_length=1, max_length=255, description="The chat id")]
TeamId = Annotated[str, Path(min_length=1, max_length=255, description="The team id")]
IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=1000)]
Agent = Annotated[ProfileIdStr | None, Query(alias="profileId", description=(
    "With an API key: the agent this is for (an agent's session says it itself)"))]
Ids = Annotated[list[ProfileIdStr], Query(alias="id", min_length=1, max_length=100)]
FromEvent = Annotated[int | None, Query(alias="from", ge=0, le=2**31)]
Limit = Annotated[int, Query(ge=1, le=1000)]
WITH_ETAG = {"model": ChatOut, "description": "The chat; its ETag is in the `ETag` header"}
CLOSED = problem_responses(409)


def _doc(chat, status: int = 200) -> JSONResponse:
    return JSONResponse(service.view(chat), status_code=status, headers={"ETag": service.etag(chat)})


def _who(caller: Caller, profile_id: str | None) -> str:
    who = caller.profile_id or profile_id
    if who is None:
        raise invalid("profileId", "required with an API key: say which agent this is")
    return who


# --- chats ----------------------------------------------------------------------------------


@router.post("/chats", status_code=201, responses={201: WITH_ETAG, **problem_responses(409)})
async def create_chat(request: Request, caller: CallerAuth, body: ChatIn) -> JSONResponse:
    async with get_db(request).transaction() as session:
        chat = await service.create(session, caller, body.model_dump(mode="json"))
    return _doc(chat, 201)


@router.get("/chats", response_model=list[ChatOut] | list[str])
async def list_chats(
    request: Request, caller: CallerAuth, profile_id: Agent = None,
    scope: Annotated[Literal["profile", "all"], Query()] = "all",
    include_closed: Annotated[bool, Query(alias="includeClosed")] = False,
    include_deleted: Annotated[bool, Query(alias="includeDeleted")] = False,
    ids_only: Annotated[bool, Query(alias="idsOnly")] = False,
    limit: Limit = 100, skip: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> list:
    async with get_db(request).read() as session:
        chats = await service.listing(session, caller, profile_id, scope, include_closed, include_deleted,
                                      limit, skip)
    return [c.id for c in chats] if ids_only else [service.view(c) for c in chats]


@router.get("/chats/{chatId}", responses={200: WITH_ETAG})
async def get_chat(request: Request, caller: CallerAuth, chatId: ChatId,
                   include_deleted: Annotated[bool, Query(alias="includeDeleted")] = False) -> JSONResponse:
    async with get_db(request).read() as session:
        return _doc(await service.get(session, caller, chatId, include_deleted=include_deleted))


@router.put("/chats/{chatId}", responses={200: WITH_ETAG, **problem_responses(412)})
async def update_chat(request: Request, caller: CallerAuth, chatId: ChatId, body: ChatUpdate,
                      if_match: IfMatch = None) -> JSONResponse:
    async with get_db(request).transaction() as session:
        return _doc(await service.update(session, caller, chatId, body.model_dump(), if_match))


@router.delete("/chats/{chatId}", status_code=204, responses=problem_responses(412))
async def delete_chat(request: Request, caller: CallerAuth, chatId: ChatId,
                      if_match: IfMatch = None) -> Response:
    async with get_db(request).transaction() as session:
        await service.delete(session, caller, chatId, if_match)
    return Response(status_code=204)


@router.put("/chats/{chatId}/assign", responses={200: WITH_ETAG, **CLOSED})
async def assign_chat(request: Request, caller: CallerAuth, chatId: ChatId, body: AssignIn) -> JSONResponse:
    async with get_db(request).transaction() as session:
        return _doc(await service.assign(session, caller, chatId, body.teamId, body.agentId))


@router.put("/chats/{chatId}/close", responses={200: WITH_ETAG, **CLOSED})
async def close_chat(request: Request, caller: CallerAuth, chatId: ChatId, body: CloseIn) -> JSONResponse:
    async with get_db(request).transaction() as session:
        return _doc(await service.close(session, caller, chatId, body.bypassMessage))


@router.put("/chats/{chatId}/channel", responses={200: WITH_ETAG, **CLOSED})
async def change_channel(request: Request, caller: CallerAuth, chatId: ChatId, body: ChannelIn) -> JSONResponse:
    async with get_db(request).transaction() as session:
        return _doc(await service.change_channel(session, caller, chatId, body.channelId))


@router.post("/chats/{chatId}/form", response_model=MessageSent, responses=CLOSED)
async def send_form(request: Request, caller: CallerAuth, chatId: ChatId, body: FormIn) -> dict:
    async with get_db(request).transaction() as session:
        message = await service.send_form(session, caller, chatId, body.formTemplateId)
    return {"id": message.id, "eventId": message.sent_event_id}


@router.get("/chats/{chatId}/participants", response_model=list[ChatParticipant])
async def chat_participants(request: Request, caller: CallerAuth, chatId: ChatId) -> list[dict]:
    async with get_db(request).read() as session:
        return (await service.get(session, caller, chatId)).participants or []


async def _typing(request: Request, caller: Caller, chat_id: str, on: bool, profile_id: str | None) -> Response:
    async with get_db(request).transaction() as session:
        chat = await service.get(session, caller, chat_id)
        await conversations.typing(session, service.conversation_caller(caller), chat.conversation_id, on,
                                   _who(caller, profile_id))
    return Response(status_code=204)


@router.post("/chats/{chatId}/typing", status_code=204)
async def chat_typing_on(request: Request, caller: CallerAuth, chatId: ChatId, profile_id: Agent = None) -> Response:
    return await _typing(request, caller, chatId, True, profile_id)


@router.delete("/chats/{chatId}/typing", status_code=204)
async def chat_typing_off(request: Request, caller: CallerAuth, chatId: ChatId, profile_id: Agent = None) -> Response:
    return await _typing(request, caller, chatId, False, profile_id)


@router.post("/chats/{chatId}/messages", response_model=MessageSent, responses=CLOSED,
             summary="An agent's (or the team's) message to the chat; `from.profileId` names the agent")
async def send_chat_message(request: Request, caller: CallerAuth, chatId: ChatId, body: ChatMessagePost) -> dict:
    async with get_db(request).transaction() as session:
        chat = await service.get(session, caller, chatId, lock=True)
        message = await service.send(session, caller, chat, body.model_dump(mode="json", by_alias=True,
                                                                            exclude_none=True))
    return {"id": message.id, "eventId": message.sent_event_id}


@router.get("/chats/{chatId}/messages", response_model=MessagesPage)
async def chat_messages(request: Request, caller: CallerAuth, chatId: ChatId,
                        start: FromEvent = None, limit: Limit = 100) -> dict:
    async with get_db(request).read() as session:
        chat = await service.get(session, caller, chatId)
        return await conversations.messages_backward(session, service.conversation_caller(caller),
                                                     chat.conversation_id, start, limit)


@router.get("/chats/{chatId}/events", response_model=list[StreamEvent])
async def chat_events(request: Request, caller: CallerAuth, chatId: ChatId,
                      start: FromEvent = None, limit: Limit = 100) -> list[dict]:
    async with get_db(request).read() as session:
        chat = await service.get(session, caller, chatId)
        return await conversations.events_forward(session, service.conversation_caller(caller),
                                                  chat.conversation_id, start or 0, limit)


@router.post("/chats/{chatId}/messages/statusupdates", response_model=None,
             responses={200: {"description": "Recorded"}})
async def chat_status_updates(request: Request, caller: CallerAuth, chatId: ChatId,
                              body: Annotated[list[StatusUpdate], Body(min_length=1, max_length=100)],
                              profile_id: Agent = None) -> Response:
    async with get_db(request).transaction() as session:
        chat = await service.get(session, caller, chatId)
        await conversations.post_statuses(session, service.conversation_caller(caller), chat.conversation_id,
                                          [u.model_dump() for u in body], _who(caller, profile_id))
    return Response(status_code=200)


# --- presence -------------------------------------------------------------------------------


@router.get("/presence", response_model=list[AgentPresenceOut], summary="Agents: away, available or offline")
async def agent_presence(request: Request, caller: CallerAuth, ids: Ids,
                         status: Annotated[Literal["away", "available", "offline"] | None, Query()] = None) -> list:
    async with get_db(request).read() as session:
        await access.require_presence_of(session, caller, ids, of_agents=True)
        return await presence.agents(session, caller.space_id, list(dict.fromkeys(ids)), status)


@router.post("/presence/away", status_code=204, summary="The agent is away")
async def set_away(request: Request, caller: CallerAuth, profile_id: Agent = None) -> Response:
    async with get_db(request).transaction() as session:
        await presence.set_away(session, caller.space_id, _who(caller, profile_id), True)
    return Response(status_code=204)


@router.delete("/presence/away", status_code=204, summary="The agent is available again")
async def set_available(request: Request, caller: CallerAuth, profile_id: Agent = None) -> Response:
    async with get_db(request).transaction() as session:
        await presence.set_away(session, caller.space_id, _who(caller, profile_id), False)
    return Response(status_code=204)


@router.get("/presence/appmessaging", response_model=list[UserPresenceOut], summary="App users: online or offline")
async def app_user_presence(request: Request, caller: CallerAuth, ids: Ids) -> list:
    async with get_db(request).read() as session:
        await access.require_presence_of(session, caller, ids, of_agents=False)
        return await presence.app_users(session, caller.space_id, list(dict.fromkeys(ids)))


# --- team config (API key) ------------------------------------------------------------------


@router.get("/chat/config", response_model=ChatConfigOut)
async def chat_config(request: Request, principal: SpaceAuth) -> dict:
    async with get_db(request).read() as session:
        return {"teams": [teams.config_view(t) for t in await teams.teams(session, principal.space_id)]}


@router.get("/chat/config/teams/{teamId}", response_model=TeamOut, summary="A team and its members")
async def get_team(request: Request, principal: SpaceAuth, teamId: TeamId) -> dict:
    async with get_db(request).read() as session:
        return teams.team_view(await teams.get_team(session, principal.space_id, teamId))


@router.put("/chat/config/teams/{teamId}", response_model=TeamOut,
            summary="Create or update a team (its name makes chat conversation ids `{Team_Name}_{profileId}`)")
async def put_team(request: Request, principal: SpaceAuth, teamId: TeamId, body: TeamIn) -> dict:
    async with get_db(request).transaction() as session:
        team = await teams.put_team(session, principal.space_id, teamId, body.name,
                                    [m.model_dump() for m in body.members], body.isPublic)
        return teams.team_view(team)


@router.delete("/chat/config/teams/{teamId}", status_code=204, summary="Remove a team and its config")
async def delete_team(request: Request, principal: SpaceAuth, teamId: TeamId) -> Response:
    async with get_db(request).transaction() as session:
        await teams.delete_team(session, principal.space_id, teamId)
    return Response(status_code=204)


@router.put("/chat/config/teams/{teamId}/settings", response_model=TeamConfigOut,
            summary="Close and out-of-hours messages, working hours")
async def put_settings(request: Request, principal: SpaceAuth, teamId: TeamId, body: TeamSettings) -> dict:
    async with get_db(request).transaction() as session:
        team = await teams.set_settings(session, principal.space_id, teamId, body.model_dump(by_alias=True))
        return teams.config_view(team)


@router.delete("/chat/config/teams/{teamId}/settings", status_code=204)
async def delete_settings(request: Request, principal: SpaceAuth, teamId: TeamId) -> Response:
    async with get_db(request).transaction() as session:
        await teams.set_settings(session, principal.space_id, teamId, None)
    return Response(status_code=204)


def _channel_routes(channel: str, schema: type) -> None:
    """PUT/DELETE /chat/config/teams/{teamId}/<channel>: one channel's chat config for the team."""

    async def put_channel(request: Request, principal: SpaceAuth, teamId: TeamId, body) -> dict:
        async with get_db(request).transaction() as session:
            team = await teams.set_channel(session, principal.space_id, teamId, channel,
                                           body.model_dump(mode="json", exclude_none=True))
            return teams.config_view(team)

    put_channel.__annotations__["body"] = schema  # a real class: this module's annotations are strings

    async def delete_channel(request: Request, principal: SpaceAuth, teamId: TeamId) -> Response:
        async with get_db(request).transaction() as session:
            await teams.set_channel(session, principal.space_id, teamId, channel, None)
        return Response(status_code=204)

    path = f"/chat/config/teams/{{teamId}}/{channel}"
    router.add_api_route(path, put_channel, methods=["PUT"], response_model=TeamConfigOut,
                         name=f"put_{channel}_config", summary=f"The team's {channel} chat config")
    router.add_api_route(path, delete_channel, methods=["DELETE"], status_code=204,
                         name=f"delete_{channel}_config", summary=f"Remove the team's {channel} chat config")


for _channel, _schema in ((teams.APP_MESSAGING, AppMessagingConfig), ("sms", ChannelConfig),
                          ("fbMessenger", ChannelConfig), ("email", ChannelConfig)):
    _channel_routes(_channel, _schema)
