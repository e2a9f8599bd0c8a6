"""Pages of messages (a profile's history, a channel's messages), newest or oldest first, with an
opaque cursor."""
from __future__ import annotations

import base64
import json
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.kit.clock import as_utc
from onecast.kit.errors import invalid
from onecast.messages.models import Message


def encode_cursor(message: Message) -> str:
    raw = json.dumps([message.created_on.isoformat(), message.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, message_id = json.loads(raw)
        return as_utc(datetime.fromisoformat(created)), str(message_id)
    except (ValueError, TypeError):
        raise invalid("cursor", "is not a cursor this API returned", "InvalidCursor") from None


async def history(session: AsyncSession, space_id: str, profile_id: str, *, channel: str | None,
                  direction: str | None, before: datetime | None, limit: int,
                  cursor: str | None) -> tuple[list[Message], str | None]:
    """A profile's messages, newest first; `cursor` continues after the last message of the previous page."""
    return await page(session, space_id, profile_id=profile_id, channel=channel, direction=direction,
                      before=before, limit=limit, cursor=cursor)


async def page(session: AsyncSession, space_id: str, *, profile_id: str | None = None, channel: str | None = None,
               direction: str | None = None, before: datetime | None = None, limit: int, cursor: str | None,
               oldest_first: bool = False) -> tuple[list[Message], str | None]:
    """Messages of the space matching every filter given, newest first (or oldest first); `cursor`
    continues after the last message of the previous page (400 InvalidCursor for one we never made)."""
    stmt = select(Message).where(Message.space_id == space_id, Message.deleted_on.is_(None))
    if profile_id is not None:
        stmt = stmt.where(Message.profile_id == profile_id)
    if channel:
        stmt = stmt.where(Message.channel == channel)
    if direction:
        stmt = stmt.where(Message.direction == direction)
    if before:
        stmt = stmt.where(Message.created_on <= as_utc(before))
    if cursor:
        created, last_id = decode_cursor(cursor)
        if oldest_first:
            stmt = stmt.where(or_(Message.created_on > created,
                                  and_(Message.created_on == created, Message.id > last_id)))
        else:
            stmt = stmt.where(or_(Message.created_on < created,
                                  and_(Message.created_on == created, Message.id < last_id)))
    order = (Message.created_on, Message.id) if oldest_first else (Message.created_on.desc(), Message.id.desc())
    rows = list((await session.execute(stmt.order_by(*order).limit(limit + 1))).scalars())
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor
