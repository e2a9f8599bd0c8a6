"""Messaging API operations over the core services (channels, templates, profiles, messages,
events). Translation only: every rule is the core's."""
from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.channels import service as channels
from onecast.compat.msgapi import translate
from onecast.compat.msgapi.envelope import MsgApiProblem, invalid
from onecast.compat.msgapi.models import MsgApiWebhook
from onecast.compat.msgapi.schemas import (
    ContactPrefsUpdate,
    DigitalEventDto,
    DigitalObjectDto,
    OutBoundMsg,
    SessionQueueAssignment,
    SessionStatusClose,
)
from onecast.kit.auth import Principal
from onecast.kit.clock import iso, utcnow
from onecast.kit.events import record_event
from onecast.kit.ids import new_id
from onecast.kit.models import Event
from onecast.messages import service as messages
from onecast.messages.models import Message
from onecast.messages.schemas import MessageIn
from onecast.profiles import service as profiles
from onecast.templates import service as templates
from onecast.templates.models import Template


async def list_channels(session: AsyncSession, space_id: str, sandbox: bool) -> list[dict[str, Any]]:
    views = await channels.list_channels(session, space_id)
    return [translate.channel_view(v) for v in views if sandbox or not v.get("sandbox")]


async def list_templates(session: AsyncSession, space_id: str, channel_id: str | None,
                         channel_status: str | None) -> list[dict[str, Any]]:
    views, _ = await templates.list_templates(session, space_id, include_deleted=False, limit=1000, after=None,
                                              channel_id=channel_id,
                                              channel_status=channel_status.lower() if channel_status else None)
    return [translate.template_view(v) for v in views]


def client_app(row: MsgApiWebhook) -> dict[str, Any]:
    """The ClientApp the webhook belongs to; the verify token is sent as `x-verify-token` on callbacks."""
    return {"id": row.app_id, "webhook": row.url, "appHook": row.url, "appMode": "WEBHOOK", "type": "WEBHOOK",
            "secret": {"verifyToken": row.verify_token}, "readOnly": False, "shared": False}


async def set_webhook(session: AsyncSession, space_id: str, url: str) -> dict[str, Any]:
    row = await session.get(MsgApiWebhook, space_id, with_for_update=True)
    now = utcnow()
    if row is None:
        last = (await session.execute(select(func.max(Event.seq)).where(Event.space_id == space_id))).scalar()
        row = MsgApiWebhook(space_id=space_id, app_id=new_id(), url=url, verify_token=secrets.token_urlsafe(24),
                            last_seq=last or 0, failures=0, created_on=now, updated_on=now)
        session.add(row)
    else:
        row.url, row.updated_on = url, now
    await session.flush()
    return client_app(row)


async def contact_lang(session: AsyncSession, principal: Principal, body: ContactPrefsUpdate) -> dict[str, Any]:
    await profiles.upsert_profile(session, principal.space_id, body.contactId, {"lang": body.lang}, principal.actor)
    return _event("CONTACT_PREFS_UPDATED", contact_id=body.contactId)


async def push_data(session: AsyncSession, principal: Principal, body: DigitalObjectDto) -> dict[str, Any]:
    fields = dict(body.data)
    if body.type:
        fields["type"] = body.type
    if body.links:
        fields["links"] = [link.model_dump(exclude_none=True) for link in body.links]
    await profiles.upsert_profile(session, principal.space_id, body.id, fields, principal.actor)
    return body.model_dump(exclude_none=True)


async def push_event(session: AsyncSession, principal: Principal, body: DigitalEventDto) -> dict[str, Any]:
    contact_id = str(body.id)
    record_event(session, principal.space_id, "customer.event", contact_id, {
        "eventCode": body.eventName, "contactId": contact_id,
        "links": [link.model_dump(exclude_none=True) for link in body.links]})
    return body.model_dump(exclude_none=True)


async def _template_id(session: AsyncSession, space_id: str, msg: OutBoundMsg) -> str | None:
    """The core template a `template` message names, by id or by its HSM code (+ lang)."""
    meta = msg.template
    if meta is None:
        return None
    if meta.id:
        found = (await session.execute(select(Template.id).where(
            Template.space_id == space_id, Template.id == meta.id, Template.deleted_on.is_(None)))).scalar()
        if found:
            return found
    if meta.code:
        stmt = select(Template.id).where(Template.space_id == space_id, Template.deleted_on.is_(None),
                                         Template.document["code"].as_string() == meta.code)
        if meta.lang:
            stmt = stmt.where(Template.document["lang"].as_string() == meta.lang)
        return (await session.execute(stmt.order_by(Template.id).limit(1))).scalar()
    return None


async def _opt(session: AsyncSession, principal: Principal, msg: OutBoundMsg) -> str:
    """optin / optout: no message, the contact's opt-in for the channel changes."""
    to = translate.recipient(msg)
    profile_id = to.pop("profileId", None) or to.get("phoneNumber") or to.get("email")
    profile = await profiles.upsert_for_send(session, principal.space_id, profile_id, to, principal.actor)
    await profiles.set_opt_ins(session, profile, [msg.channelId], msg.type == "optin", principal.actor)
    return profile.id


async def send(session: AsyncSession, principal: Principal, msg: OutBoundMsg) -> dict[str, Any]:
    if msg.messageIdResend:
        original = await messages.get_message(session, principal.space_id, msg.messageIdResend)
        item = MessageIn.model_validate(original.request)
        (message,) = await messages.send_many(session, principal, [item])
        return translate.receipt(message.id, msg, item.templateId)
    if msg.type in ("optin", "optout"):
        return translate.receipt(await _opt(session, principal, msg), msg, None)
    template_id = await _template_id(session, principal.space_id, msg) if msg.type == "template" else None
    try:
        item = MessageIn.model_validate(translate.message_in(msg, msg.channelId, template_id))
    except ValueError as exc:
        raise invalid("message", str(exc).splitlines()[-1] if str(exc) else "invalid") from None
    (message,) = await messages.send_many(session, principal, [item])
    return translate.receipt(message.id, msg, template_id)


def _event(code: str, *, contact_id: str = "", session_id: str = "", event_id: str | None = None) -> dict[str, Any]:
    return {"eventId": event_id or new_id(), "eventCode": code, "type": "OUTBOUND", "contactId": contact_id,
            "sessionId": session_id}


async def _session_messages(session: AsyncSession, space_id: str, session_id: str) -> list[Message]:
    rows = list((await session.execute(select(Message).where(
        Message.space_id == space_id, Message.conversation_id == session_id, Message.deleted_on.is_(None))
        .order_by(Message.created_on, Message.id).limit(1000))).scalars())
    if not rows:
        raise MsgApiProblem(404, "NOT_FOUND", "No session with this sessionId")
    return rows


SESSION_CODES = {"close": "SESSION_CLOSED", "resolve": "SESSION_RESOLVED", "routing": "SESSION_ROUTED"}


async def session_action(session: AsyncSession, principal: Principal, action: str,
                         body: SessionStatusClose) -> dict[str, Any]:
    """close / resolve / routing: recorded as a session event (delivered to the webhook)."""
    rows = await _session_messages(session, principal.space_id, body.sessionId)
    contact_id = next((m.profile_id for m in rows if m.profile_id), "") or ""
    payload = {"eventCode": SESSION_CODES[action], "sessionId": body.sessionId, "contactId": contact_id}
    if isinstance(body, SessionQueueAssignment):
        payload["sessionRouted"] = {"targetQueue": body.queue, "params": body.params,
                                    **({"agent": body.agent} if body.agent else {}),
                                    **({"team": body.team} if body.team else {})}
    event = record_event(session, principal.space_id, f"session.{action}", body.sessionId, payload)
    return {**_event(SESSION_CODES[action], contact_id=contact_id, session_id=body.sessionId, event_id=event.id),
            **({"sessionRouted": payload["sessionRouted"]} if "sessionRouted" in payload else {})}


async def session_messages(session: AsyncSession, space_id: str, session_id: str) -> list[dict[str, Any]]:
    rows = await _session_messages(session, space_id, session_id)
    return [{"id": m.id, "sessionId": session_id, "contactId": m.profile_id or "", "channelId": m.channel or "",
             "type": "I" if m.direction == "inbound" else "O", "text": m.body or "",
             "status": translate.STATUS_CODES.get(m.status, m.status.upper()), "timestamp": iso(m.created_on)}
            for m in rows]
