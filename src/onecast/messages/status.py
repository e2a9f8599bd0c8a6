"""Message statuses only move forward; every change is stored with its time and, where
clients subscribe to it, written as an event in the same transaction."""
from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from onecast.kit.clock import as_utc, iso, utcnow
from onecast.kit.db import after_commit
from onecast.kit.errors import Problem
from onecast.kit.events import record_event
from onecast.messages.models import Message, MessageStatusEvent
from onecast.observability.metrics import ACCEPT_TO_SENT, STATUS

PROGRESS = {"processing": 0, "retrying": 1, "sent": 2, "delivered": 3, "read": 4}
FINAL = {"failed", "expired", "filtered"}
# Receipts may report failure or expiry after the provider accepted the message.
ENDS_FROM = {"failed": {"processing", "retrying", "sent"}, "expired": {"processing", "retrying", "sent"},
             "filtered": {"processing"}}
INBOUND_PROGRESS = {"received": 0, "delivered": 1, "read": 2}
EVENT_NAMES = {"sent", "delivered", "read", "expired", "failed"}


def can_move(current: str, new: str, fallback: bool = False) -> bool:
    if current in FINAL:
        return False
    if new in ENDS_FROM:
        return current in ENDS_FROM[new]
    if new == "retrying":  # a vendor failing a sent message later sends it again on the next rule
        return current in ("processing", "retrying") or (fallback and current == "sent")
    return new in PROGRESS and PROGRESS[new] > PROGRESS[current]


def can_move_inbound(current: str, new: str) -> bool:
    return INBOUND_PROGRESS.get(new, -1) > INBOUND_PROGRESS.get(current, 99)


def event_payload(message: Message, status: str, channel: str | None, details: dict[str, Any],
                  at: datetime) -> dict[str, Any]:
    content = message.content or {}
    channel_status = {"status": status, "details": details, "updatedOn": iso(at)}
    payload: dict[str, Any] = {
        "id": message.id,
        "details": {"channel": channel, "additionalInfo": details,
                    "channelStatus": {channel: channel_status} if channel else {}},
        "updatedOn": iso(at),
        "metadata": content.get("metadata") or {},
    }
    if message.conversation_id:
        payload["conversationId"] = message.conversation_id
    if message.segment_count is not None and channel:
        payload["channelData"] = {channel: {"segmentCount": message.segment_count}}
    return payload


def count_status(direction: str, status: str, created_on: datetime | None, at: datetime) -> None:
    STATUS.labels(status, direction).inc()
    if status == "sent" and created_on is not None:
        ACCEPT_TO_SENT.observe(max(0.0, (as_utc(at) - as_utc(created_on)).total_seconds()))


def apply_status(session: AsyncSession, message: Message, status: str, *, channel: str | None = None,
                 details: dict[str, Any] | None = None, at: datetime | None = None, fallback: bool = False) -> bool:
    """Move the message to `status` if that is forward (or, with `fallback`, a sent message back to
    retrying on its next rule); False (and nothing written) otherwise."""
    if message.direction == "inbound":
        moves = can_move_inbound(message.status, status)
    else:
        moves = can_move(message.status, status, fallback)
    if not moves:
        return False
    at = at or utcnow()
    details = details or {}
    channel = channel or message.channel
    message.status = status
    message.updated_on = utcnow()
    message.revision += 1
    message.status_details = {**(message.status_details or {}), "channelId": channel, "channel": channel,
                              "status": status, "updatedOn": iso(at),
                              **({"reason": details["reason"]} if "reason" in details else {})}
    session.add(MessageStatusEvent(message_id=message.id, status=status, channel=channel, details=details,
                                   timestamp=at))
    after_commit(session, partial(count_status, message.direction, status, message.created_on, at))
    if status in EVENT_NAMES and message.direction == "outbound":
        record_event(session, message.space_id, f"message.{status}", message.id,
                     event_payload(message, status, channel, details, at), message.revision)
    return True


def move_forward(session: AsyncSession, message: Message, status: str, **kwargs: Any) -> bool:
    """A reported status: True when it moved the message, False when it was already there;
    409 when it would move the message backwards."""
    if message.status == status:
        return False
    if not apply_status(session, message, status, **kwargs):
        kind = "inbound message" if message.direction == "inbound" else "message"
        raise Problem(409, "StatusNotForward", f"The {kind} is {message.status}; it cannot move to {status}")
    return True
