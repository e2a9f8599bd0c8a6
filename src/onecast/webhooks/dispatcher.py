"""The webhook dispatcher: a background service of the worker process.

Each webhook is a lane that one dispatcher owns at a time (a lease on the webhook row); lanes run
side by side, so a slow or failing endpoint holds back only itself. Within a lane, deliveries of
one entity (a message, a profile) go out in revision order: a later one waits while an earlier
one is scheduled for a retry. Different entities go out concurrently, up to
webhook_endpoint_concurrency requests per endpoint. When an endpoint that failed every request
answers again, its deliveries waiting for a retry become due at once.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
import socket
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import structlog
from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.orm import aliased

from onecast.config import Settings
from onecast.kit.clock import as_utc, utcnow
from onecast.kit.events import envelope
from onecast.kit.models import Event
from onecast.kit.retry_after import retry_after_seconds
from onecast.kit.ssrf import AddressGuard, BlockedTarget
from onecast.kit.wake import WEBHOOKS, Waiter
from onecast.webhooks import formats, retry
from onecast.webhooks.fanout import fan_out
from onecast.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery
from onecast.webhooks.service import live_secrets
from onecast.webhooks.signing import signed_headers

log = structlog.get_logger("onecast.webhooks")
ROUNDS = 8  # a non-batched lane loads this many requests per endpoint slot at a time
USER_AGENT = "Onecast-Webhooks/0.1"


@dataclass
class Outcome:
    kind: str  # one of retry.DELIVERED, RETRY, REJECTED, GONE
    status_code: int | None
    latency_ms: int
    error: str | None = None
    retry_after: float | None = None  # seconds the receiver asked for (Retry-After on 429/503)


@dataclass
class Due:
    delivery_id: str
    entity_id: str
    created_on: datetime
    event: Event


class Dispatcher:
    def __init__(self, db, settings: Settings, name: str | None = None,
                 rng: random.Random | None = None) -> None:
        self.db = db
        self.settings = settings
        formats.load()
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:webhooks:{id(self):x}"
        self.guard = AddressGuard.from_settings(settings)
        self.schedule = retry.parse_schedule(settings.webhook_retry_schedule)
        self.rng = rng or random.Random()
        # Every request's target is checked by the guard's transport (no redirects are followed).
        self.client = self.guard.client(timeout=settings.webhook_timeout_seconds, headers={"User-Agent": USER_AGENT},
                                        limits=httpx.Limits(max_connections=settings.webhook_concurrency * 4))
        self.chunk = max(1, settings.webhook_endpoint_concurrency) * ROUNDS
        # Long enough for a chunk of requests that all time out; renewed after each chunk.
        self.lease = timedelta(seconds=settings.webhook_timeout_seconds * (ROUNDS + 2) + 30)
        self._lanes: dict[str, asyncio.Task] = {}
        self._slots = asyncio.Semaphore(settings.webhook_concurrency)
        self._stopping = False
        self.waiter: Waiter | None = None  # while running: woken by commits that add events (kit.wake)

    async def close(self) -> None:
        await self.client.aclose()

    # --- which lanes have work ---------------------------------------------------------------

    async def due_webhooks(self, now: datetime, space_id: str | None = None) -> list[str]:
        real_now = utcnow()
        stmt = (select(WebhookDelivery.webhook_id).join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
                .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_on <= now,
                       Webhook.enabled.is_(True), Webhook.deleted_on.is_(None),
                       or_(Webhook.lane_until.is_(None), Webhook.lane_until < real_now))
                .group_by(WebhookDelivery.webhook_id))
        if space_id is not None:
            stmt = stmt.where(WebhookDelivery.space_id == space_id)
        async with self.db.read() as session:
            return list((await session.execute(stmt)).scalars())

    async def _claim_lane(self, webhook_id: str) -> bool:
        real_now = utcnow()
        async with self.db.transaction() as session:
            result = await session.execute(
                update(Webhook).where(Webhook.id == webhook_id,
                                      or_(Webhook.lane_until.is_(None), Webhook.lane_until < real_now,
                                          Webhook.lane_owner == self.name))
                .values(lane_owner=self.name, lane_until=real_now + self.lease))
            return result.rowcount == 1

    async def _release_lane(self, webhook_id: str) -> None:
        async with self.db.transaction() as session:
            await session.execute(update(Webhook).where(Webhook.id == webhook_id, Webhook.lane_owner == self.name)
                                  .values(lane_owner=None, lane_until=None))

    async def _load_due(self, webhook_id: str, now: datetime) -> tuple[Webhook | None, list[Due]]:
        earlier = aliased(WebhookDelivery)
        # An entity whose earlier delivery waits for a retry is held back (revision order).
        held = exists().where(earlier.webhook_id == WebhookDelivery.webhook_id,
                              earlier.entity_id == WebhookDelivery.entity_id, earlier.status == "pending",
                              earlier.seq < WebhookDelivery.seq, earlier.next_attempt_on > now)
        async with self.db.read() as session:
            hook = await session.get(Webhook, webhook_id)
            if hook is None or not hook.enabled or hook.deleted_on is not None:
                return None, []
            limit = hook.max_batch_size if hook.batch else self.chunk
            rows = (await session.execute(
                select(WebhookDelivery.id, WebhookDelivery.entity_id, WebhookDelivery.created_on, Event)
                .join(Event, Event.id == WebhookDelivery.event_id)
                .where(WebhookDelivery.webhook_id == webhook_id, WebhookDelivery.status == "pending",
                       WebhookDelivery.next_attempt_on <= now, ~held)
                .order_by(WebhookDelivery.seq).limit(limit))).all()
        return hook, [Due(r[0], r[1], as_utc(r[2]), r[3]) for r in rows]

    # --- one lane --------------------------------------------------------------------------------

    async def run_lane(self, webhook_id: str, *, now: datetime | None = None, flush: bool = False) -> int:
        """Send what is due to one webhook until nothing is; returns how many deliveries were tried.
        `now` pins the clock (tests); `flush` sends batches that have not filled or timed out."""
        if not await self._claim_lane(webhook_id):
            return 0
        tried = 0
        try:
            while not self._stopping:
                at = now or utcnow()
                hook, due = await self._load_due(webhook_id, at)
                if hook is None or not due:
                    break
                if hook.batch:
                    waited = (at - due[0].created_on).total_seconds()
                    if len(due) < hook.max_batch_size and not flush and waited < hook.batch_timeout:
                        break
                    results = [(due, await self._post(hook, due))]
                else:
                    results = await self._send_each(hook, due)
                await self._record(webhook_id, results, at)
                tried += sum(len(items) for items, _ in results)
                if not await self._claim_lane(webhook_id):  # renew the lease
                    break
        finally:
            await self._release_lane(webhook_id)
        return tried

    async def _send_each(self, hook: Webhook, due: list[Due]) -> list[tuple[list[Due], Outcome]]:
        """One request per event; an entity's events in order, stopping at the first that must wait."""
        by_entity: dict[str, list[Due]] = defaultdict(list)
        for item in due:
            by_entity[item.entity_id].append(item)
        results: list[tuple[list[Due], Outcome]] = []
        gate = asyncio.Semaphore(max(1, self.settings.webhook_endpoint_concurrency))

        async def entity(items: list[Due]) -> None:
            async with gate:
                for item in items:
                    outcome = await self._post(hook, [item])
                    results.append(([item], outcome))
                    if outcome.kind in (retry.RETRY, retry.GONE):
                        return

        await asyncio.gather(*(entity(items) for items in by_entity.values()))
        return results

    async def _post(self, hook: Webhook, items: list[Due]) -> Outcome:
        started = time.monotonic()

        def elapsed() -> int:
            return int((time.monotonic() - started) * 1000)

        try:
            async with self._slots:
                code, retry_after = await self._request(hook, items)
        except BlockedTarget as exc:
            return Outcome(retry.REJECTED, None, elapsed(), str(exc))
        except httpx.TimeoutException:
            return Outcome(retry.RETRY, None, elapsed(), f"no answer within {self.settings.webhook_timeout_seconds:g} s")
        except Exception as exc:
            # refuses, a stored secret that does not decode): a failed attempt on the retry schedule, never a
            # lane that fails and is claimed again at once
            return Outcome(retry.RETRY, None, elapsed(), f"{type(exc).__name__}: {exc}"[:500])
        kind = retry.classify(code)
        return Outcome(kind, code, elapsed(), None if kind == retry.DELIVERED else f"HTTP {code}",
                       retry_after_seconds(retry_after) if kind == retry.RETRY else None)

    async def _request(self, hook: Webhook, items: list[Due]) -> tuple[int, str | None]:
        """POST the signed events; the answer's status code and Retry-After header."""
        envelopes = [envelope(item.event) for item in items]
        payload: object = envelopes if hook.batch else envelopes[0]
        extra: dict[str, str] = {}
        shape = formats.FORMATS.get(hook.payload_format) if hook.payload_format != formats.STANDARD else None
        if hook.payload_format != formats.STANDARD:
            if shape is None:
                raise LookupError(f"payload format {hook.payload_format!r} is not loaded")
            rendered = await shape.render(self.db, hook, envelopes[0])  # such webhooks are never batched
            if rendered is None:
                return 204, None  # an event the format does not report: done, nothing to send
            payload, extra = rendered
        body = json.dumps(payload, separators=(",", ":")).encode()
        if hook.batch:
            msg_id = "batch_" + hashlib.sha256(",".join(i.event.id for i in items).encode()).hexdigest()[:32]
        else:
            msg_id = items[0].event.id
        headers = signed_headers(hook.secret, live_secrets(hook, utcnow()), msg_id, int(time.time()), body)
        headers["Content-Type"] = "application/json"
        headers.update(extra)
        async with self.client.stream("POST", hook.url, content=body, headers=headers) as response:
            await _read_some(response)
        if shape is not None and shape.after_delivered is not None and response.status_code < 300:
            try:  # the event is delivered whatever its follow-up does
                await shape.after_delivered(self.db, self.client, hook, payload)
            except Exception as exc:
                log.warning("webhook_follow_up_failed", webhook_id=hook.id, error=repr(exc))
        return response.status_code, response.headers.get("retry-after")

    async def _record(self, webhook_id: str, results: list[tuple[list[Due], Outcome]], at: datetime) -> None:
        outcomes = {item.delivery_id: outcome for items, outcome in results for item in items}
        async with self.db.transaction() as session:
            hook = (await session.execute(select(Webhook).where(Webhook.id == webhook_id)
                                          .with_for_update())).scalar_one()
            rows = (await session.execute(select(WebhookDelivery).where(
                WebhookDelivery.id.in_(list(outcomes))).order_by(WebhookDelivery.seq))).scalars()
            for delivery in rows:
                outcome = outcomes[delivery.id]
                self._apply(delivery, outcome, at)
                session.add(WebhookAttempt(delivery_id=delivery.id, webhook_id=webhook_id, attempted_on=at,
                                           status_code=outcome.status_code, latency_ms=outcome.latency_ms,
                                           outcome=outcome.kind, error=outcome.error))
            if hook.failing_since is not None and any(o.kind == retry.DELIVERED for o in outcomes.values()):
                await _bring_retries_forward(session, webhook_id, at, tried=list(outcomes))
            self._track_health(hook, [o for _, o in results], at)

    def _apply(self, delivery: WebhookDelivery, outcome: Outcome, at: datetime) -> None:
        delivery.attempts += 1
        delivery.last_status_code = outcome.status_code
        delivery.last_latency_ms = outcome.latency_ms
        delivery.last_error = outcome.error
        if outcome.kind == retry.DELIVERED:
            delivery.status = "delivered"
            delivery.delivered_on = at
            return
        delay = retry.next_delay(self.schedule, delivery.attempts, self.settings.webhook_retry_jitter, self.rng)
        if outcome.kind == retry.RETRY and delay is not None:
            # the receiver's Retry-After comes first; the schedule still bounds how many attempts
            delay = max(delay, outcome.retry_after or 0.0)
            delivery.next_attempt_on = at + timedelta(seconds=delay)
        else:
            delivery.status = "dead"

    def _track_health(self, hook: Webhook, outcomes: list[Outcome], at: datetime) -> None:
        """Failing for webhook_disable_after_seconds without one success, or answering 410,
        disables the webhook (its pending deliveries wait until it is enabled again)."""
        if any(o.kind == retry.DELIVERED for o in outcomes):
            hook.failing_since = None
        elif outcomes:
            hook.failing_since = hook.failing_since or at
        if any(o.kind == retry.GONE for o in outcomes):
            hook.enabled, hook.disabled_reason = False, "The endpoint answered 410 Gone"
        elif hook.failing_since and (at - as_utc(hook.failing_since)).total_seconds() >= \
                self.settings.webhook_disable_after_seconds:
            hook.enabled = False
            hook.disabled_reason = f"Every delivery failed since {hook.failing_since.isoformat()}"
        if not hook.enabled:
            log.warning("webhook_disabled", webhook_id=hook.id, reason=hook.disabled_reason)

    # --- the service and the test drain ----------------------------------------------------------

    async def drain(self, *, space_id: str | None = None, now: datetime | None = None, flush: bool = True) -> int:
        """Fan out the outbox and send everything due at `now` (default: the real time) until
        nothing is left to try; returns how many deliveries were tried."""
        total = 0
        while True:
            while await fan_out(self.db):
                pass
            lanes = await self.due_webhooks(now or utcnow(), space_id)
            tried = sum(await asyncio.gather(*(self.run_lane(w, now=now, flush=flush) for w in lanes)))
            total += tried
            if not tried:
                return total

    def _start_lanes(self, webhook_ids: list[str]) -> None:
        for webhook_id in webhook_ids:
            if webhook_id in self._lanes:
                continue
            task = asyncio.create_task(self._lane_task(webhook_id), name=f"webhook-lane-{webhook_id}")
            self._lanes[webhook_id] = task

    async def _lane_task(self, webhook_id: str) -> None:
        try:
            await self.run_lane(webhook_id)
        except Exception as exc:  # the lease ends and the lane is picked up again
            log.error("webhook_lane_failed", webhook_id=webhook_id, error=repr(exc))
        finally:
            self._lanes.pop(webhook_id, None)
            # A delivery fanned out while this lane was finishing was skipped (the lane was still
            # running): look again now rather than at the safety-net poll.
            if self.waiter is not None:
                self.waiter.flag.set()

    async def _until_due(self) -> float:
        """Seconds to sleep: until the next delivery of a free lane falls due, at least
        webhook_poll_seconds, at most the safety-net poll; new events wake the dispatcher sooner."""
        idle = self.settings.worker_idle_poll_seconds
        real_now = utcnow()
        async with self.db.read() as session:
            due = as_utc((await session.execute(
                select(func.min(WebhookDelivery.next_attempt_on)).join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
                .where(WebhookDelivery.status == "pending", Webhook.enabled.is_(True), Webhook.deleted_on.is_(None),
                       or_(Webhook.lane_until.is_(None), Webhook.lane_until < real_now)))).scalar_one_or_none())
        if due is None:
            return idle
        return min(idle, max(self.settings.webhook_poll_seconds, (due - real_now).total_seconds()))

    async def run(self, stop: asyncio.Event) -> None:
        log.info("webhook_dispatcher_started", dispatcher=self.name)
        self.waiter = waiter = self.db.wake.waiter(WEBHOOKS)
        stopping = asyncio.ensure_future(stop.wait())
        while not stop.is_set():
            sleep = self.settings.worker_idle_poll_seconds
            try:
                waiter.clear()  # before looking: an event committed from now on ends the sleep below
                while await fan_out(self.db):
                    pass
                self._start_lanes(await self.due_webhooks(utcnow()))
                sleep = await self._until_due()
            except Exception as exc:  # database briefly unavailable: keep going
                log.error("webhook_dispatcher_failed", error=repr(exc))
            await waiter.sleep(sleep, stopping)
        stopping.cancel()
        waiter.close()
        self._stopping = True  # lanes finish the request in hand, then stop
        if self._lanes:
            await asyncio.gather(*list(self._lanes.values()), return_exceptions=True)
        await self.close()
        log.info("webhook_dispatcher_stopped", dispatcher=self.name)


async def _bring_retries_forward(session, webhook_id: str, at: datetime, tried: list[str]) -> None:
    """The endpoint answers again after a time when every request failed: what waits for a
    retry is due now, rather than at its place in the schedule (up to hours away), so the
    backlog of an outage drains as soon as the receiver is back."""
    await session.execute(update(WebhookDelivery).where(
        WebhookDelivery.webhook_id == webhook_id, WebhookDelivery.status == "pending",
        WebhookDelivery.next_attempt_on > at, WebhookDelivery.id.not_in(tried)).values(next_attempt_on=at))


async def _read_some(response: httpx.Response, limit: int = 64 * 1024) -> None:
    """Read a short answer to its end, so the connection is kept alive; a long one is cut off."""
    size = 0
    async for chunk in response.aiter_raw():
        size += len(chunk)
        if size > limit:
            return


async def run(db, settings: Settings, stop: asyncio.Event) -> None:
    """The SERVICES entry (onecast.background)."""
    await Dispatcher(db, settings).run(stop)


async def pending_count(db, space_id: str) -> int:
    async with db.read() as session:
        return (await session.execute(select(func.count()).select_from(WebhookDelivery).where(
            WebhookDelivery.space_id == space_id, WebhookDelivery.status == "pending"))).scalar_one()
