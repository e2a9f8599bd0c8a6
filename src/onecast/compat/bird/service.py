"""Bird operations over the core: which channel a Bird channelId names, send through
`messages.service.send_many`, and read messages of a channel."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.channels.models import Channel
from onecast.channels.types import BUILTIN_TYPES
from onecast.compat.bird import translate
from onecast.compat.bird.errors import BirdProblem, bird_errors, from_validation, invalid_fields
from onecast.compat.bird.models import BirdMessage
from onecast.compat.bird.schemas import BirdMessageIn
from onecast.kit.auth import Principal
from onecast.kit.clock import as_utc, utcnow
from onecast.kit.errors import Problem
from onecast.messages import history
from onecast.messages import service as messages
from onecast.messages.models import Message, MessageStatusEvent
from onecast.messages.schemas import MessageIn

SEND_NOW_WITHIN = timedelta(minutes=10)
LATEST_SCHEDULE = timedelta(days=35)


def not_found(what: str) -> BirdProblem:
    return BirdProblem(404, "NotFound", f"{what} not found")


async def channel_rule(session: AsyncSession, space_id: str, channel_id: str) -> str:
    return (await _channel(session, space_id, channel_id))[0]


async def _channel(session: AsyncSession, space_id: str, channel_id: str) -> tuple[str, str]:
    """The rule and type a Bird channelId names: a configured channel's id (uuid) or rule name; a
    built-in type with nothing configured is the sandbox channel of that type."""
    row = (await session.execute(select(Channel.channel_id, Channel.type).where(
        Channel.space_id == space_id, or_(Channel.id == channel_id, Channel.channel_id == channel_id)))).first()
    if row is not None:
        return row[0], row[1]
    if channel_id in BUILTIN_TYPES:
        return channel_id, channel_id
    raise not_found("Channel")


def _schedule(at: datetime | None) -> datetime | None:
    """When to deliver: None is now (also within 10 minutes); beyond 35 days is refused."""
    if at is None:
        return None
    at, now = as_utc(at), utcnow()
    if at - now > LATEST_SCHEDULE:
        raise invalid_fields({"scheduledFor": ["must be at most 35 days ahead"]})
    return at if at - now > SEND_NOW_WITHIN else None


def _core_message(fields: dict[str, Any]) -> MessageIn:
    try:
        return MessageIn.model_validate(fields)
    except ValidationError as exc:
        raise from_validation(exc) from None


async def send(session: AsyncSession, principal: Principal, channel_id: str, req: BirdMessageIn) -> Message:
    """One core message per receiver contact (several only on an e-mail channel); the first is
    the message the answer shows."""
    rule, channel_type = await _channel(session, principal.space_id, channel_id)
    contacts = req.receiver.contacts
    if len(contacts) > 1 and channel_type != "email":
        raise invalid_fields({"receiver.contacts": [
            "multiple recipient messages are only possible through the Email platform"]})
    deliver_at = _schedule(req.scheduledFor)
    items = [_core_message(translate.message_in(req, rule, i)) for i in range(len(contacts))]
    with bird_errors():
        sent = await messages.send_many(session, principal, items, deliver_at=deliver_at)
    for message, contact in zip(sent, contacts, strict=True):
        session.add(BirdMessage(
            message_id=message.id, space_id=principal.space_id, channel_id=channel_id, reference=req.reference,
            tags=req.tags or [], receiver={"contacts": [contact.model_dump(exclude_none=True)]},
            body=req.body, template=req.template.model_dump(exclude_none=True) if req.template else None,
            scheduled_for=as_utc(req.scheduledFor) if req.scheduledFor else None))
    await session.flush()
    return sent[0]


async def _extras(session: AsyncSession, ids: list[str]) -> tuple[dict[str, BirdMessage], dict[str, list]]:
    extras = {e.message_id: e for e in (await session.execute(
        select(BirdMessage).where(BirdMessage.message_id.in_(ids)))).scalars()}
    histories: dict[str, list[MessageStatusEvent]] = {i: [] for i in ids}
    for event in (await session.execute(select(MessageStatusEvent).where(MessageStatusEvent.message_id.in_(ids))
                                        .order_by(MessageStatusEvent.id))).scalars():
        histories[event.message_id].append(event)
    return extras, histories


async def get(session: AsyncSession, space_id: str, channel_id: str, message_id: str) -> dict[str, Any]:
    rule = await channel_rule(session, space_id, channel_id)
    message = (await session.execute(select(Message).where(
        Message.id == message_id, Message.space_id == space_id, Message.channel == rule,
        Message.deleted_on.is_(None)))).scalar_one_or_none()
    if message is None:
        raise not_found("Message")
    extras, histories = await _extras(session, [message.id])
    return translate.view(message, histories[message.id], extras.get(message.id), channel_id)


async def list_messages(session: AsyncSession, space_id: str, channel_id: str, *, limit: int,
                        page_token: str | None, reverse: bool) -> dict[str, Any]:
    """Newest first (oldest first with `reverse`); `nextPageToken` continues after the last one."""
    rule = await channel_rule(session, space_id, channel_id)
    try:
        page, token = await history.page(session, space_id, channel=rule, limit=limit, cursor=page_token,
                                         oldest_first=reverse)
    except Problem:
        raise invalid_fields({"pageToken": ["is not a token this API returned"]}) from None
    extras, histories = await _extras(session, [m.id for m in page])
    out: dict[str, Any] = {"results": [translate.view(m, histories[m.id], extras.get(m.id), channel_id)
                                       for m in page]}
    if token:
        out["nextPageToken"] = token
    return out
