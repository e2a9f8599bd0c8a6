"""A small callback dispatcher, standing in until the webhooks domain (signed delivery from an
outbox) lands: each space with a webhook gets its events, as InBoundWrapper, POSTed in order
with `x-verify-token`. A batch is claimed by moving the space's cursor (compare-and-set, so two
workers never send the same batch) and handed back when the POST fails, to be retried."""
from __future__ import annotations

import asyncio
from typing import Any

import httpx
import structlog
from sqlalchemy import select, update

from onecast.compat.msgapi.models import MsgApiWebhook
from onecast.compat.msgapi.translate import callback
from onecast.kit.clock import utcnow
from onecast.kit.events import envelope
from onecast.kit.models import Event
from onecast.kit.ssrf import AddressGuard, BlockedTarget

log = structlog.get_logger()
BATCH = 100
POLL_SECONDS = 1.0
TIMEOUT_SECONDS = 10.0


async def _claim(db: Any, hook: MsgApiWebhook) -> list[Event]:
    async with db.transaction() as session:
        events = list((await session.execute(select(Event).where(
            Event.space_id == hook.space_id, Event.seq > hook.last_seq).order_by(Event.seq).limit(BATCH))).scalars())
        if not events:
            return []
        moved = await session.execute(update(MsgApiWebhook).where(
            MsgApiWebhook.space_id == hook.space_id, MsgApiWebhook.last_seq == hook.last_seq)
            .values(last_seq=events[-1].seq))
        return events if moved.rowcount == 1 else []


async def _release(db: Any, hook: MsgApiWebhook, claimed_to: int, sent_to: int) -> None:
    """A failed POST: the cursor goes back to the last event delivered."""
    async with db.transaction() as session:
        await session.execute(update(MsgApiWebhook).where(
            MsgApiWebhook.space_id == hook.space_id, MsgApiWebhook.last_seq == claimed_to)
            .values(last_seq=sent_to, failures=MsgApiWebhook.failures + 1, updated_on=utcnow()))


async def deliver_space(db: Any, client: httpx.AsyncClient, hook: MsgApiWebhook,
                        guard: AddressGuard | None = None) -> int:
    if guard is not None:
        try:
            await guard.check(hook.url)  # the same SSRF rule as webhooks: public addresses only
        except (BlockedTarget, ConnectionError) as exc:
            log.warning("msgapi_callback_blocked", space_id=hook.space_id, error=str(exc))
            return 0
    events = await _claim(db, hook)
    sent_to, delivered = hook.last_seq, 0
    for event in events:
        body = callback(envelope(event), {"appId": hook.app_id})
        if body is not None:
            try:
                r = await client.post(hook.url, json=body, headers={"x-verify-token": hook.verify_token})
                ok = r.status_code < 300
            except httpx.HTTPError as exc:
                ok = False
                log.warning("msgapi_callback_failed", space_id=hook.space_id, error=repr(exc))
            if not ok:
                await _release(db, hook, events[-1].seq, sent_to)
                return delivered
            delivered += 1
        sent_to = event.seq
    return delivered


async def dispatch_once(db: Any, client: httpx.AsyncClient, guard: AddressGuard | None = None) -> int:
    """Send what is waiting for every configured webhook; the number of callbacks POSTed."""
    async with db.read() as session:
        hooks = list((await session.execute(select(MsgApiWebhook))).scalars())
    total = 0
    for hook in hooks:
        total += await deliver_space(db, client, hook, guard)
    return total


async def run(db: Any, settings: Any, stop: asyncio.Event) -> None:
    guard = AddressGuard.from_settings(settings)
    async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as client:
        while not stop.is_set():
            try:
                await dispatch_once(db, client, guard)
            except Exception as exc:
                log.error("msgapi_dispatch_failed", error=repr(exc))
            try:
                await asyncio.wait_for(stop.wait(), POLL_SECONDS)
            except TimeoutError:
                pass
