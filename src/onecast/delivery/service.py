"""Delivering one claimed job: hand the message to its provider, then record the outcome
(sent and receipts, retry with backoff, fall back to the next channel, fail, expire).
The worker reads a whole claim at once (`read_claimed`) and groups outcomes into shared
transactions (onecast.delivery.recorder); `apply_outcome` is one outcome's part of that."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import select

from onecast.billing.service import debit_send
from onecast.channels import capabilities
from onecast.channels.base import OutboundMessage, SendResult
from onecast.channels.registry import ProviderPool
from onecast.config import Settings
from onecast.delivery import outbox
from onecast.delivery.backoff import retry_delay
from onecast.delivery.models import OutboxJob
from onecast.delivery.throttle import channel_rate, wait_for_slot
from onecast.kit.clock import utcnow
from onecast.kit.retry_after import retry_after_seconds
from onecast.messages import provider_ids
from onecast.messages.inbound import inbound_from_address, receive_inbound
from onecast.messages.models import Message
from onecast.messages.render import channel_text
from onecast.messages.schemas import InboundIn
from onecast.messages.status import apply_status

log = structlog.get_logger("onecast.delivery")
SEND_TIMEOUT = 60.0


def outbound_for(message: Message, entry: dict[str, Any], attempt: int, config: dict[str, Any]) -> OutboundMessage:
    content = message.content or {}
    channel = entry["channel"]
    parts = capabilities.adapt(entry["type"], capabilities.parts_for(content, channel))
    return OutboundMessage(
        message_id=message.id, space_id=message.space_id, channel=channel, type=entry["type"],
        address=entry["address"], body=channel_text(content, channel, "body"),
        title=channel_text(content, channel, "title"),
        custom_body=(content.get("customBody") or {}).get(channel),
        options=(content.get("channelOptions") or {}).get(entry["type"]) or {}, parts=parts,
        metadata=content.get("metadata") or {}, attempt=attempt, expires_on=message.expires_on, config=config,
    )


async def _owned_job(session, job_id: int, owner: str) -> OutboxJob | None:
    job = (await session.execute(select(OutboxJob).where(OutboxJob.id == job_id).with_for_update())
           ).scalar_one_or_none()
    if job is None or job.lease_owner != owner:
        return None  # done by someone else after our lease ran out
    return job


@dataclass(frozen=True)
class Claimed:
    """A claimed job, read with its message: `outbound` is None when there is nothing to send
    (the message is gone, final or expired)."""

    job_id: int
    owner: str
    entry: dict[str, Any] | None = None
    config: dict[str, Any] | None = None
    outbound: OutboundMessage | None = None


async def read_claimed(db, settings: Settings, job_ids: list[int], owner: str) -> list[Claimed]:
    """The jobs of one claim with their messages and channel configs, in one read transaction."""
    claimed = []
    configs: dict[tuple, dict[str, Any]] = {}  # a key names one channel revision: read (and decrypt) it once
    async with db.read() as session:
        rows = (await session.execute(select(OutboxJob, Message).outerjoin(Message, Message.id == OutboxJob.message_id)
                                      .where(OutboxJob.id.in_(job_ids)).order_by(OutboxJob.id))).all()
        for job, message in rows:
            if job.lease_owner != owner:
                continue
            deliverable = (message is not None and message.status in ("processing", "retrying")
                           and not message.deleted_on)
            expired = deliverable and message.expires_on is not None and message.expires_on <= utcnow()
            if not deliverable or expired:
                claimed.append(Claimed(job.id, owner))
                continue
            entry = await _current_entry(session, message.plan[message.plan_index])
            if entry is None:  # the channel was deleted: nothing to send with
                planned = message.plan[message.plan_index]
                claimed.append(Claimed(job.id, owner, planned, None, outbound_for(message, planned, job.attempts + 1, {})))
                continue
            key = tuple(entry["key"])
            if key not in configs:
                configs[key] = await _channel_config(session, entry, settings)
            config = configs[key]
            outbound = outbound_for(message, entry, job.attempts + 1, config)
            claimed.append(Claimed(job.id, owner, entry, config, outbound))
    return claimed


async def deliver(db, pool: ProviderPool, settings: Settings, job: Claimed,
                  record: Callable[[Outcome], Awaitable[None]]) -> None:
    """Send one claimed job and hand its outcome to `record` (the worker's group-commit recorder)."""
    if job.outbound is None:
        await _close_undeliverable(db, job.job_id, job.owner)
        return
    entry, config, outbound = job.entry, job.config, job.outbound
    if config is None:
        await record(Outcome(job.job_id, job.owner, entry, SendResult.failed(
            "ChannelDeleted", f"the channel {entry['channel']!r} was deleted after the message was accepted")))
        return
    postpone = await wait_for_slot(pool.throttle, tuple(entry["key"]),
                                   channel_rate(config, settings.channel_rate_per_second))
    if postpone:
        await outbox.postpone(db, job.job_id, job.owner, postpone)
        return
    provider = pool.get(entry["provider"], tuple(entry["key"]), config)
    try:
        result = await asyncio.wait_for(provider.send(outbound), SEND_TIMEOUT)
    except Exception as exc:  # a provider bug or timeout is a transient failure, never a lost message
        log.warning("provider_error", message_id=outbound.message_id, error=repr(exc))
        result = SendResult.transient("ProviderError", repr(exc)[:500])
    await record(Outcome(job.job_id, job.owner, entry, result))


async def _close_undeliverable(db, job_id: int, owner: str) -> None:
    """Drop the job of a message that is gone or final; expire one whose time has passed."""
    async with db.transaction() as session:
        job = await _owned_job(session, job_id, owner)
        if job is None:
            return
        message = await session.get(Message, job.message_id, with_for_update=True)
        if message is not None and message.expires_on is not None and message.expires_on <= utcnow():
            apply_status(session, message, "expired", details={"reason": "ExpiresOnPassed"})
        await session.delete(job)


def _implicit(entry: dict[str, Any]) -> bool:
    """The sandbox serving an unconfigured type, or the space's push credentials: no channel row."""
    from onecast.spacepush import service as spacepush

    return (entry["provider"] == "sandbox" and entry["key"][0] == "sandbox") or spacepush.serves(entry)


async def _current_entry(session, entry: dict[str, Any]) -> dict[str, Any] | None:
    """The plan entry against the channel as it is now, so a retry uses the current configuration
    (its revision keys the provider instance, so a fixed config is not served by the old one);
    None when the channel was deleted."""
    if _implicit(entry):
        return entry
    from onecast.channels.models import Channel

    channel = await session.get(Channel, entry["key"][0])
    if channel is None:
        return None
    return {**entry, "provider": channel.provider, "key": [channel.id, channel.revision]}


async def _channel_config(session, entry: dict[str, Any], settings: Settings | None = None) -> dict[str, Any]:
    if entry["provider"] == "sandbox" and entry["key"][0] == "sandbox":
        return {}
    from onecast.spacepush import service as spacepush

    if spacepush.serves(entry):  # nativePush through the API space's push credentials
        return await spacepush.provider_config(session, entry, settings)
    from onecast.channels.models import Channel

    channel = await session.get(Channel, entry["key"][0])
    return channel.config if channel else {}


@dataclass(frozen=True)
class Outcome:
    """What a provider answered for one claimed job, waiting to be recorded."""

    job_id: int
    owner: str
    entry: dict[str, Any]
    result: SendResult


async def apply_outcome(session, settings: Settings, outcome: Outcome) -> None:
    """Record one outcome in `session`'s transaction: sent (with receipts, billing and replies),
    retry with backoff, fall back to the next channel, or fail. Nothing when the lease was lost."""
    entry, result = outcome.entry, outcome.result
    job = await _owned_job(session, outcome.job_id, outcome.owner)
    if job is None:
        return
    message = await session.get(Message, job.message_id, with_for_update=True)
    message.attempts += 1
    job.attempts += 1
    if result.ok:
        if result.record is not None:  # the provider's own record, committed with the outcome
            result = replace(result, provider_message_id=await result.record(session))
        await _sent(session, message, entry, result)
        await debit_send(session, message, entry)
        await session.delete(job)
        for reply in result.replies:
            await receive_inbound(session, message.space_id, "provider:" + entry["provider"], InboundIn.model_validate({
                "channel": entry["channel"], "from": inbound_from_address(entry["type"], reply.from_address),
                "body": reply.body, "correlation": {"messageId": message.id}}))
        return
    details = {"reason": result.error_code, "error": result.error, "attempt": job.attempts, **result.details}
    if not result.permanent and job.attempts < settings.max_attempts:
        delay = retry_delay(job.attempts, settings.retry_base_seconds, settings.retry_max_seconds)
        # the vendor's back-off (Telegram retry_after, HTTP Retry-After) comes first: sooner is refused again
        delay = max(delay, retry_after_seconds(result.details.get("retryAfter")) or 0.0)
        apply_status(session, message, "retrying", channel=entry["channel"],
                     details={**details, "retryInSeconds": round(delay, 3)})
        job.available_at = utcnow() + timedelta(seconds=delay)
        job.lease_owner = None
        return
    if message.plan_index + 1 < len(message.plan):
        _fall_back(session, message, entry, details)
        job.attempts = 0
        job.available_at = utcnow()
        job.lease_owner = None
        return
    apply_status(session, message, "failed", channel=entry["channel"],
                 details={**details, "permanent": result.permanent})
    await session.delete(job)


async def _sent(session, message: Message, entry: dict[str, Any], result: SendResult) -> None:
    await provider_ids.assign(session, message, result.provider_message_id)
    if "segments" in entry:
        message.segment_count = entry["segments"]
    details = {"providerMessageId": result.provider_message_id, "address": entry["address"], **result.details}
    apply_status(session, message, "sent", channel=entry["channel"], details=details)
    for receipt in result.receipts:
        apply_status(session, message, receipt.status, channel=entry["channel"], details=receipt.details)


def vendor_failed(session, message: Message, channel: str, result: SendResult,
                  at: datetime | None = None) -> bool:
    """A failure the vendor reports after accepting the message (a status webhook) is treated as a
    permanent failure at send: the next rule of the plan gets the message (a new delivery job), else
    it fails. The vendor already tried to deliver it, so the same channel is not tried again.
    False when the message is no longer sent on `channel` (a late or repeated report)."""
    if message.status != "sent" or message.channel != channel or not message.plan:
        return False
    details = {"reason": result.error_code, "error": result.error, "reportedBy": "statusWebhook", **result.details}
    if message.plan_index + 1 < len(message.plan):
        _fall_back(session, message, message.plan[message.plan_index], details)
        session.add(OutboxJob(space_id=message.space_id, message_id=message.id, available_at=utcnow(),
                              created_on=utcnow()))
        return True
    return apply_status(session, message, "failed", channel=channel, at=at,
                        details={**details, "permanent": result.permanent})


def _fall_back(session, message: Message, entry: dict[str, Any], details: dict[str, Any]) -> None:
    nxt = message.plan[message.plan_index + 1]
    message.plan_index += 1
    message.channel = nxt["channel"]
    attempts_log = list((message.status_details or {}).get("failedChannels", []))
    attempts_log.append({"channel": entry["channel"], **details})
    message.status_details = {**(message.status_details or {}), "failedChannels": attempts_log}
    apply_status(session, message, "retrying", channel=nxt["channel"], fallback=True,
                 details={**details, "fallbackFrom": entry["channel"], "fallbackTo": nxt["channel"]})
