"""How an endpoint is doing (for the console): its recent success rate and last error, and a test
event sent to it alone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.kit.clock import utcnow
from onecast.kit.ids import new_id
from onecast.kit.models import Event
from onecast.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery
from onecast.webhooks.retry import DELIVERED
from onecast.webhooks.service import new_delivery

WINDOW = timedelta(hours=24)
TEST_EVENT = "webhook.test"


@dataclass(frozen=True)
class Health:
    attempts: int
    succeeded: int
    last_error: str | None
    last_error_on: datetime | None
    failing_since: datetime | None

    @property
    def success_rate(self) -> float | None:
        return self.succeeded / self.attempts if self.attempts else None

    @property
    def failing(self) -> bool:
        return self.failing_since is not None


async def health(session: AsyncSession, hooks: list[Webhook]) -> dict[str, Health]:
    """Per webhook, over the last 24 hours of attempts; one query for a page of webhooks."""
    if not hooks:
        return {}
    since = utcnow() - WINDOW
    ids = [h.id for h in hooks]
    counts = dict.fromkeys(ids, (0, 0))
    delivered = case((WebhookAttempt.outcome == DELIVERED, 1), else_=0)
    rows = await session.execute(
        select(WebhookAttempt.webhook_id, func.count(), func.sum(delivered))
        .where(WebhookAttempt.webhook_id.in_(ids), WebhookAttempt.attempted_on >= since)
        .group_by(WebhookAttempt.webhook_id)
    )
    for hook_id, total, ok in rows.all():
        counts[hook_id] = (total, int(ok or 0))
    errors: dict[str, tuple[str, datetime]] = {}
    failed = await session.execute(
        select(WebhookAttempt.webhook_id, WebhookAttempt.error, WebhookAttempt.status_code, WebhookAttempt.attempted_on)
        .where(
            WebhookAttempt.webhook_id.in_(ids),
            WebhookAttempt.outcome != DELIVERED,
            WebhookAttempt.attempted_on >= since,
        )
        .order_by(WebhookAttempt.attempted_on.desc(), WebhookAttempt.id.desc())
        .limit(50 * len(ids))
    )
    for hook_id, error, code, at in failed.all():
        errors.setdefault(hook_id, (error or f"HTTP {code}", at))
    return {
        h.id: Health(counts[h.id][0], counts[h.id][1], *(errors.get(h.id) or (None, None)), h.failing_since)
        for h in hooks
    }


def send_test_event(session: AsyncSession, hook: Webhook, actor: str) -> WebhookDelivery:
    """A `webhook.test` event delivered to this endpoint only (not through the outbox, so no other
    webhook of the space receives it), signed and retried like any delivery."""
    event = Event(
        id=new_id(),
        space_id=hook.space_id,
        name=TEST_EVENT,
        entity_id=hook.id,
        revision=1,
        payload={
            "webhookId": hook.id,
            "sentBy": actor,
            "message": "A test event: your endpoint is reachable if this arrived.",
        },
        timestamp=utcnow(),
    )
    session.add(event)
    delivery = new_delivery(hook, event)
    session.add(delivery)
    return delivery
