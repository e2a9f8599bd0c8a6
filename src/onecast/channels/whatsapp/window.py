"""The 24-hour customer service window: it opens (or re-opens) whenever a WhatsApp user writes
to the business number, and only template messages may be sent when it is closed."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.channels import capabilities as caps
from onecast.channels.models import Channel
from onecast.channels.whatsapp.models import WhatsAppSession
from onecast.kit.clock import utcnow
from onecast.kit.errors import invalid

now = utcnow
PROVIDER = "whatsapp_cloud"
WINDOW = timedelta(hours=24)
WINDOW_RULE = ("WhatsApp's 24-hour customer service window is closed for this recipient (no message from "
               "them in the last 24 hours): outside it only approved templates (a whatsapp/template "
               "message part) may be sent")


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


def _template_only(content: dict[str, Any], channel: str) -> bool:
    custom = (content.get("customBody") or {}).get(channel)
    if custom is not None:
        return isinstance(custom, dict) and custom.get("type") == "template"
    parts = caps.parts_for(content, channel)
    return bool(parts) and all(caps.kind_of(p) == "template" for p in parts)


async def is_open(session: AsyncSession, space_id: str, phone_number_id: str, address: str) -> bool:
    last = (await session.execute(select(WhatsAppSession.last_inbound_on).where(
        WhatsAppSession.space_id == space_id, WhatsAppSession.phone_number_id == phone_number_id,
        WhatsAppSession.wa_id == wa_id_of(address)))).scalar_one_or_none()
    return last is not None and last >= now() - WINDOW


async def screen(session: AsyncSession, space_id: str, plan: Any, content: dict[str, Any], prefix: str = "") -> None:
    """At send time: a WhatsApp Cloud channel whose window is closed is skipped (reason
    WhatsAppSessionWindowClosed) unless the message is a template; when that leaves no channel,
    the send is refused with a problem naming the rule. The provider checks again when it sends."""
    kept = []
    for entry in plan.entries:
        if entry["provider"] != PROVIDER or _template_only(content, entry["channel"]):
            kept.append(entry)
            continue
        channel = await session.get(Channel, entry["key"][0])
        number = str((channel.config if channel else {}).get("phoneNumberId") or "")
        if await is_open(session, space_id, number, entry["address"]):
            kept.append(entry)
        else:
            plan.skipped.append({"channel": entry["channel"], "reason": "WhatsAppSessionWindowClosed"})
    if plan.entries and not kept:
        names = ", ".join(e["channel"] for e in plan.entries)
        raise invalid(f"{prefix}rules", f"{WINDOW_RULE} (channel {names})", "WhatsAppSessionWindowClosed")
    plan.entries[:] = kept
