"""Telegram Bot API updates (setWebhook with secret_token): messages and inline-button presses
(callback queries) become inbound messages from {telegramChatId}."""
from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from onecast.channels import capabilities as caps
from onecast.channels import webhook_kit as kit
from onecast.channels.models import Channel


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
    msg = update.get("message") or update.get("edited_message")
    if isinstance(msg, dict) and isinstance(msg.get("chat"), dict) and msg["chat"].get("id") is not None:
        body, parts = content_of(msg)
        chat_id = str(msg["chat"]["id"])
        reply = msg.get("reply_to_message") or {}
        await kit.inbound(session, channel, {"telegramChatId": chat_id}, body=body, parts=parts, channel_data=msg,
                          reply_to=f"{chat_id}:{reply['message_id']}" if reply.get("message_id") else None)
        return 1
    query = update.get("callback_query")
    if isinstance(query, dict) and isinstance(query.get("message"), dict):
        chat_id = str((query["message"].get("chat") or {}).get("id") or (query.get("from") or {}).get("id"))
        await kit.inbound(session, channel, {"telegramChatId": chat_id}, body=query.get("data"), parts=[],
                          channel_data=query, reply_to=f"{chat_id}:{query['message'].get('message_id')}",
                          metadata={"buttonReply": {"id": query.get("data")}})
        return 1
    return 0
