"""A profile's message history, newest first, with an opaque cursor."""
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
    """Newest first; `cursor` continues after the last message of the previous page."""
    stmt = select(Message).where(Message.space_id == space_id, Message.profile_id == profile_id,
                                 Message.deleted_on.is_(None))
    if channel:
        stmt = stmt.where(Message.channel == channel)
    if direction:
        stmt = stmt.where(Message.direction == direction)
    if before:
        stmt = stmt.where(Message.created_on <= as_utc(before))
    if cursor:
        created, last_id = decode_cursor(cursor)
        stmt = stmt.where(or_(Message.created_on < created,
                              and_(Message.created_on == created, Message.id < last_id)))
    rows = list((await session.execute(
        stmt.order_by(Message.created_on.desc(), Message.id.desc()).limit(limit + 1))).scalars())
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor
