"""The ids vendors give messages (WhatsApp wamid, Messenger mid, Telegram chat:message_id,
an SMSC's message id, an e-mail's Message-ID). One id names one message per channel and
direction (unique index uq_messages_channel_provider_id): look-ups are scoped to the channel,
and an inbound message a vendor delivers again is found rather than stored twice."""

from __future__ import annotations

import hashlib

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.messages.models import Message

MAX_ID = 200  # messages.provider_message_id


def vendor_key(raw: str) -> str:
    """The id as stored: as given, or its SHA-256 when longer than the column (a Message-ID may be)."""
    return raw if len(raw) <= MAX_ID else "sha256:" + hashlib.sha256(raw.encode()).hexdigest()


async def find(
    session: AsyncSession, space_id: str, channel: str, provider_id: str, direction: str = "outbound", lock: bool = True
) -> Message | None:
    stmt = select(Message).where(
        Message.space_id == space_id,
        Message.channel == channel,
        Message.direction == direction,
        Message.provider_message_id == vendor_key(provider_id),
    )
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def assign(session: AsyncSession, message: Message, provider_id: str | None) -> None:
    """Give `message` the id the vendor answered; an older message of the channel holding the same
    id gives it up (SMSCs reuse ids, a custom receiver may answer one id for all)."""
    if provider_id:
        key = vendor_key(provider_id)
        await session.execute(
            update(Message)
            .where(
                Message.space_id == message.space_id,
                Message.channel == message.channel,
                Message.direction == message.direction,
                Message.provider_message_id == key,
                Message.id != message.id,
            )
            .values(provider_message_id=None)
            .execution_options(synchronize_session="fetch")
        )
        provider_id = key
    message.provider_message_id = provider_id
