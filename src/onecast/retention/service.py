"""Applying retention with set-based SQL, a bounded batch per transaction so a large backlog
never holds the write lock for long. Messages still being delivered are never touched."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy import delete, select, union, update
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.kit.clock import iso, utcnow
from onecast.kit.models import Event
from onecast.messages.models import Message, MessageStatusEvent
from onecast.retention.models import RetentionPolicy
from onecast.webhooks.models import WebhookDelivery, WebhookOutbox

log = structlog.get_logger("onecast.retention")
BATCH = 1000
IN_FLIGHT = ("processing", "retrying")
PERIODS = {"messages": "messages_days", "events": "events_days"}


def view(space_id: str, policy: RetentionPolicy | None) -> dict[str, Any]:
    if policy is None:
        return {"apiSpaceId": space_id, "messagesDays": None, "eventsDays": None,
                "mode": "delete", "updatedOn": None, "lastRunOn": None}
    return {"apiSpaceId": space_id, "messagesDays": policy.messages_days, "eventsDays": policy.events_days,
            "mode": policy.mode, "updatedOn": iso(policy.updated_on),
            "lastRunOn": iso(policy.last_run_on) if policy.last_run_on else None}


async def put(session: AsyncSession, space_id: str, body: dict[str, Any]) -> RetentionPolicy:
    policy = await session.get(RetentionPolicy, space_id, with_for_update=True)
    if policy is None:
        policy = RetentionPolicy(space_id=space_id, revision=0)
        session.add(policy)
    policy.messages_days, policy.events_days = body["messagesDays"], body["eventsDays"]
    policy.mode = body["mode"]
    policy.revision += 1
    policy.updated_on = utcnow()
    return policy


def _anonymous_request(request: dict[str, Any]) -> dict[str, Any]:
    """The request's shape without anything about the person: addresses emptied, content gone."""
    kept = {key: request[key] for key in ("rules", "channel") if key in request}
    kept.update({key: {} for key in ("to", "from") if key in request})
    return kept


async def _old_message_ids(session: AsyncSession, space_id: str, days: int, *, anonymise: bool) -> list[str]:
    stmt = select(Message.id).where(Message.space_id == space_id, Message.status.not_in(IN_FLIGHT),
                                    Message.created_on < utcnow() - timedelta(days=days))
    if anonymise:
        stmt = stmt.where(Message.redacted.is_(False))
    return list((await session.execute(stmt.limit(BATCH))).scalars())


async def _messages_batch(session: AsyncSession, policy: RetentionPolicy) -> int:
    anonymise = policy.mode == "anonymise"
    ids = await _old_message_ids(session, policy.space_id, policy.messages_days, anonymise=anonymise)
    if not ids:
        return 0
    if anonymise:
        # Keep that a message existed, its channel, status and times; drop content and addresses.
        await session.execute(update(MessageStatusEvent).where(MessageStatusEvent.message_id.in_(ids))
                              .values(details={}))
        now = utcnow()
        for message in (await session.execute(select(Message).where(Message.id.in_(ids)))).scalars():
            message.request = _anonymous_request(message.request or {})
            message.body = message.title = message.profile_id = None
            message.content, message.plan, message.status_details = {}, [], {}
            message.redacted, message.updated_on, message.updated_by = True, now, "retention"
    else:
        await session.execute(delete(MessageStatusEvent).where(MessageStatusEvent.message_id.in_(ids)))
        await session.execute(delete(Message).where(Message.id.in_(ids)))
    return len(ids)


async def _events_batch(session: AsyncSession, policy: RetentionPolicy) -> int:
    # An event still waiting to be fanned out or delivered to a webhook is kept until it is.
    waiting = union(select(WebhookOutbox.event_id),
                    select(WebhookDelivery.event_id).where(WebhookDelivery.status == "pending"))
    ids = list((await session.execute(select(Event.seq).where(
        Event.space_id == policy.space_id, Event.timestamp < utcnow() - timedelta(days=policy.events_days),
        Event.id.not_in(waiting)).limit(BATCH))).scalars())
    if ids:
        await session.execute(delete(Event).where(Event.seq.in_(ids)))
    return len(ids)


async def apply(db, space_id: str) -> dict[str, int]:
    """Apply one space's policy until nothing old is left; returns how many rows each part touched."""
    done = {"messages": 0, "events": 0}
    parts = (("messages", _messages_batch), ("events", _events_batch))
    for name, batch in parts:
        while True:
            async with db.transaction() as session:
                policy = await session.get(RetentionPolicy, space_id)
                if policy is None or getattr(policy, PERIODS[name]) is None:
                    break
                count = await batch(session, policy)
            done[name] += count
            if count < BATCH:
                break
    async with db.transaction() as session:
        policy = await session.get(RetentionPolicy, space_id, with_for_update=True)
        if policy is not None:
            policy.last_run_on = utcnow()
    return done


async def chore(db, settings) -> None:
    """Periodic: every space with a policy."""
    async with db.read() as session:
        spaces = list((await session.execute(select(RetentionPolicy.space_id))).scalars())
    for space_id in spaces:
        done = await apply(db, space_id)
        if any(done.values()):
            log.info("retention_applied", space_id=space_id, **done)
