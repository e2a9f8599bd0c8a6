"""Turn outbox rows (one per event) into deliveries (one per subscribed webhook), in one
transaction, so an event is neither lost nor delivered twice to the same webhook."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import delete, select

from onecast.kit.models import Event
from onecast.webhooks.matching import matches
from onecast.webhooks.models import Webhook, WebhookOutbox
from onecast.webhooks.service import new_delivery


async def fan_out(db, limit: int = 500) -> int:
    """Move up to `limit` outbox rows, oldest first; returns how many."""
    async with db.read() as session:  # an empty outbox costs no write lock
        if (await session.execute(select(WebhookOutbox.seq).limit(1))).first() is None:
            return 0
    async with db.transaction() as session:
        rows = list((await session.execute(select(WebhookOutbox).order_by(WebhookOutbox.seq).limit(limit)
                                           .with_for_update(skip_locked=True))).scalars())
        if not rows:
            return 0
        events = {e.id: e for e in (await session.execute(
            select(Event).where(Event.id.in_([r.event_id for r in rows])))).scalars()}
        hooks: dict[str, list[Webhook]] = defaultdict(list)
        for hook in (await session.execute(select(Webhook).where(
                Webhook.space_id.in_({r.space_id for r in rows}), Webhook.enabled.is_(True),
                Webhook.deleted_on.is_(None)).order_by(Webhook.id))).scalars():
            hooks[hook.space_id].append(hook)
        for row in rows:
            event = events.get(row.event_id)
            if event is None:
                continue
            for hook in hooks.get(row.space_id, ()):
                if matches(hook.subscriptions, event):
                    session.add(new_delivery(hook, event))
        await session.execute(delete(WebhookOutbox).where(WebhookOutbox.seq.in_([r.seq for r in rows])))
        return len(rows)
