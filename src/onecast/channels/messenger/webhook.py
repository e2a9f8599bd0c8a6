"""Messenger Platform webhook events (object `page`): messages and postbacks become inbound
messages; `message_deliveries` and `message_reads` move our messages forward."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.channels import capabilities as caps
from onecast.channels import webhook_kit as kit
from onecast.channels.models import Channel
from onecast.messages.models import Message
from onecast.messages.status import apply_status

ATTACHMENT_MIME = {"image": "image/*", "audio": "audio/*", "video": "video/*", "file": "application/octet-stream"}
WATERMARK_LOOKBACK = timedelta(days=7)


def content_of(message: dict[str, Any]) -> tuple[str | None, list[dict[str, Any]], dict[str, Any]]:
    parts = []
    for attachment in kit.as_list(message.get("attachments")):
        if not isinstance(attachment, dict):
            continue
        kind, payload = attachment.get("type"), attachment.get("payload") or {}
        if kind == "location" and isinstance(payload.get("coordinates"), dict):
            coords = payload["coordinates"]
            parts.append({"type": caps.LOCATION_TYPE, "data": {"latitude": coords.get("lat"),
                                                               "longitude": coords.get("long")}})
        elif isinstance(payload, dict) and str(payload.get("url", "")).startswith(("http://", "https://")):
            parts.append({"type": ATTACHMENT_MIME.get(kind, "application/octet-stream"), "url": payload["url"]})
    quick = message.get("quick_reply") if isinstance(message.get("quick_reply"), dict) else {}
    extra = {"buttonReply": {"id": quick.get("payload"), "title": message.get("text")}} if quick else {}
    return message.get("text"), parts, extra


async def process(session: AsyncSession, channel: Channel, payload: dict[str, Any]) -> dict[str, int]:
    counts = {"messages": 0, "statuses": 0}
    if payload.get("object") != "page":
        return counts
    page_id = str(channel.config.get("pageId") or "")
    for entry in kit.as_list(payload.get("entry")):
        if not isinstance(entry, dict):
            continue
        entry_page = str(entry.get("id") or "")
        # One Meta app calls one URL for all its Pages: the channel owning this Page takes it.
        owner = channel if not page_id or entry_page == page_id else \
            await kit.sibling_channel(session, channel, "pageId", entry_page)
        if owner is None:
            continue
        for event in kit.as_list(entry.get("messaging")):
            if not isinstance(event, dict) or not isinstance(event.get("sender"), dict):
                continue
            async with kit.one_event(session, counts):
                await _event(session, owner, str(owner.config.get("pageId") or ""), event, counts)
    return counts


async def _event(session: AsyncSession, channel: Channel, page_id: str, event: dict[str, Any],
                 counts: dict[str, int]) -> None:
    sender = str(event["sender"].get("id") or "")
    if isinstance(event.get("message"), dict) and not event["message"].get("is_echo") and sender:
        body, parts, extra = content_of(event["message"])
        stored = await kit.inbound(session, channel, {"fbMessengerId": sender}, vendor_id=_mid(event["message"]),
                                   body=body, parts=parts, channel_data=event,
                                   to={"pageId": page_id} if page_id else None,
                                   reply_to=_reply_mid(event["message"]), metadata=extra)
        counts["messages"] += int(stored is not None)
    elif isinstance(event.get("postback"), dict) and sender:
        postback = event["postback"]
        # A postback names no mid in older API versions: the sender and the press's time identify it.
        vendor_id = _mid(postback) or f"postback:{sender}:{event.get('timestamp')}"
        stored = await kit.inbound(session, channel, {"fbMessengerId": sender}, vendor_id=vendor_id,
                                   body=postback.get("title"), parts=[], channel_data=event,
                                   metadata={"postback": {"payload": postback.get("payload"),
                                                          "title": postback.get("title")}})
        counts["messages"] += int(stored is not None)
    elif isinstance(event.get("delivery"), dict):
        counts["statuses"] += await _receipt(session, channel, sender, "delivered", event["delivery"])
    elif isinstance(event.get("read"), dict):
        counts["statuses"] += await _receipt(session, channel, sender, "read", event["read"])

async def _receipt(session: AsyncSession, channel: Channel, sender: str, status: str, data: dict[str, Any]) -> int:
    """Deliveries name message ids; reads (and deliveries without ids) cover every message sent to
    this person before the watermark."""
    watermark = kit.from_epoch(data.get("watermark"))
    details = {"provider": "messenger", "watermark": data.get("watermark")}
    moved = 0
    for mid in kit.as_list(data.get("mids")):
        moved += await kit.provider_status(session, channel, str(mid), status, details, watermark)
    if data.get("mids") or watermark is None:
        return moved
    for message in await _sent_before(session, channel, sender, watermark):
        moved += apply_status(session, message, status, details=details, at=watermark)
    return moved


async def _sent_before(session: AsyncSession, channel: Channel, sender: str, watermark: datetime) -> list[Message]:
    rows = (await session.execute(select(Message).where(
        Message.space_id == channel.space_id, Message.direction == "outbound",
        Message.status.in_(("sent", "delivered")), Message.created_on <= watermark,
        Message.created_on >= watermark - WATERMARK_LOOKBACK).order_by(Message.created_on).limit(1000)
        .with_for_update())).scalars()
    found = []
    for message in rows:
        entry = (message.plan or [{}])[message.plan_index] if message.plan else {}
        if entry.get("address") == sender and (entry.get("key") or [None])[0] == channel.id:
            found.append(message)
    return found


def _mid(message: dict[str, Any]) -> str | None:
    return str(message["mid"]) if message.get("mid") else None


def _reply_mid(message: dict[str, Any]) -> str | None:
    reply = message.get("reply_to")
    return str(reply["mid"]) if isinstance(reply, dict) and reply.get("mid") else None
