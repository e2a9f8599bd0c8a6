"""Which space a recipient address belongs to, decided when the client names it (RCPT TO), so
mail for nobody is refused at once and the listener is never an open relay.

- `<number>@<domain>` where a space's Email2SMS adaptor owns <domain>: sent on as an SMS, if the
  envelope sender is one of the adaptor's allowedSenders.
- the `fromAddress` or one of the `inboundAddresses` of an enabled e-mail channel: an inbound
  message on that channel (the oldest such channel wins if two spaces claim one address).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.channels.models import Channel
from onecast.inbound_email.models import Email2SmsAdaptor
from onecast.kit.phone import to_e164
from onecast.kit.text import text_problem
from onecast.spaces.models import ApiSpace


@dataclass(frozen=True)
class InboxRoute:
    space_id: str
    channel: str
    address: str


@dataclass(frozen=True)
class Email2SmsRoute:
    space_id: str
    account_id: str
    phone_number: str  # E.164
    address: str
    settings: dict[str, Any]


@dataclass(frozen=True)
class Refusal:
    reply: str  # the SMTP reply, e.g. "550 5.7.1 ..."


Route = InboxRoute | Email2SmsRoute


def sender_allowed(sender: str, allowed: list[str]) -> bool:
    sender = sender.lower()
    domain = sender.rpartition("@")[2]
    return any(entry == sender or (entry.startswith("@") and entry[1:] == domain) for entry in allowed)


def phone_of(local_part: str) -> str | None:
    """`447700900123`, `+447700900123` or `p447700900123` (for mail systems that dislike '+')."""
    digits = local_part[1:] if local_part[:1] in ("+", "p", "P") else local_part
    if not digits.isdigit():
        return None
    return to_e164(digits)


async def _email2sms(session: AsyncSession, local: str, domain: str, address: str,
                     sender: str) -> Email2SmsRoute | Refusal | None:
    row = (await session.execute(
        select(Email2SmsAdaptor, ApiSpace.account_id).join(ApiSpace, ApiSpace.id == Email2SmsAdaptor.space_id)
        .where(Email2SmsAdaptor.domain == domain, Email2SmsAdaptor.enabled.is_(True),
               ApiSpace.deleted_on.is_(None)))).first()
    if row is None:
        return None
    adaptor, account_id = row
    number = phone_of(local)
    if number is None:
        return Refusal(f"550 5.1.1 {local} is not a phone number")
    if not sender or not sender_allowed(sender, adaptor.settings.get("allowedSenders") or []):
        return Refusal("550 5.7.1 This sender may not send SMS through this domain")
    return Email2SmsRoute(adaptor.space_id, account_id, number, address, adaptor.settings)


async def _inbox(session: AsyncSession, address: str) -> InboxRoute | None:
    rows = await session.execute(
        select(Channel).join(ApiSpace, ApiSpace.id == Channel.space_id)
        .where(Channel.type == "email", Channel.enabled.is_(True), ApiSpace.deleted_on.is_(None))
        .order_by(Channel.created_on, Channel.id))
    for channel in rows.scalars():
        config = channel.config or {}
        addresses = [config.get("fromAddress"), *(config.get("inboundAddresses") or [])]
        if any(isinstance(a, str) and a.lower() == address for a in addresses):
            return InboxRoute(channel.space_id, channel.channel_id, address)
    return None


async def route_for(session: AsyncSession, sender: str, recipient: str) -> Route | Refusal | None:
    address = recipient.strip().lower()
    local, at, domain = address.rpartition("@")
    if not at or not local or text_problem(address):  # no mailbox has such a name (nor could be looked up)
        return None
    found = await _email2sms(session, local, domain, address, sender)
    return found if found is not None else await _inbox(session, address)

