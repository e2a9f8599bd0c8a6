"""Delivered webhook deliveries (and their attempts) are forgotten after a while; dead letters
and pending deliveries are kept."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from onecast.config import Settings
from onecast.kit.clock import utcnow
from onecast.webhooks.models import WebhookAttempt, WebhookDelivery


async def purge_delivered_chore(db, settings: Settings) -> int:
    """The CHORES entry (onecast.background); returns how many deliveries were removed."""
    cutoff = utcnow() - timedelta(seconds=settings.webhook_keep_delivered_seconds)
    removed = 0
    while True:
        async with db.transaction() as session:
            ids = list((await session.execute(select(WebhookDelivery.id).where(
                WebhookDelivery.status == "delivered", WebhookDelivery.delivered_on < cutoff).limit(1000))).scalars())
            if not ids:
                return removed
            await session.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(ids)))
            await session.execute(delete(WebhookDelivery).where(WebhookDelivery.id.in_(ids)))
            removed += len(ids)
