"""How messages look on the wire."""
from __future__ import annotations

from typing import Any

from onecast.kit.clock import iso
from onecast.messages.models import Message, MessageStatusEvent


def history_entry(event: MessageStatusEvent) -> dict[str, Any]:
    return {"status": event.status, "channel": event.channel, "timestamp": iso(event.timestamp),
            "details": event.details or {}}


def audit_fields(message: Message) -> dict[str, Any]:
    return {"_createdOn": iso(message.created_on), "_createdBy": message.created_by,
            "_updatedOn": iso(message.updated_on), "_updatedBy": message.updated_by or message.created_by}


def message_view(message: Message, history: list[MessageStatusEvent]) -> dict[str, Any]:
    view = {
        **(message.request or {}),
        "messageId": message.id,
        "sentOn": iso(message.created_on),
        "status": message.status,
        "statusDetails": message.status_details or {},
        "statusHistory": [history_entry(e) for e in history],
        "attempts": message.attempts,
        **audit_fields(message),
    }
    if message.segment_count is not None:
        view["segmentCount"] = message.segment_count
    if message.redacted:
        view["redacted"] = True
    return view


def inbound_view(message: Message, history: list[MessageStatusEvent]) -> dict[str, Any]:
    return {
        **(message.request or {}),
        "messageId": message.id,
        "receivedOn": iso(message.created_on),
        "status": message.status,
        "profileId": message.profile_id,
        "statusHistory": [history_entry(e) for e in history],
        **audit_fields(message),
    }


def history_item(message: Message) -> dict[str, Any]:
    # An inbound message's channelData (media ids, the mail's Message-ID) is what its channel sent.
    content = message.request if message.direction == "inbound" else message.content
    content = content or {}
    return {
        "messageId": message.id,
        "submittedOn": iso(message.created_on),
        "profileId": message.profile_id,
        "channelId": message.channel,
        "direction": message.direction,
        "status": message.status,
        "message": {"title": message.title, "body": message.body,
                    "channelData": content.get("channelData") or {}},
    }
