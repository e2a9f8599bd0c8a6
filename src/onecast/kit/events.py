"""Record platform events in the caller's transaction, so none is lost or invented."""
from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from onecast.kit.clock import iso, utcnow
from onecast.kit.ids import new_id
from onecast.kit.models import Event
from onecast.webhooks.models import WebhookOutbox


def record_event(session: AsyncSession, space_id: str, name: str, entity_id: str,
                 payload: dict[str, Any], revision: int = 1) -> Event:
    event = Event(id=new_id(), space_id=space_id, name=name, entity_id=entity_id,
                  revision=revision, payload=payload, timestamp=utcnow())
    session.add(event)
    session.add(WebhookOutbox(event_id=event.id, space_id=space_id))  # the webhooks' outbox, same transaction
    return event


def envelope(event: Event) -> dict[str, Any]:
    return {"eventId": event.id, "apiSpaceId": event.space_id, "name": event.name,
            "payload": event.payload, "revision": event.revision, "timestamp": iso(event.timestamp)}
