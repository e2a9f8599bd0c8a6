"""WhatsApp Cloud API webhook notifications (object `whatsapp_business_account`, field `messages`):
inbound messages become Onecast inbound messages (and open the customer service window);
statuses sent/delivered/read/failed move our messages forward."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.channels import capabilities as caps
from onecast.channels import webhook_kit as kit
from onecast.channels.models import Channel
from onecast.channels.whatsapp import window
from onecast.channels.whatsapp.provider import status_failure
from onecast.kit.clock import utcnow

log = structlog.get_logger("onecast.whatsapp")
STATUSES = {"sent": "sent", "delivered": "delivered", "read": "read", "failed": "failed"}
MEDIA = {"image", "audio", "video", "document", "sticker"}


def changes(payload: dict[str, Any]) -> list[dict[str, Any]]:
    values = []
    for entry in kit.as_list(payload.get("entry")):
        for change in kit.as_list(entry.get("changes")) if isinstance(entry, dict) else []:
            if isinstance(change, dict) and change.get("field") == "messages" and isinstance(change.get("value"), dict):
                values.append(change["value"])
    return values


def content_of(msg: dict[str, Any]) -> tuple[str | None, list[dict[str, Any]], dict[str, Any]]:
    """(body, parts, metadata) of one inbound WhatsApp message; the raw message is kept too."""
    kind = msg.get("type") if isinstance(msg.get("type"), str) else None
    data = msg.get(kind) if kind else None
    if kind == "text" and isinstance(data, dict):
        return data.get("body"), [], {}
    if kind in MEDIA and isinstance(data, dict):
        mime = data.get("mime_type") or ("image/webp" if kind == "sticker" else "application/octet-stream")
        part = {"type": mime, "data": {k: data[k] for k in ("id", "sha256", "caption") if data.get(k)}}
        if data.get("filename"):
            part["name"] = data["filename"]
        return data.get("caption"), [part], {}
    if kind == "location" and isinstance(data, dict):
        return None, [{"type": caps.LOCATION_TYPE, "data": data}], {}
    if kind == "contacts" and isinstance(msg.get("contacts"), list):
        return None, [{"type": caps.CONTACTS_TYPE, "data": {"contacts": msg["contacts"]}}], {}
    if kind == "interactive" and isinstance(data, dict):
        reply = data.get("button_reply") or data.get("list_reply") or {}
        return reply.get("title"), [], {"buttonReply": {"id": reply.get("id"), "title": reply.get("title")}}
    if kind == "button" and isinstance(data, dict):  # a template's quick-reply button
        return data.get("text"), [], {"buttonReply": {"id": data.get("payload"), "title": data.get("text")}}
    return None, [], {"unsupportedType": kind}


async def process(session: AsyncSession, channel: Channel, payload: dict[str, Any]) -> dict[str, int]:
    counts = {"messages": 0, "statuses": 0}
    own_number = str(channel.config.get("phoneNumberId") or "")
    for value in changes(payload):
        metadata = value.get("metadata") if isinstance(value.get("metadata"), dict) else {}
        number = str(metadata.get("phone_number_id") or own_number)
        # One Meta app calls one URL for all its numbers: the channel owning this number takes it.
        owner = channel if not own_number or number == own_number else \
            await kit.sibling_channel(session, channel, "phoneNumberId", number)
        if owner is not None:
            await _value(session, owner, number, value, metadata, counts)
    return counts


async def _value(session: AsyncSession, channel: Channel, number: str, value: dict[str, Any],
                 metadata: dict[str, Any], counts: dict[str, int]) -> None:
    for msg in kit.as_list(value.get("messages")):
        if not isinstance(msg, dict) or not msg.get("from"):
            continue
        async with kit.one_event(session, counts):
            counts["messages"] += await _inbound(session, channel, number, msg, metadata)
    # Errors of the change itself (not of one message): a failed status without its own errors has these.
    change_errors = [e for e in kit.as_list(value.get("errors")) if isinstance(e, dict)]
    if change_errors:
        log.warning("whatsapp_webhook_errors", channel=channel.channel_id, errors=change_errors[:5])
    for status in kit.as_list(value.get("statuses")):
        async with kit.one_event(session, counts):
            if isinstance(status, dict) and isinstance(status.get("status"), str) \
                    and status["status"] in STATUSES and status.get("id"):
                counts["statuses"] += await _status(session, channel, status, change_errors)


async def _inbound(session: AsyncSession, channel: Channel, number: str, msg: dict[str, Any],
                   metadata: dict[str, Any]) -> int:
    body, parts, extra = content_of(msg)
    at = kit.from_epoch(msg.get("timestamp")) or utcnow()
    await window.opened(session, channel.space_id, number, str(msg["from"]), at)
    stored = await kit.inbound(
        session, channel, {"phoneNumber": str(msg["from"])}, vendor_id=_str(msg.get("id")), body=body, parts=parts,
        channel_data=msg,
        to={"phoneNumber": metadata["display_phone_number"]} if metadata.get("display_phone_number") else None,
        reply_to=_str((msg.get("context") or {}).get("id") if isinstance(msg.get("context"), dict) else None),
        metadata=extra)
    return int(stored is not None)


async def _status(session: AsyncSession, channel: Channel, status: dict[str, Any],
                  change_errors: list[dict[str, Any]]) -> int:
    details: dict[str, Any] = {"provider": "whatsapp", "recipientId": status.get("recipient_id")}
    for key in ("conversation", "pricing"):
        if status.get(key):
            details[key] = status[key]
    at = kit.from_epoch(status.get("timestamp"))
    if status["status"] == "failed":
        errors = [e for e in kit.as_list(status.get("errors")) if isinstance(e, dict)] or change_errors
        result = status_failure(errors[0] if errors else {})
        return int(await kit.vendor_failure(session, channel, str(status["id"]),
                                            replace(result, details={**details, **result.details, "errors": errors}),
                                            at))
    moved = await kit.provider_status(session, channel, str(status["id"]), STATUSES[status["status"]], details, at)
    return int(moved)


def _str(value: Any) -> str | None:
    return str(value) if value is not None else None
