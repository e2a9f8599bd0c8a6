"""Inbound messages: stored, linked to the profile with the sender's address, announced."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.channels.types import ADDRESS_FIELD
from onecast.chat import inbox as chat_inbox
from onecast.kit.auth import Principal
from onecast.kit.clock import as_utc, iso, utcnow
from onecast.kit.events import record_event
from onecast.kit.ids import new_id
from onecast.kit.text import clean, text_errors
from onecast.messages import provider_ids
from onecast.messages.models import Message, MessageStatusEvent
from onecast.messages.schemas import InboundIn
from onecast.messages.service import get_message
from onecast.messages.status import move_forward
from onecast.profiles import service as profiles
from onecast.profiles.models import Profile
from onecast.rules.inbound import apply_inbound_rules


async def find_profile_by_address(session: AsyncSession, space_id: str,
                                  address: dict[str, Any]) -> Profile | None:
    if address.get("profileId"):
        return await profiles.get_profile(session, space_id, str(address["profileId"]))
    for name, value in address.items():
        candidates = [str(value)]
        if name == "phoneNumber":  # stored with or without the international '+'
            digits = str(value).lstrip("+")
            candidates = [digits, "+" + digits]
        stmt = select(Profile).where(Profile.space_id == space_id, Profile.deleted_on.is_(None),
                                     Profile.data[name].as_string().in_(candidates)).limit(1)
        profile = (await session.execute(stmt)).scalar_one_or_none()
        if profile is not None:
            return profile
    return None


async def receive_once(session: AsyncSession, space_id: str, actor: str, body: InboundIn,
                       vendor_id: str | None) -> Message | None:
    """receive_inbound, unless the channel already received the message the vendor calls `vendor_id`
    (vendors deliver again what they are unsure we got): then None, and nothing is written."""
    if vendor_id and await provider_ids.find(session, space_id, body.channel, vendor_id, "inbound") is not None:
        return None
    return await receive_inbound(session, space_id, actor, body, vendor_id=vendor_id)


async def receive_inbound(session: AsyncSession, space_id: str, actor: str, body: InboundIn,
                          vendor_id: str | None = None) -> Message:
    """Store an inbound message, link it to the profile with that address, emit message.inbound."""
    now = utcnow()
    request = body.model_dump(mode="json", by_alias=True, exclude_none=True)
    if text_errors(request):  # a provider's text (SMPP, mail, replies) is cleaned; the API refuses it before
        body = InboundIn.model_validate(clean(request))
        request = body.model_dump(mode="json", by_alias=True, exclude_none=True)
    profile = await find_profile_by_address(session, space_id, body.from_)
    correlation = dict(body.correlation or {})
    if correlation.get("messageId"):
        original = (await session.execute(select(Message).where(
            Message.id == str(correlation["messageId"]), Message.space_id == space_id))).scalar_one_or_none()
        if original is not None:
            correlation["metadata"] = (original.content or {}).get("metadata") or {}
            request["correlation"] = correlation
    message = Message(
        id=new_id(), space_id=space_id, direction="inbound", revision=1, attempts=0, redacted=False, profile_id=profile.id if profile else None,
        status="received", request=request, plan=[], content={"metadata": body.metadata or {}},
        channel=body.channel, status_details={"channel": body.channel}, title=body.title, body=body.body,
        conversation_id=body.conversationId, created_on=now, updated_on=now, created_by=actor, updated_by=actor,
        provider_message_id=provider_ids.vendor_key(vendor_id) if vendor_id else None,
    )
    session.add(message)
    session.add(MessageStatusEvent(message_id=message.id, status="received", channel=body.channel, timestamp=now,
                                   details={}))
    payload = {**request, "id": message.id, "profileId": message.profile_id, "receivedOn": iso(now)}
    event = record_event(session, space_id, "message.inbound", message.id, payload)
    await session.flush()
    await apply_inbound_rules(session, space_id, message, profile)  # keywords: STOP/START/HELP, rules
    await chat_inbox.on_inbound(session, space_id, message)  # opens or continues a team's chat
    if (message.conversation_id, message.profile_id) != (body.conversationId, payload["profileId"]):
        # a team's chat took the message: the event names its conversation (and the profile made for it)
        event.payload = {**payload, "conversationId": message.conversation_id, "profileId": message.profile_id}
    return message


async def post_inbound_status(session: AsyncSession, principal: Principal, message_id: str, status: str,
                              details: dict[str, Any], at: datetime) -> Message:
    message = await get_message(session, principal.space_id, message_id, lock=True, direction="inbound")
    move_forward(session, message, status, details=details, at=as_utc(at))
    return message


def inbound_from_address(channel_type: str, address: str) -> dict[str, str]:
    """The `from` object of an inbound message arriving from a plain address."""
    name = ADDRESS_FIELD.get(channel_type, "profileId")
    value = address.lstrip("+") if name == "phoneNumber" else address
    return {name: value}
