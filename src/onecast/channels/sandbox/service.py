"""The sandbox simulator's state: what it 'sent' and how it answers."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.channels.sandbox.models import SandboxDelivery, SandboxSettings
from onecast.kit.clock import iso, utcnow

DEFAULT_SETTINGS: dict[str, Any] = {
    "receipt": "delivered",  # none | delivered | read
    "autoReply": None,  # text the recipient answers with, or None
    "failChannels": {},  # channel id -> "permanent" | "transient" | "transient:N"
    "failAddresses": {},  # address -> same values
    "latencyMs": 0,  # how long the simulated provider takes to answer
}


async def get_settings(session: AsyncSession, space_id: str) -> dict[str, Any]:
    row = await session.get(SandboxSettings, space_id)
    return {**DEFAULT_SETTINGS, **(row.settings if row else {})}


async def put_settings(session: AsyncSession, space_id: str, settings: dict[str, Any]) -> dict[str, Any]:
    row = await session.get(SandboxSettings, space_id, with_for_update=True)
    if row is None:
        session.add(SandboxSettings(space_id=space_id, settings=settings))
    else:
        row.settings = settings
    return {**DEFAULT_SETTINGS, **settings}


async def record_delivery(session: AsyncSession, space_id: str, message_id: str, channel: str,
                          address: str, payload: dict[str, Any]) -> SandboxDelivery:
    existing = (await session.execute(select(SandboxDelivery).where(
        SandboxDelivery.message_id == message_id, SandboxDelivery.channel == channel))).scalar_one_or_none()
    if existing is not None:
        return existing
    row = SandboxDelivery(space_id=space_id, message_id=message_id, channel=channel, address=address,
                          payload=payload, created_on=utcnow())
    session.add(row)
    await session.flush()
    return row


async def list_deliveries(session: AsyncSession, space_id: str, *, address: str | None = None,
                          channel: str | None = None, message_id: str | None = None,
                          limit: int = 100) -> list[SandboxDelivery]:
    stmt = select(SandboxDelivery).where(SandboxDelivery.space_id == space_id)
    if address:
        stmt = stmt.where(SandboxDelivery.address == address)
    if channel:
        stmt = stmt.where(SandboxDelivery.channel == channel)
    if message_id:
        stmt = stmt.where(SandboxDelivery.message_id == message_id)
    rows = await session.execute(stmt.order_by(SandboxDelivery.id.desc()).limit(limit))
    return list(rows.scalars())


def delivery_view(row: SandboxDelivery) -> dict[str, Any]:
    return {"id": row.id, "messageId": row.message_id, "channel": row.channel, "address": row.address,
            "payload": row.payload, "createdOn": iso(row.created_on)}
