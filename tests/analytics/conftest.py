from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from onecast.kit.events import record_event
from onecast.messages.models import Message


async def at(app, message_id: str, when: datetime) -> None:
    """Move a message to a known creation time."""
    async with app.state.db.transaction() as session:
        await session.execute(update(Message).where(Message.id == message_id).values(created_on=when))


async def event_at(app, space_id: str, name: str, entity: str, when: datetime, payload: dict | None = None) -> None:
    async with app.state.db.transaction() as session:
        record_event(session, space_id, name, entity, payload or {}).timestamp = when
