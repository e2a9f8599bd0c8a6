"""Chats: agent-handled threads over a conversation, on one channel at a time, owned by a team."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.appusers.auth import Caller
from onecast.chat import access, teams
from onecast.chat.models import Chat, ChatTeam
from onecast.conversations import service as conversations
from onecast.conversations.models import Conversation, ConversationMessage
from onecast.kit.clock import iso, utcnow
from onecast.kit.errors import Problem, not_found
from onecast.kit.etag import check_if_match, etag_for
from onecast.kit.events import record_event
from onecast.kit.ids import new_id
from onecast.realtime.notify import emit, envelope

CHAT_ROLES = {"owner": {"canSend": True, "canAddParticipants": True, "canRemoveParticipants": True},
              "participant": {"canSend": True, "canAddParticipants": False, "canRemoveParticipants": False}}
FORM_TYPE = "application/vnd.onecast.form+json"


def system(space_id: str) -> Caller:
    """The chat domain acting on its own (welcome, close and out-of-hours messages)."""
    return Caller(space_id=space_id, key_id="chat")


def etag(chat: Chat) -> str:
    return etag_for(f"chat:{chat.id}", chat.revision)


def view(chat: Chat) -> dict[str, Any]:
    return {"id": chat.id, "name": chat.name, "description": chat.description, "teamId": chat.team_id,
            "originalTeamId": chat.original_team_id, "channelId": chat.channel_id, "status": chat.status,
            "agentId": chat.agent_id, "participants": chat.participants or [],
            "context": {"conversationId": chat.conversation_id, "profileId": chat.profile_id},
            "_etag": etag(chat), "_createdOn": iso(chat.created_on), "_updatedOn": iso(chat.updated_on),
            "_closedOn": iso(chat.closed_on), "_isDeleted": chat.deleted_on is not None}


def _record(session: AsyncSession, chat: Chat, name: str, payload: dict[str, Any]) -> None:
    record_event(session, chat.space_id, name, chat.id, payload, chat.revision)
    # The chat's agents see its state change live (an inbox page open while a colleague closes it).
    agents = {p["id"] for p in chat.participants or [] if p["role"] == "agent"} | ({chat.agent_id} - {None})
    emit(session, chat.space_id, agents, envelope(chat.space_id, name, payload, created_by=chat.updated_by or "system",
                                                  conversation_id=chat.conversation_id, revision=chat.revision))


def _touch(chat: Chat, actor: str) -> None:
    chat.revision += 1
    chat.updated_on, chat.updated_by = utcnow(), actor


async def get(session: AsyncSession, caller: Caller, chat_id: str, *, lock: bool = False,
              include_deleted: bool = False) -> Chat:
    """A session reaches the chats it takes part in and, as an agent, its teams' chats."""
    stmt = select(Chat).where(Chat.space_id == caller.space_id, Chat.id == chat_id)
    if lock:
        stmt = stmt.with_for_update()
    chat = (await session.execute(stmt)).scalar_one_or_none()
    if chat is None or (chat.deleted_on is not None and not include_deleted) \
            or not await access.may_read(session, caller, chat):
        raise not_found("Chat")
    return chat


async def managed(session: AsyncSession, caller: Caller, chat_id: str) -> Chat:
    """The chat, locked, for a change only the team side makes (see `access.require_agent`)."""
    chat = await get(session, caller, chat_id, lock=True)
    await access.require_agent(session, caller, chat)
    return chat


async def active_chat(session: AsyncSession, space_id: str, conversation_id: str, *, lock: bool = False
                      ) -> Chat | None:
    stmt = select(Chat).where(Chat.space_id == space_id, Chat.conversation_id == conversation_id,
                              Chat.status != "closed", Chat.deleted_on.is_(None)).order_by(Chat.created_on.desc())
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt.limit(1))).scalar_one_or_none()


async def ensure_conversation(session: AsyncSession, space_id: str, conversation_id: str, name: str,
                              members: dict[str, str]) -> Conversation:
    conversation = await session.get(Conversation, (space_id, conversation_id))
    if conversation is None or conversation.deleted_on is not None:
        if conversation is not None:  # a deleted conversation of that id: start it anew
            conversation.deleted_on = None
        else:
            body = {"id": conversation_id, "name": name, "roles": CHAT_ROLES, "isPublic": False,
                    "participants": [{"id": p, "role": r} for p, r in members.items()]}
            conversation, _ = await conversations.create(session, system(space_id), body)
            return conversation
    current = await conversations.participants(session, space_id, conversation_id)
    missing = {p: r for p, r in members.items() if p not in current}
    if missing:
        await conversations.add_participants(session, system(space_id), conversation_id, missing)
    return conversation


async def open_chat(session: AsyncSession, caller: Caller, *, name: str, team: ChatTeam, channel_id: str,
                    conversation_id: str | None, participants: list[dict], description: str | None = None,
                    chat_id: str | None = None) -> Chat:
    chat_id = chat_id or new_id()
    if await session.get(Chat, (caller.space_id, chat_id)) is not None:
        raise Problem(409, "Conflict", f"A chat with the id {chat_id!r} exists")
    visitor = next((p["id"] for p in participants if p["role"] == "participant"), None)
    conversation_id = conversation_id or (teams.conversation_id_for(team, visitor) if visitor else f"chat_{chat_id}")
    await ensure_conversation(session, caller.space_id, conversation_id, name,
                              {p["id"]: "owner" if p["role"] == "agent" else "participant" for p in participants})
    now = utcnow()
    agent = next((p["id"] for p in participants if p["role"] == "agent"), None)
    chat = Chat(space_id=caller.space_id, id=chat_id, name=name, description=description, team_id=team.id,
                original_team_id=team.id, channel_id=channel_id, status="new", conversation_id=conversation_id,
                profile_id=visitor, agent_id=agent, participants=participants, revision=1, created_on=now,
                created_by=caller.actor, updated_on=now, updated_by=caller.actor)
    session.add(chat)
    await session.flush()
    _record(session, chat, "chat.create", {"id": chat.id, "name": chat.name, "teamId": chat.team_id,
                                           "channelId": chat.channel_id, "participants": participants,
                                           "context": {"conversationId": conversation_id}})
    return chat


async def create(session: AsyncSession, caller: Caller, body: dict[str, Any]) -> Chat:
    team = await access.team_to_open(session, caller, body["teamId"])
    participants = [{"id": p["id"], "role": p["role"]} for p in body.get("participants") or []]
    conversation_id = (body.get("context") or {}).get("conversationId")
    if access.is_agent_of(caller, team):
        if caller.profile_id not in {p["id"] for p in participants}:
            participants.append({"id": caller.profile_id, "role": "agent"})
        access.agents_chat_conversation(team, participants, conversation_id)
    elif not caller.is_server:
        participants, conversation_id = access.own_chat(caller, team, body["channelId"], participants,
                                                        conversation_id)
        open_one = await active_chat(session, caller.space_id, conversation_id)
        if open_one is not None:  # one open chat per user and team: the inbox is not the user's to fill
            raise Problem(409, "Conflict", f"You have an open chat with this team: {open_one.id!r}")
    return await open_chat(session, caller, name=body["name"], team=team, channel_id=body["channelId"],
                           conversation_id=conversation_id, participants=participants,
                           description=body.get("description"), chat_id=body.get("id"))


async def listing(session: AsyncSession, caller: Caller, profile_id: str | None, scope: str, include_closed: bool,
                  include_deleted: bool, limit: int, skip: int) -> list[Chat]:
    stmt = select(Chat).where(Chat.space_id == caller.space_id)
    if not include_closed:
        stmt = stmt.where(Chat.status != "closed")
    if not include_deleted:
        stmt = stmt.where(Chat.deleted_on.is_(None))
    dialect = session.get_bind().dialect.name
    if not caller.is_server:
        mine = _has_participant(dialect, caller.profile_id)
        team_ids = await access.agent_teams(session, caller)
        stmt = stmt.where(or_(mine, Chat.team_id.in_(team_ids)) if team_ids else mine)
    elif profile_id is not None:
        stmt = stmt.where(_has_participant(dialect, profile_id))
    stmt = stmt.order_by(Chat.created_on, Chat.id).offset(skip).limit(limit)
    return list((await session.execute(stmt)).scalars())


def _has_participant(dialect: str, profile_id: str) -> ColumnElement[bool]:
    """`participants` (a JSON array of {id, role}) holds `profile_id`: JSONB containment on
    PostgreSQL, json_each on SQLite."""
    if dialect == "postgresql":
        return type_coerce(Chat.participants, JSONB).contains([{"id": profile_id}])
    each = func.json_each(Chat.participants).table_valued("value").alias("participant")
    return exists().where(func.json_extract(each.c.value, "$.id") == profile_id)


async def update(session: AsyncSession, caller: Caller, chat_id: str, body: dict[str, Any],
                 if_match: str | None) -> Chat:
    chat = await managed(session, caller, chat_id)
    check_if_match(if_match, etag(chat))
    chat.name, chat.description = body["name"], body.get("description")
    _touch(chat, caller.actor)
    _record(session, chat, "chat.update", view(chat))
    return chat


async def delete(session: AsyncSession, caller: Caller, chat_id: str, if_match: str | None) -> None:
    chat = await managed(session, caller, chat_id)
    check_if_match(if_match, etag(chat))
    chat.deleted_on = utcnow()
    _touch(chat, caller.actor)
    _record(session, chat, "chat.delete", {"id": chat.id, "date": iso(chat.deleted_on), "by": caller.actor})


async def assign(session: AsyncSession, caller: Caller, chat_id: str, team_id: str, agent_id: str | None) -> Chat:
    chat = await managed(session, caller, chat_id)
    _require_open(chat)
    team = await teams.get_team(session, caller.space_id, team_id)
    previous = {"teamId": chat.team_id, "agentId": chat.agent_id}
    participants = [p for p in chat.participants or [] if p["role"] != "agent"]
    if agent_id is not None:
        participants.append({"id": agent_id, "role": "agent"})
        await ensure_conversation(session, chat.space_id, chat.conversation_id, chat.name, {agent_id: "owner"})
    chat.team_id, chat.agent_id, chat.participants = team.id, agent_id, participants
    _touch(chat, caller.actor)
    _record(session, chat, "chat.assigned", {"id": chat.id, "teamId": team.id, "agentId": agent_id,
                                             "previous": previous})
    return chat


def _require_open(chat: Chat) -> None:
    if chat.status == "closed":
        raise Problem(409, "ChatClosed", "The chat is closed")


async def close(session: AsyncSession, caller: Caller, chat_id: str, bypass_message: bool) -> Chat:
    chat = await managed(session, caller, chat_id)
    _require_open(chat)
    team = await session.get(ChatTeam, (chat.space_id, chat.team_id))
    close_message = ((team.settings or {}) if team else {}).get("closeMessage")
    if close_message and not bypass_message:
        await post_automated(session, chat, team, close_message)
    chat.status, chat.closed_on = "closed", utcnow()
    _touch(chat, caller.actor)
    _record(session, chat, "chat.closed", {"id": chat.id, "teamId": chat.team_id, "bypassMessage": bypass_message,
                                           "closeTimeSecs": int((chat.closed_on - chat.created_on).total_seconds())})
    return chat


async def change_channel(session: AsyncSession, caller: Caller, chat_id: str, channel_id: str) -> Chat:
    chat = await managed(session, caller, chat_id)
    _require_open(chat)
    chat.channel_id = channel_id
    _touch(chat, caller.actor)
    _record(session, chat, "chat.channelUpdated", {"id": chat.id, "channelId": channel_id})
    return chat


def _sender(chat: Chat, team: ChatTeam | None, agent_id: str | None) -> dict[str, str]:
    """replyAs "team": the user sees the team, not the agent."""
    app_config = ((team.channels or {}) if team else {}).get(teams.APP_MESSAGING) or {}
    if team is not None and (agent_id is None or app_config.get("replyAs") == "team"):
        return {"profileId": team.id, "name": team.name}
    return {"profileId": agent_id or "system"}


async def post_automated(session: AsyncSession, chat: Chat, team: ChatTeam | None, text: str,
                         part_type: str = "text/plain") -> ConversationMessage:
    body = {"parts": [{"type": part_type, "data": text, "size": len(text.encode())}],
            "from": _sender(chat, team, None), "metadata": {"isAutomatedSend": True}}
    return await send(session, system(chat.space_id), chat, body, automated=True)


async def send(session: AsyncSession, caller: Caller, chat: Chat, body: dict[str, Any], *,
               automated: bool = False) -> ConversationMessage:
    """A message from the team side into the chat: to the conversation (the app user's sockets),
    and through the One API when the chat is on another channel (SMS, email...)."""
    await access.require_agent(session, caller, chat)
    _require_open(chat)
    team = await session.get(ChatTeam, (chat.space_id, chat.team_id))
    agent = caller.profile_id or (body.get("from") or {}).get("profileId") or chat.agent_id
    if not automated:
        body = {**body, "from": _sender(chat, team, agent)}
        if body.get("isAutomatedSend"):
            body["metadata"] = {**(body.get("metadata") or {}), "isAutomatedSend": True}
    body.pop("isAutomatedSend", None)
    writer = system(chat.space_id) if caller.profile_id else caller
    message = await conversations.post_message(
        session, writer, chat.conversation_id, body, from_chat=True,
        extra_context={"chatId": chat.id, "teamId": chat.team_id, "to": {"id": chat.profile_id}})
    if not automated and chat.status == "new":
        chat.status = "replied"
    _touch(chat, caller.actor)
    _record(session, chat, "chatMessage.sent", chat_message_payload(chat, message, "outbound", agent))
    if chat.channel_id != teams.APP_MESSAGING and chat.profile_id:
        from onecast.chat import inbox

        await inbox.relay(session, chat, message)
    return message


def chat_message_payload(chat: Chat, message: ConversationMessage, direction: str, sent_by: str | None) -> dict:
    return {"id": message.id, "metadata": message.metadata_ or {},
            "context": {"from": {"id": message.from_id}, "chatId": chat.id, "teamId": chat.team_id,
                        "sentBy": sent_by or message.sent_by, "sentOn": iso(message.sent_on),
                        "direction": direction, "to": {"id": chat.profile_id}},
            "parts": message.parts}


async def send_form(session: AsyncSession, caller: Caller, chat_id: str, form_template_id: str) -> ConversationMessage:
    chat = await managed(session, caller, chat_id)
    team = await session.get(ChatTeam, (chat.space_id, chat.team_id))
    data = json.dumps({"formTemplateId": form_template_id})
    message = await post_automated(session, chat, team, data, FORM_TYPE)
    _record(session, chat, "chat.formSent", {"id": chat.id, "formTemplateId": form_template_id,
                                             "messageId": message.id})
    return message


def conversation_caller(caller: Caller) -> Caller:
    """Agents reach a chat's conversation as the server does, once the chat let them in."""
    return caller if caller.is_server else Caller(space_id=caller.space_id, key_id=f"agent:{caller.profile_id}")
