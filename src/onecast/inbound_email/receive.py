"""What a received mail becomes, per recipient: an inbound message on the space's e-mail channel,
or (Email2SMS) an SMS sent from the space. All recipients of one mail commit together."""
from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.inbound_email.bounces import Bounce
from onecast.inbound_email.mail import ReceivedMail
from onecast.inbound_email.routing import Email2SmsRoute, InboxRoute, Route
from onecast.kit.auth import Principal
from onecast.kit.errors import Problem
from onecast.messages.inbound import receive_once
from onecast.messages.models import Message
from onecast.messages.schemas import InboundIn, MessageIn
from onecast.messages.service import send_many
from onecast.messages.status import apply_status

ACTOR = "inbound-email"
MAX_BODY = 100_000
MAX_PARTS = 20


class Refused(Exception):
    """The mail is refused with this SMTP reply (nothing of it was stored)."""

    def __init__(self, reply: str) -> None:
        self.reply = reply
        super().__init__(reply)


def _one_line(text: str, limit: int) -> str:
    return " ".join(text.split())[:limit]


async def _our_message(session: AsyncSession, space_id: str, ids: tuple[str, ...]) -> Message | None:
    """The first of `ids` that is one of our Message-IDs `<message id@domain>` in this space."""
    candidates = [c for c in (ref.rpartition("@")[0] for ref in ids[:20] if "@" in ref) if 0 < len(c) <= 36]
    if not candidates:
        return None
    found = {m.id: m for m in (await session.execute(select(Message).where(
        Message.id.in_(candidates), Message.space_id == space_id, Message.direction == "outbound")
        .with_for_update())).scalars()}
    return next((found[c] for c in candidates if c in found), None)


async def _correlation(session: AsyncSession, space_id: str, references: tuple[str, ...]) -> dict[str, str] | None:
    """A reply quotes our Message-ID in In-Reply-To (first) or References."""
    message = await _our_message(session, space_id, references)
    return {"messageId": message.id} if message is not None else None


async def _apply_bounce(session: AsyncSession, space_id: str, bounce: Bounce) -> bool:
    """A report on one of our e-mails moves that message (failed, or delivered when the server
    reports delivery) and is not stored as an inbound message; True when it was ours."""
    message = await _our_message(session, space_id, bounce.original_ids)
    if message is None:
        return False
    details = {k: v for k, v in {"dsnStatus": bounce.status, "diagnostic": bounce.diagnostic,
                                 "recipient": bounce.recipient}.items() if v}
    if bounce.action == "failed":
        apply_status(session, message, "failed", details={"reason": "Bounced", "permanent": True, **details})
    elif bounce.action in ("delivered", "relayed"):
        apply_status(session, message, "delivered", details={"reason": "DeliveryReport", **details})
    return True  # "delayed" and the like: the server is still trying; nothing to store


async def _to_inbox(session: AsyncSession, route: InboxRoute, mail: ReceivedMail, envelope_sender: str) -> None:
    if mail.bounce is not None and await _apply_bounce(session, route.space_id, mail.bounce):
        return
    sender = mail.from_address or envelope_sender
    if not sender:
        raise Refused("550 5.1.7 The mail names no sender")
    parts: list[dict[str, Any]] = [{"type": "text/html", "data": mail.html}] if mail.html is not None else []
    parts += [attachment.as_message_part() for attachment in mail.attachments]
    channel_data = {"messageId": mail.message_id, "envelopeFrom": envelope_sender or None,
                    "attachmentsDropped": max(0, len(parts) - MAX_PARTS) or None}
    try:
        inbound = _inbound(route, mail, sender, parts, channel_data,
                           await _correlation(session, route.space_id, mail.references))
    except ValidationError as exc:
        raise Refused(f"550 5.6.0 The mail cannot be stored: {exc.errors()[0]['msg']}") from None
    # A sender's server delivers again a mail it is unsure we took; its Message-ID (per address:
    # one mail may name several addresses of the channel) tells the repeat apart.
    vendor_id = f"{mail.message_id} {route.address.lower()}" if mail.message_id else None
    await receive_once(session, route.space_id, ACTOR, inbound, vendor_id)


def _inbound(route: InboxRoute, mail: ReceivedMail, sender: str, parts: list[dict[str, Any]],
             channel_data: dict[str, Any], correlation: dict[str, str] | None) -> InboundIn:
    return InboundIn.model_validate({
        "channel": route.channel, "from": {"email": sender[:320]}, "to": {"email": route.address},
        "title": _one_line(mail.subject, 1000) if mail.subject else None,
        "body": mail.readable_text[:MAX_BODY],
        "messageParts": parts[:MAX_PARTS] or None,
        "channelData": {k: v for k, v in channel_data.items() if v is not None},
        "correlation": correlation,
    })


def sms_text(settings: dict[str, Any], mail: ReceivedMail) -> str:
    body = mail.readable_text
    marker = settings.get("endMarker")
    if marker and marker in body:
        body = body.split(marker, 1)[0]
    body = body.strip()
    subject = _one_line(mail.subject or "", 1000)
    content = settings.get("content", "body")
    text = subject if content == "subject" else body if content == "body" else "\n".join(filter(None, (subject, body)))
    return text[: settings.get("maxLength", 2000)].strip()


async def _to_sms(session: AsyncSession, route: Email2SmsRoute, mail: ReceivedMail, envelope_sender: str) -> None:
    text = sms_text(route.settings, mail)
    if not text:
        raise Refused("550 5.6.0 The mail has no text to send as an SMS")
    request: dict[str, Any] = {
        "to": {"phoneNumber": route.phone_number.lstrip("+")}, "body": text, "rules": route.settings["rules"],
        "metadata": {"email2sms": {"from": envelope_sender, "to": route.address, "emailMessageId": mail.message_id}},
    }
    if route.settings.get("from"):
        request["channelOptions"] = {"sms": {"from": route.settings["from"]}}
    try:
        item = MessageIn.model_validate(request)
    except ValidationError as exc:
        raise Refused(f"550 5.6.0 The SMS cannot be sent: {exc.errors()[0]['msg']}") from None
    try:
        await send_many(session, Principal("email2sms", route.space_id, route.account_id), [item])
    except Problem as problem:
        raise Refused(f"550 5.6.0 The SMS cannot be sent: {_one_line(problem.detail, 300)}") from None


async def accept(db, routes: list[Route], mail: ReceivedMail, envelope_sender: str) -> None:
    async with db.transaction() as session:
        for route in routes:
            if isinstance(route, Email2SmsRoute):
                await _to_sms(session, route, mail, envelope_sender)
            else:
                await _to_inbox(session, route, mail, envelope_sender)
