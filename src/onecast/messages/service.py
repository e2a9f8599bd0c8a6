"""The One API: send, batch, read, redact, delete and status receipts."""
from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.billing.service import check_credit
from onecast.channels.service import enabled_channels, resolve
from onecast.channels.whatsapp import window as whatsapp_window
from onecast.chat import inbox as chat_inbox
from onecast.delivery.models import OutboxJob
from onecast.kit.auth import Principal
from onecast.kit.clock import as_utc, utcnow
from onecast.kit.db import after_commit
from onecast.kit.errors import Problem, invalid, not_found
from onecast.kit.ids import new_id
from onecast.messages import render
from onecast.messages.models import Message, MessageStatusEvent
from onecast.messages.plan import build_plan
from onecast.messages.schemas import MessageIn
from onecast.messages.status import apply_status, move_forward
from onecast.observability.metrics import ACCEPTED
from onecast.profiles import service as profiles
from onecast.profiles.models import Profile
from onecast.spaces.models import ApiSpace
from onecast.templates.hook import compose_content

IN_FLIGHT = {"processing", "retrying"}


def _merge_values(item: MessageIn, profile: Profile | None) -> dict[str, Any]:
    to = item.to.model_dump(exclude_none=True)
    profile_fields = {**to, **(profile.data if profile else {})}
    if profile is not None:
        profile_fields["id"] = profile.id
    return {"profile": profile_fields, "profileId": profile.id if profile else None}


def _render(item: MessageIn, profile: Profile | None) -> dict[str, Any]:
    values = _merge_values(item, profile)
    body = render.render_text(item.body, values)
    title = render.render_text(item.title, values)
    custom_values = {**values, "body": body, "title": title}
    return {
        "body": body,
        "title": title,
        "customBody": render.render_value(item.customBody, custom_values) if item.customBody else None,
        "metadata": render.render_value(item.metadata, values) if item.metadata else {},
        "channelOptions": item.channelOptions.model_dump(by_alias=True, exclude_none=True)
        if item.channelOptions else {},
        "messageParts": [p.model_dump(exclude_none=True) for p in item.messageParts or []],
    }


async def _prepare(session: AsyncSession, principal: Principal, space: ApiSpace, configured: list,
                   item: MessageIn, prefix: str, deliver_at: datetime | None = None) -> Message:
    now = utcnow()
    resolved = []
    for i, rule in enumerate(item.rules):
        channel = resolve(rule, configured)
        if channel is None:
            raise invalid(f"{prefix}rules[{i}]", f"there is no channel {rule!r} in this API space", "UnknownChannel")
        resolved.append(channel)
    expires_on = as_utc(item.expiresOn)
    if expires_on is not None and expires_on <= now:
        raise invalid(f"{prefix}expiresOn", "is in the past", "ExpiresOnInPast")
    profile = None
    if item.to.profileId:
        fields = item.to.model_dump(exclude_none=True, exclude={"profileId"})
        profile = await profiles.upsert_for_send(session, space.id, item.to.profileId, fields, principal.actor)
    message_id = new_id()
    content = await compose_content(session, space.id, item, resolved, _render(item, profile),
                                    _merge_values(item, profile), message_id, prefix)
    plan = build_plan(item, resolved, profile, space.optin_defaults or {}, content, prefix)
    await whatsapp_window.screen(session, space.id, plan, content, prefix)
    first = plan.entries[0] if plan.entries else None
    message = Message(
        id=message_id, space_id=space.id, direction="outbound", revision=1, attempts=0, redacted=False, profile_id=profile.id if profile else None,
        status="processing", request=item.model_dump(mode="json", by_alias=True, exclude_none=True),
        plan=plan.entries, plan_index=0, content=content, channel=first["channel"] if first else None,
        status_details={"channelId": first["channel"] if first else None,
                        "channel": first["channel"] if first else None, "skipped": plan.skipped},
        title=content["title"], body=content["body"], conversation_id=item.conversationId,
        expires_on=expires_on, created_on=now, updated_on=now, created_by=principal.actor,
        updated_by=principal.actor,
    )
    session.add(message)
    session.add(MessageStatusEvent(message_id=message.id, status="processing", channel=message.channel,
                                   details={}, timestamp=now))
    if plan.final_status:
        apply_status(session, message, plan.final_status,
                     details={"reason": plan.final_reason, "skipped": plan.skipped})
    else:
        session.add(OutboxJob(space_id=space.id, message_id=message.id, available_at=max(now, deliver_at or now),
                              created_on=now))
    if item.conversationId:  # `{Team_Name}_{profileId}` lands in that team's chat
        await chat_inbox.on_one_api_send(session, space.id, message)
    return message


async def send_many(session: AsyncSession, principal: Principal, items: list[MessageIn],
                    *, indexed: bool = False, deliver_at: datetime | None = None) -> list[Message]:
    """Validate, plan and store every message with its outbox row; all or nothing. `deliver_at`:
    the delivery waits until then (a scheduled send)."""
    space = await session.get(ApiSpace, principal.space_id)
    configured = await enabled_channels(session, principal.space_id)
    messages = []
    for index, item in enumerate(items):
        messages.append(await _prepare(session, principal, space, configured, item,
                                       f"[{index}]." if indexed else "", deliver_at))
        if index % 500 == 499:
            await session.flush()
    await check_credit(session, principal.space_id, messages)
    await session.flush()
    after_commit(session, partial(ACCEPTED.inc, len(messages)))
    return messages


async def get_message(session: AsyncSession, space_id: str, message_id: str, *, lock: bool = False,
                      direction: str | None = "outbound") -> Message:
    """The message with this id; `direction` None: sent or received."""
    stmt = select(Message).where(Message.id == message_id, Message.space_id == space_id,
                                 Message.deleted_on.is_(None))
    if direction is not None:
        stmt = stmt.where(Message.direction == direction)
    if lock:
        stmt = stmt.with_for_update()
    message = (await session.execute(stmt)).scalar_one_or_none()
    if message is None:
        raise not_found("Inbound message" if direction == "inbound" else "Message")
    return message


async def status_history(session: AsyncSession, message_id: str) -> list[MessageStatusEvent]:
    await session.flush()
    rows = await session.execute(select(MessageStatusEvent).where(MessageStatusEvent.message_id == message_id)
                                 .order_by(MessageStatusEvent.id))
    return list(rows.scalars())


def _guard_in_flight(message: Message, action: str) -> None:
    if message.status in IN_FLIGHT:
        raise Problem(409, "MessageInFlight", f"The message is still being delivered ({message.status}); "
                                              f"it can be {action} once it was sent or failed")


async def redact(session: AsyncSession, principal: Principal, message_id: str) -> Message:
    message = await get_message(session, principal.space_id, message_id, lock=True)
    _guard_in_flight(message, "redacted")
    request = dict(message.request or {})
    for key in ("body", "title", "customBody", "messageParts"):
        if key in request:
            request[key] = "[redacted]" if isinstance(request[key], str) else None
    message.request = {k: v for k, v in request.items() if v is not None}
    message.content = {"metadata": (message.content or {}).get("metadata") or {}}
    message.body = message.title = None
    message.redacted = True
    message.revision += 1
    message.updated_on, message.updated_by = utcnow(), principal.actor
    return message


async def delete(session: AsyncSession, principal: Principal, message_id: str) -> None:
    message = await get_message(session, principal.space_id, message_id, lock=True)
    _guard_in_flight(message, "deleted")
    message.deleted_on = utcnow()
    message.updated_by = principal.actor


async def post_status(session: AsyncSession, principal: Principal, message_id: str, status: str,
                      channel: str, details: dict[str, Any], at: datetime | None) -> Message:
    """A receipt from a custom channel (or anyone holding the key): forward only."""
    message = await get_message(session, principal.space_id, message_id, lock=True)
    if not move_forward(session, message, status, channel=channel, details=details, at=as_utc(at)):
        return message
    message.updated_by = principal.actor
    if message.status not in IN_FLIGHT:
        await _cancel_delivery(session, message.id)
    return message


async def _cancel_delivery(session: AsyncSession, message_id: str) -> None:
    job = (await session.execute(select(OutboxJob).where(OutboxJob.message_id == message_id))).scalar_one_or_none()
    if job is not None:
        await session.delete(job)
