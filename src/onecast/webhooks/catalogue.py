"""The events a webhook can subscribe to, and the templates offered when creating one.

Other domains extend the catalogue by adding lines to EVENT_TYPES (and, if they like, to
TEMPLATES); one entry per line keeps merges clean. A filter names a field of the event's payload
(dotted path) that a subscription may require to equal a value.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class EventFilter:
    name: str
    path: str
    description: str
    required: bool = False


@dataclass(frozen=True)
class EventType:
    type: str
    description: str
    filters: tuple[EventFilter, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class EventTemplate:
    name: str
    description: str
    events: tuple[str, ...]


STATUS_CHANNEL = EventFilter("channel", "details.channel", "Channel that the event relates to e.g `sms`")
INBOUND_CHANNEL = EventFilter("channel", "channel", "Channel the message arrived on e.g `sms`")

EVENT_TYPES: list[EventType] = [
    EventType("message.sent", "A message was handed to a channel", (STATUS_CHANNEL,)),
    EventType("message.delivered", "A message reached the recipient", (STATUS_CHANNEL,)),
    EventType("message.read", "A message was read (channels that report it)", (STATUS_CHANNEL,)),
    EventType("message.expired", "A message was not delivered before it expired", (STATUS_CHANNEL,)),
    EventType("message.failed", "A message could not be delivered on any channel", (STATUS_CHANNEL,)),
    EventType("message.inbound", "A message arrived from a profile", (INBOUND_CHANNEL,)),
    EventType("interaction.click", "A tracked link in a message was clicked", (STATUS_CHANNEL,)),
    EventType("profile.create", "A profile was created"),
    EventType("profile.update", "A profile was changed"),
    EventType("profile.delete", "A profile was deleted"),
    EventType("profile.undelete", "A deleted profile was restored"),
]

MESSAGE_EVENTS = ("message.sent", "message.delivered", "message.read", "message.expired", "message.failed",
                  "message.inbound")
PROFILE_EVENTS = ("profile.create", "profile.update", "profile.delete", "profile.undelete")

TEMPLATES: list[EventTemplate] = [
    EventTemplate("Message events", "Sent, delivery, read, expiry and failure receipts and inbound messages",
                  MESSAGE_EVENTS),
    EventTemplate("Message and Profile events", "Message events and profile changes", MESSAGE_EVENTS + PROFILE_EVENTS),
]


def event_types() -> dict[str, EventType]:
    return {e.type: e for e in EVENT_TYPES}


def templates() -> list[EventTemplate]:
    """The listed templates, then one with every event type (so new types appear there at once)."""
    every = tuple(e.type for e in EVENT_TYPES)
    return [*TEMPLATES, EventTemplate("All events", "Every event type of the platform", every)]


def payload_value(payload: object, path: str) -> object:
    for part in path.split("."):
        if not isinstance(payload, dict):
            return None
        payload = payload.get(part)
    return payload
