"""What the vendors' inbound webhooks share: finding the channel a webhook URL names, Meta's
signature (`X-Hub-Signature-256`) and subscription check (`hub.challenge`), and turning vendor
events into inbound messages and forward-only status moves."""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import structlog
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.channels.base import SendResult
from onecast.channels.models import Channel
from onecast.delivery.service import vendor_failed
from onecast.kit.errors import Problem, not_found
from onecast.messages import provider_ids
from onecast.messages.inbound import receive_once
from onecast.messages.models import Message
from onecast.messages.schemas import InboundIn, MessagePart
from onecast.messages.status import apply_status
from onecast.spaces.models import ApiSpace

log = structlog.get_logger("onecast.channels.webhooks")
MAX_BODY = 100_000
MAX_PARTS = 20
PUBLIC = {"security": []}  # webhooks authenticate by signature or secret, not by API key


async def webhook_channel(session: AsyncSession, space_id: str, channel_id: str, providers: set[str]) -> Channel:
    """The enabled channel a webhook URL names; 404 when there is none served by `providers`."""
    channel = (await session.execute(
        select(Channel).join(ApiSpace, ApiSpace.id == Channel.space_id)
        .where(Channel.space_id == space_id, Channel.channel_id == channel_id, Channel.enabled.is_(True),
               ApiSpace.deleted_on.is_(None)))).scalar_one_or_none()
    if channel is None or channel.provider not in providers:
        raise not_found("Channel")
    return channel


async def sibling_channel(session: AsyncSession, channel: Channel, key: str, value: str) -> Channel | None:
    """The enabled channel of the same space and provider whose config `key` is `value`, when it
    trusts the same Meta app (same app secret: the notification was signed with it)."""
    rows = (await session.execute(select(Channel).where(
        Channel.space_id == channel.space_id, Channel.provider == channel.provider, Channel.enabled.is_(True),
        Channel.id != channel.id))).scalars()
    secret = channel.config.get("appSecret")
    return next((c for c in rows if str(c.config.get(key) or "") == value and secret
                 and hmac.compare_digest(str(c.config.get("appSecret") or ""), str(secret))), None)


@asynccontextmanager
async def one_event(session: AsyncSession, counts: dict[str, int]) -> AsyncIterator[None]:
    """Process one vendor event in a savepoint: a malformed event is skipped (and counted) rather
    than failing the whole notification, which the vendor would retry for days. An IntegrityError
    is the same event stored meanwhile by another process (uq_messages_channel_provider_id)."""
    try:
        async with session.begin_nested():
            yield
    except (TypeError, AttributeError, KeyError, ValueError, IndexError, Problem, IntegrityError) as exc:
        counts["skipped"] = counts.get("skipped", 0) + 1
        log.warning("webhook_event_skipped", error=repr(exc)[:300])


def as_list(value: Any) -> list[Any]:
    """A vendor field that should be a list; anything else counts as empty."""
    return value if isinstance(value, list) else []


def hub_signature_ok(secret: str | None, body: bytes, header: str | None) -> bool:
    """Meta signs the raw body: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 with the app secret>`."""
    if not secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[len("sha256="):].strip().lower())


def require_hub_signature(secret: str | None, body: bytes, header: str | None) -> None:
    if not hub_signature_ok(secret, body, header):
        raise Problem(401, "InvalidSignature", "X-Hub-Signature-256 is missing or does not match the app secret")


def hub_challenge(config: dict[str, Any], mode: str | None, token: str | None, challenge: str | None) -> str:
    """Meta's subscription check: echo `hub.challenge` when the verify token matches."""
    expected = config.get("verifyToken")
    if mode != "subscribe" or not expected or not token or not hmac.compare_digest(str(expected), token):
        raise Problem(403, "VerificationFailed", "hub.mode must be subscribe and hub.verify_token must match "
                                                 "the channel's verifyToken")
    if not challenge:
        raise Problem(400, "MissingChallenge", "hub.challenge is required")
    return challenge


def from_epoch(value: Any) -> datetime | None:
    """Vendor timestamps: seconds (WhatsApp, Telegram) or milliseconds (Messenger) since 1970."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if number > 1e11:
        number /= 1000.0
    try:
        return datetime.fromtimestamp(number, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


async def by_provider_id(session: AsyncSession, channel: Channel, provider_message_id: str) -> Message | None:
    """The message this channel sent that the vendor calls `provider_message_id`."""
    return await provider_ids.find(session, channel.space_id, channel.channel_id, provider_message_id)


async def provider_status(session: AsyncSession, channel: Channel, provider_message_id: str, status: str,
                          details: dict[str, Any], at: datetime | None) -> bool:
    """Move the message the vendor knows by this id forward; statuses for unknown ids or ones that
    would move backwards are ignored (vendors retry non-2xx answers forever), so a repeated status
    changes nothing."""
    message = await by_provider_id(session, channel, provider_message_id)
    if message is None:
        return False
    return apply_status(session, message, status, details=details, at=at)


async def vendor_failure(session: AsyncSession, channel: Channel, provider_message_id: str, result: SendResult,
                         at: datetime | None) -> bool:
    """A vendor reporting later that a message it accepted failed: the same reason code and
    fall-back to the next rule as the failure at send time (onecast.delivery.service.vendor_failed)."""
    message = await by_provider_id(session, channel, provider_message_id)
    if message is None:
        return False
    return vendor_failed(session, message, channel.channel_id, result, at)


async def inbound(session: AsyncSession, channel: Channel, sender: dict[str, str], *, vendor_id: str | None,
                  body: str | None, parts: list[dict[str, Any]], channel_data: dict[str, Any],
                  to: dict[str, Any] | None = None, reply_to: str | None = None,
                  metadata: dict[str, Any] | None = None) -> Message | None:
    """Store an inbound message; `reply_to` (the vendor id of the message it answers) correlates it.
    None when the channel already has the message the vendor calls `vendor_id` (a retried webhook)."""
    correlation = None
    if reply_to:
        original = await by_provider_id(session, channel, reply_to)
        if original is not None:
            correlation = {"messageId": original.id}
    kept = [p for p in parts if _valid_part(p)][:MAX_PARTS]  # the raw vendor message keeps the rest
    try:
        data = InboundIn.model_validate({
            "channel": channel.channel_id, "from": sender, "to": to,
            "body": body[:MAX_BODY] if isinstance(body, str) else None, "messageParts": kept or None,
            "channelData": {channel.type: channel_data}, "correlation": correlation, "metadata": metadata or None})
    except ValidationError as exc:
        raise Problem(400, "InvalidNotification", f"the notification cannot become an inbound message: "
                                                  f"{exc.errors()[0].get('msg')}") from None
    return await receive_once(session, channel.space_id, f"provider:{channel.provider}", data, vendor_id)


def _valid_part(part: dict[str, Any]) -> bool:
    try:
        MessagePart.model_validate(part)
    except ValidationError:
        return False
    return True
