"""The 24-hour customer service window: it opens (or re-opens) whenever a WhatsApp user writes
to the business number, and only template messages may be sent when it is closed."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.channels.whatsapp.models import WhatsAppSession
from onecast.kit.clock import utcnow

now = utcnow


def wa_id_of(address: str) -> str:
    return address.lstrip("+")


async def last_inbound(db: Any, space_id: str, phone_number_id: str, address: str) -> datetime | None:
    async with db.read() as session:
        return (await session.execute(select(WhatsAppSession.last_inbound_on).where(
            WhatsAppSession.space_id == space_id, WhatsAppSession.phone_number_id == phone_number_id,
            WhatsAppSession.wa_id == wa_id_of(address)))).scalar_one_or_none()


async def opened(session: AsyncSession, space_id: str, phone_number_id: str, address: str, at: datetime) -> None:
    """Record an inbound message's time (later times only; webhooks may arrive out of order)."""
    key = (space_id, phone_number_id, wa_id_of(address))
    row = await session.get(WhatsAppSession, key, with_for_update=True)
    if row is None:
        try:
            async with session.begin_nested():
                session.add(WhatsAppSession(space_id=key[0], phone_number_id=key[1], wa_id=key[2],
                                            last_inbound_on=at))
            return
        except IntegrityError:  # another webhook inserted it first
            row = await session.get(WhatsAppSession, key, with_for_update=True, populate_existing=True)
    if row.last_inbound_on < at:
        row.last_inbound_on = at
