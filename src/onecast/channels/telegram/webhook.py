"""Telegram Bot API updates (setWebhook with secret_token): messages and inline-button presses
(callback queries) become inbound messages from {telegramChatId}."""
from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from onecast.channels import capabilities as caps
from onecast.channels import webhook_kit as kit
from onecast.channels.models import Channel
from onecast.kit.clock import iso, utcnow
from onecast.messages import provider_ids


def content_of(msg: dict[str, Any]) -> tuple[str | None, list[dict[str, Any]]]:
    parts: list[dict[str, Any]] = []
    if isinstance(msg.get("photo"), list) and msg["photo"]:
        largest = msg["photo"][-1]  # Telegram lists the sizes smallest first
        parts.append({"type": "image/jpeg", "data": {"id": largest.get("file_id")}})
    for key, default in (("document", "application/octet-stream"), ("audio", "audio/mpeg"), ("video", "video/mp4"),
                         ("voice", "audio/ogg")):
        item = msg.get(key)
        if isinstance(item, dict) and item.get("file_id"):
            part = {"type": item.get("mime_type") or default, "data": {"id": item["file_id"]}}
            if item.get("file_name"):
                part["name"] = item["file_name"]
            parts.append(part)
    if isinstance(msg.get("location"), dict):
        parts.append({"type": caps.LOCATION_TYPE, "data": msg["location"]})
    contact = msg.get("contact")
    if isinstance(contact, dict):
        name = " ".join(str(contact[k]) for k in ("first_name", "last_name") if contact.get(k))
        parts.append({"type": caps.CONTACTS_TYPE, "data": {"contacts": [
            {"name": {"formatted_name": name}, "phones": [{"phone": contact.get("phone_number")}]}]}})
    return msg.get("text") or msg.get("caption"), parts


async def process(session: AsyncSession, channel: Channel, update: dict[str, Any]) -> dict[str, int]:
    counts = {"messages": 0}
    async with kit.one_event(session, counts):
        counts["messages"] += await _update(session, channel, update)
    return counts


async def _update(session: AsyncSession, channel: Channel, update: dict[str, Any]) -> int:
    """Telegram retries an update it is unsure we got: a message is known by chat:message_id (the
    form outbound ids take too), a button press by the callback query's id."""
    edited = update.get("edited_message")
    if isinstance(edited, dict) and isinstance(edited.get("chat"), dict) and edited["chat"].get("id") is not None:
        return await _edit(session, channel, edited)
    msg = update.get("message")
    if isinstance(msg, dict) and isinstance(msg.get("chat"), dict) and msg["chat"].get("id") is not None:
        body, parts = content_of(msg)
        chat_id = str(msg["chat"]["id"])
        reply = msg.get("reply_to_message") or {}
        stored = await kit.inbound(
            session, channel, {"telegramChatId": chat_id}, vendor_id=f"{chat_id}:{msg.get('message_id')}",
            body=body, parts=parts, channel_data=msg,
            reply_to=f"{chat_id}:{reply['message_id']}" if reply.get("message_id") else None)
        return int(stored is not None)
    query = update.get("callback_query")
    if isinstance(query, dict) and isinstance(query.get("message"), dict):
        chat_id = str((query["message"].get("chat") or {}).get("id") or (query.get("from") or {}).get("id"))
        stored = await kit.inbound(
            session, channel, {"telegramChatId": chat_id}, vendor_id=f"callback:{query.get('id')}",
            body=query.get("data"), parts=[], channel_data=query,
            reply_to=f"{chat_id}:{query['message'].get('message_id')}",
            metadata={"buttonReply": {"id": query.get("data")}})
        return int(stored is not None)
    return 0


async def _edit(session: AsyncSession, channel: Channel, msg: dict[str, Any]) -> int:
    """An edited message changes the inbound message it edits (the same chat:message_id); one we
    never received is stored as it is now."""
    chat_id = str(msg["chat"]["id"])
    vendor_id = f"{chat_id}:{msg.get('message_id')}"
    original = await provider_ids.find(session, channel.space_id, channel.channel_id, vendor_id, "inbound")
    body, parts = content_of(msg)
    if original is None:
        stored = await kit.inbound(session, channel, {"telegramChatId": chat_id}, vendor_id=vendor_id,
                                   body=body, parts=parts, channel_data=msg)
        return int(stored is not None)
    edited_on = kit.from_epoch(msg.get("edit_date")) or utcnow()
    request = dict(original.request or {})
    if request.get("editedOn") == iso(edited_on) and original.body == body:
        return 0  # the same edit delivered again
    request.update(body=body, editedOn=iso(edited_on), channelData={channel.type: msg})
    if parts:
        request["messageParts"] = parts
    original.request, original.body = request, body
    original.revision += 1
    original.updated_on, original.updated_by = utcnow(), f"provider:{channel.provider}"
    return 1
