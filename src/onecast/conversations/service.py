"""Conversations: CRUD with owner/participant privileges, participants, typing, and the
event stream (messages and their delivered/read statuses) with its projection."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.appusers.auth import Caller
from onecast.conversations.models import Conversation, ConversationEvent, ConversationMessage, ConversationParticipant
from onecast.kit.clock import as_utc, iso, utcnow
from onecast.kit.errors import Problem, forbidden, not_found
from onecast.kit.etag import check_if_match, etag_for
from onecast.kit.events import record_event
from onecast.kit.ids import new_id
from onecast.realtime.notify import emit, envelope

STATUS_RANK = {"delivered": 1, "read": 2}


def etag(conversation: Conversation) -> str:
    return etag_for(f"conversation:{conversation.id}", conversation.revision)


def view(conversation: Conversation, participant_count: int) -> dict[str, Any]:
    return {"id": conversation.id, "name": conversation.name, "description": conversation.description,
            "roles": conversation.roles, "isPublic": conversation.is_public,
            "messageScope": conversation.message_scope, "participantCount": participant_count,
            "latestSentEventId": conversation.latest_sent_event_id, "_etag": etag(conversation),
            "_createdOn": iso(conversation.created_on), "_updatedOn": iso(conversation.updated_on),
            "_createdBy": conversation.created_by, "_updatedBy": conversation.updated_by,
            "_isDeleted": conversation.deleted_on is not None}


async def participants(session: AsyncSession, space_id: str, conversation_id: str) -> dict[str, str]:
    rows = await session.execute(select(ConversationParticipant.profile_id, ConversationParticipant.role).where(
        ConversationParticipant.space_id == space_id, ConversationParticipant.conversation_id == conversation_id)
        .order_by(ConversationParticipant.profile_id))
    return dict(rows.all())


async def participant_counts(session: AsyncSession, space_id: str, ids: list[str]) -> dict[str, int]:
    if not ids:
        return {}
    rows = await session.execute(
        select(ConversationParticipant.conversation_id, func.count()).where(
            ConversationParticipant.space_id == space_id, ConversationParticipant.conversation_id.in_(ids))
        .group_by(ConversationParticipant.conversation_id))
    return dict(rows.all())


def _publish(session: AsyncSession, conversation: Conversation, recipients, name: str, payload: dict,
             actor: str, *, event_id: int | None = None, record: bool = True) -> None:
    doc = envelope(conversation.space_id, name, payload, created_by=actor, conversation_id=conversation.id,
                   conversation_event_id=event_id, revision=conversation.revision, etag=etag(conversation))
    emit(session, conversation.space_id, recipients, doc)
    if record:
        record_event(session, conversation.space_id, name, conversation.id, payload, conversation.revision)


# --- reading and access ---------------------------------------------------------------------


async def get(session: AsyncSession, space_id: str, conversation_id: str, *, lock: bool = False,
              include_deleted: bool = False) -> Conversation:
    stmt = select(Conversation).where(Conversation.space_id == space_id, Conversation.id == conversation_id)
    if lock:
        stmt = stmt.with_for_update()
    conversation = (await session.execute(stmt)).scalar_one_or_none()
    if conversation is None or (conversation.deleted_on is not None and not include_deleted):
        raise not_found("Conversation")
    return conversation


async def role_of(session: AsyncSession, conversation: Conversation, profile_id: str | None) -> str | None:
    if profile_id is None:
        return None
    return (await session.execute(select(ConversationParticipant.role).where(
        ConversationParticipant.space_id == conversation.space_id,
        ConversationParticipant.conversation_id == conversation.id,
        ConversationParticipant.profile_id == profile_id))).scalar_one_or_none()


async def visible(session: AsyncSession, caller: Caller, conversation_id: str, *, lock: bool = False,
                  include_deleted: bool = False) -> tuple[Conversation, str | None]:
    """The conversation and the caller's role; an app user sees only public ones or its own (404 else)."""
    conversation = await get(session, caller.space_id, conversation_id, lock=lock, include_deleted=include_deleted)
    role = await role_of(session, conversation, caller.profile_id)
    if not caller.is_server and role is None and not conversation.is_public:
        raise not_found("Conversation")
    return conversation, role


def require(conversation: Conversation, caller: Caller, role: str | None, privilege: str | None) -> None:
    """The server may do anything; an app user needs a role with that privilege (None: owners only)."""
    if caller.is_server:
        return
    if role is None:
        raise forbidden("You are not a participant of this conversation")
    if privilege is None:
        if role != "owner":
            raise forbidden("Only an owner may do this")
        return
    if not (conversation.roles.get(role) or {}).get(privilege):
        raise forbidden(f"The {role} role may not {privilege[3:]}")


# --- conversations --------------------------------------------------------------------------


async def create(session: AsyncSession, caller: Caller, body: dict[str, Any]) -> tuple[Conversation, int]:
    existing = await session.get(Conversation, (caller.space_id, body["id"]))
    if existing is not None:
        raise Problem(409, "Conflict", f"A conversation with the id {body['id']!r} exists")
    if not caller.is_server:
        from onecast.chat import teams  # chat builds on conversations; imported late to avoid a cycle

        match = await teams.team_for_conversation(session, caller.space_id, body["id"])
        if match is not None and match[1] != caller.profile_id:  # else one could listen in on another's chat
            raise forbidden("This id is another user's chat conversation with a team")
    now = utcnow()
    conversation = Conversation(
        space_id=caller.space_id, id=body["id"], name=body["name"], description=body.get("description"),
        roles=body["roles"], is_public=body["isPublic"], message_scope=body.get("messageScope") or "p2p",
        next_event_id=0, revision=1, created_on=now, updated_on=now, created_by=caller.actor,
        updated_by=caller.actor)
    session.add(conversation)
    members = {p["id"]: p["role"] for p in body.get("participants") or []}
    if caller.profile_id is not None:
        members[caller.profile_id] = "owner"  # the creator owns it
    await session.flush()
    everyone = set(members)
    _publish(session, conversation, everyone, "conversation.create", view(conversation, len(members)), caller.actor)
    await _add(session, conversation, members, caller.actor, now)
    return conversation, len(members)


async def _add(session: AsyncSession, conversation: Conversation, members: dict[str, str], actor: str,
               now: datetime) -> None:
    current = await participants(session, conversation.space_id, conversation.id)
    for profile_id, role in members.items():
        if current.get(profile_id) == role:
            continue
        if profile_id in current:
            row = await session.get(ConversationParticipant, (conversation.space_id, conversation.id, profile_id))
            row.role = role
            name = "conversation.participantUpdated"
        else:
            session.add(ConversationParticipant(space_id=conversation.space_id, conversation_id=conversation.id,
                                                profile_id=profile_id, role=role, added_on=now))
            name = "conversation.participantAdded"
        current[profile_id] = role
        payload = {"profileId": profile_id, "role": role, "conversationId": conversation.id,
                   "apiSpaceId": conversation.space_id}
        _publish(session, conversation, set(current), name, payload, actor)
    await session.flush()


async def add_participants(session: AsyncSession, caller: Caller, conversation_id: str,
                           members: dict[str, str]) -> None:
    conversation, role = await visible(session, caller, conversation_id, lock=True)
    require(conversation, caller, role, "canAddParticipants")
    if not caller.is_server and role != "owner" and "owner" in members.values():
        raise forbidden("Only an owner may add owners")
    await _add(session, conversation, members, caller.actor, utcnow())


async def remove_participants(session: AsyncSession, caller: Caller, conversation_id: str,
                              profile_ids: list[str]) -> None:
    conversation, role = await visible(session, caller, conversation_id, lock=True)
    if not (profile_ids == [caller.profile_id] and role is not None):  # leaving needs no privilege
        require(conversation, caller, role, "canRemoveParticipants")
    current = await participants(session, conversation.space_id, conversation.id)
    for profile_id in profile_ids:
        if profile_id not in current:
            continue
        await session.execute(delete(ConversationParticipant).where(
            ConversationParticipant.space_id == conversation.space_id,
            ConversationParticipant.conversation_id == conversation.id,
            ConversationParticipant.profile_id == profile_id))
        payload = {"profileId": profile_id, "conversationId": conversation.id, "apiSpaceId": conversation.space_id}
        _publish(session, conversation, set(current), "conversation.participantRemoved", payload, caller.actor)
        del current[profile_id]


async def update(session: AsyncSession, caller: Caller, conversation_id: str, body: dict[str, Any],
                 if_match: str | None) -> Conversation:
    conversation, role = await visible(session, caller, conversation_id, lock=True)
    require(conversation, caller, role, None)
    check_if_match(if_match, etag(conversation))
    conversation.name, conversation.description, conversation.roles = body["name"], body.get("description"), \
        body["roles"]
    if body.get("isPublic") is not None:
        conversation.is_public = body["isPublic"]
    conversation.revision += 1
    conversation.updated_on, conversation.updated_by = utcnow(), caller.actor
    members = await participants(session, conversation.space_id, conversation.id)
    _publish(session, conversation, set(members), "conversation.update", view(conversation, len(members)),
             caller.actor)
    return conversation


async def remove(session: AsyncSession, caller: Caller, conversation_id: str, if_match: str | None) -> None:
    conversation, role = await visible(session, caller, conversation_id, lock=True)
    require(conversation, caller, role, None)
    check_if_match(if_match, etag(conversation))
    conversation.deleted_on = utcnow()
    conversation.revision += 1
    conversation.updated_on, conversation.updated_by = conversation.deleted_on, caller.actor
    members = await participants(session, conversation.space_id, conversation.id)
    _publish(session, conversation, set(members), "conversation.delete",
             {"id": conversation.id, "date": iso(conversation.deleted_on), "by": caller.actor}, caller.actor)


async def listing(session: AsyncSession, caller: Caller, scope: str | None, profile_id: str | None,
                  include_deleted: bool, limit: int, skip: int) -> list[dict[str, Any]]:
    who = caller.profile_id or profile_id
    stmt = select(Conversation).where(Conversation.space_id == caller.space_id)
    if not include_deleted:
        stmt = stmt.where(Conversation.deleted_on.is_(None))
    mine = select(ConversationParticipant.conversation_id).where(
        ConversationParticipant.space_id == caller.space_id, ConversationParticipant.profile_id == who)
    if scope == "public":
        stmt = stmt.where(Conversation.is_public.is_(True))
    elif scope == "participant" or who is not None:
        if who is None:
            return []
        stmt = stmt.where(Conversation.id.in_(mine)) if scope == "participant" else \
            stmt.where(Conversation.id.in_(mine) | Conversation.is_public.is_(True))
    rows = list((await session.execute(stmt.order_by(Conversation.id).limit(limit).offset(skip))).scalars())
    counts = await participant_counts(session, caller.space_id, [c.id for c in rows])
    return [view(c, counts.get(c.id, 0)) for c in rows]


async def typing(session: AsyncSession, caller: Caller, conversation_id: str, on: bool,
                 profile_id: str | None = None) -> None:
    conversation, role = await visible(session, caller, conversation_id)
    who = caller.profile_id or profile_id
    if who is None:
        raise Problem(400, "ValidationFailed", "profileId: the server says who is typing",
                      errors=[{"field": "profileId", "message": "required with an API key"}])
    if role is None and not caller.is_server:
        raise forbidden("You are not a participant of this conversation")
    members = await participants(session, conversation.space_id, conversation.id)
    name = "conversation.participantTyping" if on else "conversation.participantTypingOff"
    _publish(session, conversation, set(members) - {who}, name,
             {"conversationId": conversation.id, "profileId": who}, caller.actor, record=False)


# --- the event stream -----------------------------------------------------------------------


def _next_event_id(conversation: Conversation) -> int:
    event_id = conversation.next_event_id
    conversation.next_event_id = event_id + 1
    return event_id


def _append(session: AsyncSession, conversation: Conversation, name: str, message_id: str,
            payload: dict[str, Any]) -> ConversationEvent:
    event = ConversationEvent(space_id=conversation.space_id, conversation_id=conversation.id,
                              event_id=_next_event_id(conversation), uid=new_id(), name=name,
                              message_id=message_id, payload=payload, created_on=utcnow())
    session.add(event)
    return event


def message_view(message: ConversationMessage) -> dict[str, Any]:
    return {"id": message.id, "sentEventId": message.sent_event_id, "metadata": message.metadata_ or {},
            "context": {"from": {"id": message.from_id, "name": message.from_name},
                        "conversationId": message.conversation_id, "sentBy": message.sent_by,
                        "sentOn": iso(message.sent_on), "direction": message.direction},
            "parts": message.parts, "statusUpdates": message.status_updates or {}}


async def post_message(session: AsyncSession, caller: Caller, conversation_id: str, body: dict[str, Any],
                       *, extra_context: dict[str, Any] | None = None, from_chat: bool = False) -> ConversationMessage:
    """`from_chat`: the chat domain posts it itself (an agent's reply, a welcome), so the inbox
    hook, which opens and continues chats from users' messages, is skipped."""
    conversation, role = await visible(session, caller, conversation_id, lock=True)
    require(conversation, caller, role, "canSend")
    sender = body.get("from") or {}
    from_id = caller.profile_id or sender.get("profileId") or caller.actor
    message = ConversationMessage(
        space_id=conversation.space_id, id=new_id(), conversation_id=conversation.id, from_id=from_id,
        from_name=sender.get("name") if sender.get("profileId") in (None, from_id) else None,
        sent_by=caller.actor, direction=body.get("direction") or "outbound",
        parts=body["parts"], metadata_=body.get("metadata") or {}, alert=body.get("alert"), status_updates={},
        sent_on=utcnow())
    doc = message_view(message)
    payload = {"messageId": message.id, "metadata": doc["metadata"], "context": {**doc["context"],
               **(extra_context or {})}, "parts": message.parts}
    if message.alert:
        payload["alert"] = message.alert
    event = _append(session, conversation, "conversationMessage.sent", message.id, payload)
    message.sent_event_id = event.event_id
    conversation.latest_sent_event_id = event.event_id
    session.add(message)
    await session.flush()
    members = await participants(session, conversation.space_id, conversation.id)
    _publish(session, conversation, set(members) | {from_id}, "conversationMessage.sent", payload, caller.actor,
             event_id=event.event_id)
    if not from_chat:
        from onecast.chat import inbox  # chat builds on conversations; imported late to avoid a cycle

        await inbox.on_conversation_message(session, caller, conversation, message)
    return message


async def post_statuses(session: AsyncSession, caller: Caller, conversation_id: str,
                        updates: list[dict[str, Any]], profile_id: str | None = None) -> None:
    conversation, role = await visible(session, caller, conversation_id, lock=True)
    who = caller.profile_id or profile_id
    if who is None:
        raise Problem(400, "ValidationFailed", "profileId: say whose status this is",
                      errors=[{"field": "profileId", "message": "required with an API key"}])
    if role is None and not caller.is_server:
        raise forbidden("You are not a participant of this conversation")
    members = set(await participants(session, conversation.space_id, conversation.id))
    for update_ in updates:
        at = iso(as_utc(update_.get("timestamp")) or utcnow())
        ids = list(dict.fromkeys(update_["messageIds"]))
        rows = (await session.execute(select(ConversationMessage).where(
            ConversationMessage.space_id == conversation.space_id,
            ConversationMessage.conversation_id == conversation.id, ConversationMessage.id.in_(ids)))).scalars()
        for message in rows:
            # Read implies delivered; statuses only move forward.
            for status in ("delivered", "read") if update_["status"] == "read" else ("delivered",):
                current = (message.status_updates or {}).get(who)
                if current and STATUS_RANK[current["status"]] >= STATUS_RANK[status]:
                    continue
                message.status_updates = {**(message.status_updates or {}), who: {"status": status, "on": at}}
                payload = {"messageId": message.id, "conversationId": conversation.id, "profileId": who,
                           "timestamp": at}
                name = f"conversationMessage.{status}"
                event = _append(session, conversation, name, message.id, payload)
                _publish(session, conversation, members | {message.from_id}, name, payload, caller.actor,
                         event_id=event.event_id)
    await session.flush()


def _stream_view(event: ConversationEvent) -> dict[str, Any]:
    return {"eventId": event.event_id, "id": event.uid, "name": event.name, "conversationId": event.conversation_id,
            "data": event.payload, "publishedOn": iso(event.created_on)}


async def events_forward(session: AsyncSession, caller: Caller, conversation_id: str, start: int,
                         limit: int) -> list[dict[str, Any]]:
    conversation, _role = await visible(session, caller, conversation_id)
    rows = await session.execute(select(ConversationEvent).where(
        ConversationEvent.space_id == conversation.space_id, ConversationEvent.conversation_id == conversation.id,
        ConversationEvent.event_id >= start).order_by(ConversationEvent.event_id).limit(limit))
    return [_stream_view(e) for e in rows.scalars()]


async def last_messages(session: AsyncSession, space_id: str,
                        conversations: dict[str, tuple[str, datetime | None]]) -> dict[str, dict]:
    """The newest message of each conversation, sent at or before its bound if it has one (a closed
    chat ends there, though its conversation goes on with the visitor's next chat), in one query for
    a page of them. `conversations` maps a caller's key (a chat id) to (conversation id, bound)."""
    if not conversations:
        return {}
    M = ConversationMessage
    pages = [select(literal(key).label("key"), func.max(M.sent_event_id).label("last"),
                    literal(conversation_id).label("conversation_id"))
             .where(M.space_id == space_id, M.conversation_id == conversation_id,
                    *([M.sent_on <= bound] if bound is not None else []))
             for key, (conversation_id, bound) in conversations.items()]
    newest = union_all(*pages).subquery()
    rows = await session.execute(select(newest.c.key, M).join(newest, and_(
        M.conversation_id == newest.c.conversation_id, M.sent_event_id == newest.c.last))
        .where(M.space_id == space_id))
    return {key: message_view(m) for key, m in rows.all()}


async def messages_backward(session: AsyncSession, caller: Caller, conversation_id: str, start: int | None,
                            limit: int) -> dict[str, Any]:
    """Up to `limit` stream events at or before `start` (default: the end), newest first, folded
    into messages; statuses of messages outside the page are the orphaned events."""
    conversation, _role = await visible(session, caller, conversation_id)
    stmt = select(ConversationEvent).where(ConversationEvent.space_id == conversation.space_id,
                                           ConversationEvent.conversation_id == conversation.id)
    if start is not None:
        stmt = stmt.where(ConversationEvent.event_id <= start)
    events = list((await session.execute(stmt.order_by(ConversationEvent.event_id.desc()).limit(limit))).scalars())
    if not events:
        return {"earliestEventId": None, "latestEventId": None, "messages": [], "orphanedEvents": []}
    sent_ids = [e.message_id for e in events if e.name == "conversationMessage.sent"]
    rows = await session.execute(select(ConversationMessage).where(
        ConversationMessage.space_id == conversation.space_id, ConversationMessage.id.in_(sent_ids)))
    by_id = {m.id: m for m in rows.scalars()}
    messages = [message_view(by_id[i]) for i in sent_ids if i in by_id]
    orphaned = [_stream_view(e) for e in events if e.name != "conversationMessage.sent" and e.message_id not in by_id]
    return {"earliestEventId": events[-1].event_id, "latestEventId": events[0].event_id, "messages": messages,
            "orphanedEvents": orphaned}
