"""Webhook configuration, the delivery log and replay. No HTTP here."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.config import Settings
from onecast.kit.clock import as_utc, iso, utcnow
from onecast.kit.errors import invalid, not_found
from onecast.kit.etag import etag_for
from onecast.kit.ids import new_id
from onecast.kit.models import Event
from onecast.kit.ssrf import AddressGuard, refuse_internal_urls
from onecast.webhooks.catalogue import event_types
from onecast.webhooks.matching import matches
from onecast.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery
from onecast.webhooks.schemas import WebhookIn
from onecast.webhooks.signing import new_secret, valid_whsec


def etag(hook: Webhook) -> str:
    return etag_for(hook.id, hook.revision)


def view(hook: Webhook) -> dict[str, Any]:
    return {
        "id": hook.id, "name": hook.name, "url": hook.url, "secret": hook.secret,
        "subscriptions": hook.subscriptions, "batch": hook.batch, "maxBatchSize": hook.max_batch_size,
        "batchTimeout": hook.batch_timeout, "enabled": hook.enabled, "disabledReason": hook.disabled_reason,
        "_createdOn": iso(hook.created_on), "_createdBy": hook.created_by,
        "_updatedOn": iso(hook.updated_on), "_updatedBy": hook.updated_by, "_deletedOn": iso(hook.deleted_on),
    }


def validate(body: WebhookIn, settings: Settings) -> str:
    """The URL to store (normalised), or a 400 naming the field that is wrong."""
    url = refuse_internal_urls(AddressGuard.from_settings(settings), {"url": body.url}, "")["url"]
    if body.secret is not None and not valid_whsec(body.secret):
        raise invalid("secret", "a whsec_ secret must be base64 of 16 to 64 bytes")
    known = event_types()
    for i, sub in enumerate(body.subscriptions):
        kind = known.get(sub.type)
        if kind is None:
            raise invalid(f"subscriptions[{i}].type", f"unknown event type {sub.type!r} (see /webhooks/availableevents)")
        names = {f.name for f in kind.filters}
        for j, flt in enumerate(sub.filters):
            if flt.name not in names:
                raise invalid(f"subscriptions[{i}].filters[{j}].name",
                              f"{sub.type} has no filter {flt.name!r}; it has {sorted(names) or 'none'}")
    return url


def _apply(hook: Webhook, body: WebhookIn, url: str) -> None:
    hook.name = body.name
    hook.url = url
    hook.subscriptions = [s.model_dump() for s in body.subscriptions]
    hook.batch = body.batch
    hook.max_batch_size = body.maxBatchSize
    hook.batch_timeout = body.batchTimeout
    if body.enabled and not hook.enabled:
        hook.failing_since = None
        hook.disabled_reason = None
    hook.enabled = body.enabled


async def create(session: AsyncSession, settings: Settings, space_id: str, body: WebhookIn, actor: str) -> Webhook:
    url = validate(body, settings)
    now = utcnow()
    hook = Webhook(id=new_id(), space_id=space_id, secret=body.secret or new_secret(), previous_secrets=[],
                   enabled=True, revision=1, created_on=now, created_by=actor, updated_on=now, updated_by=actor)
    _apply(hook, body, url)
    session.add(hook)
    return hook


async def get(session: AsyncSession, space_id: str, webhook_id: str, *, include_deleted: bool = False,
              lock: bool = False) -> Webhook:
    stmt = select(Webhook).where(Webhook.id == webhook_id, Webhook.space_id == space_id)
    if not include_deleted:
        stmt = stmt.where(Webhook.deleted_on.is_(None))
    if lock:
        stmt = stmt.with_for_update()
    hook = (await session.execute(stmt)).scalar_one_or_none()
    if hook is None:
        raise not_found("Webhook")
    return hook


async def list_hooks(session: AsyncSession, space_id: str, *, include_deleted: bool, limit: int,
                     skip: int) -> list[Webhook]:
    stmt = select(Webhook).where(Webhook.space_id == space_id)
    if not include_deleted:
        stmt = stmt.where(Webhook.deleted_on.is_(None))
    return list((await session.execute(stmt.order_by(Webhook.created_on, Webhook.id).offset(skip).limit(limit)))
                .scalars())


def _live_previous(hook: Webhook, now: datetime) -> list[dict[str, str]]:
    return [p for p in hook.previous_secrets or [] if as_utc(datetime.fromisoformat(p["expiresOn"])) > now]


async def update(session: AsyncSession, settings: Settings, hook: Webhook, body: WebhookIn, actor: str) -> Webhook:
    url = validate(body, settings)
    now = utcnow()
    if body.secret is not None and body.secret != hook.secret:
        # Rotation: the old secret keeps signing for a grace period so receivers can switch.
        expires = now + timedelta(seconds=settings.webhook_secret_grace_seconds)
        hook.previous_secrets = [{"secret": hook.secret, "expiresOn": expires.isoformat()},
                                 *_live_previous(hook, now)][:5]
        hook.secret = body.secret
    _apply(hook, body, url)
    hook.revision += 1
    hook.updated_on = now
    hook.updated_by = actor
    return hook


def live_secrets(hook: Webhook, now: datetime) -> list[str]:
    return [p["secret"] for p in _live_previous(hook, now)]


async def delete(session: AsyncSession, hook: Webhook, actor: str) -> None:
    hook.deleted_on = utcnow()
    hook.enabled = False
    hook.revision += 1
    hook.updated_on = hook.deleted_on
    hook.updated_by = actor


# --- delivery log and replay ---------------------------------------------------------------


async def deliveries(session: AsyncSession, hook: Webhook, *, status: str | None, limit: int,
                     cursor: int | None) -> tuple[list[dict[str, Any]], int | None]:
    """Newest first; the cursor is the position of the last delivery of the previous page."""
    stmt = select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id)
    if status:
        stmt = stmt.where(WebhookDelivery.status == status)
    if cursor is not None:
        stmt = stmt.where(WebhookDelivery.seq < cursor)
    rows = list((await session.execute(stmt.order_by(WebhookDelivery.seq.desc()).limit(limit + 1))).scalars())
    next_cursor = rows[limit - 1].seq if len(rows) > limit else None
    rows = rows[:limit]
    log: dict[str, list[WebhookAttempt]] = {r.id: [] for r in rows}
    if rows:
        for attempt in (await session.execute(select(WebhookAttempt).where(
                WebhookAttempt.delivery_id.in_(list(log))).order_by(WebhookAttempt.id))).scalars():
            log[attempt.delivery_id].append(attempt)
    return [_delivery_view(r, log[r.id]) for r in rows], next_cursor


def _delivery_view(d: WebhookDelivery, attempts: list[WebhookAttempt]) -> dict[str, Any]:
    return {
        "id": d.id, "eventId": d.event_id, "eventName": d.event_name, "revision": d.revision,
        "status": d.status, "attempts": d.attempts, "responseCode": d.last_status_code,
        "latencyMs": d.last_latency_ms, "error": d.last_error,
        "nextAttemptOn": iso(d.next_attempt_on) if d.status == "pending" else None,
        "createdOn": iso(d.created_on), "deliveredOn": iso(d.delivered_on), "replay": d.replay,
        "attemptLog": [{"attemptedOn": iso(a.attempted_on), "responseCode": a.status_code,
                        "latencyMs": a.latency_ms, "outcome": a.outcome, "error": a.error} for a in attempts],
    }


def new_delivery(hook: Webhook, event: Event, *, replay: bool = False) -> WebhookDelivery:
    now = utcnow()
    return WebhookDelivery(id=new_id(), webhook_id=hook.id, space_id=hook.space_id, event_id=event.id,
                           event_name=event.name, entity_id=event.entity_id, revision=event.revision,
                           status="pending", attempts=0, next_attempt_on=now, replay=replay, created_on=now)


async def replay(session: AsyncSession, settings: Settings, hook: Webhook, *, event_id: str | None,
                 start: datetime | None, end: datetime | None) -> list[str]:
    """Deliver events again as new deliveries: one event by id (subscribed or not), or every
    subscribed event in [start, end), oldest first, at most webhook_replay_max."""
    if event_id is not None:
        event = (await session.execute(select(Event).where(
            Event.id == event_id, Event.space_id == hook.space_id))).scalar_one_or_none()
        if event is None:
            raise not_found("Event")
        events = [event]
    else:
        stmt = select(Event).where(Event.space_id == hook.space_id, Event.timestamp >= as_utc(start))
        if end is not None:
            stmt = stmt.where(Event.timestamp < as_utc(end))
        stmt = stmt.where(Event.name.in_({s["type"] for s in hook.subscriptions or []}))
        limit = settings.webhook_replay_max
        candidates = (await session.execute(stmt.order_by(Event.seq).limit(limit * 4))).scalars()
        events = [e for e in candidates if matches(hook.subscriptions, e)][:limit]
    created = [new_delivery(hook, e, replay=True) for e in events]
    session.add_all(created)
    return [d.id for d in created]
