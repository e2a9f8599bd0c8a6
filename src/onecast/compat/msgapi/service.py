"""Messaging API operations over the core services (channels, templates, profiles, messages,
events). Translation only: every rule is the core's."""
from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.channels import service as channels
from onecast.compat.msgapi import callbacks, translate
from onecast.compat.msgapi.envelope import MsgApiProblem
from onecast.compat.msgapi.schemas import (
    ContactPrefsUpdate,
    DigitalEventDto,
    DigitalObjectDto,
    OutBoundMsg,
    SessionQueueAssignment,
    SessionStatusClose,
)
from onecast.kit.auth import Principal
from onecast.kit.errors import Problem
from onecast.kit.events import record_event
from onecast.kit.ids import new_id
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


async def set_webhook(session: AsyncSession, principal: Principal, url: str) -> dict[str, Any]:
    return callbacks.client_app(await callbacks.set_callback(session, principal.space_id, url, principal.actor))


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


async def _template(session: AsyncSession, space_id: str, msg: OutBoundMsg) -> tuple[str, str] | None:
    """The (id, code) of the core template a `template` message names, by id or by its HSM code (+ lang)."""
    meta = msg.template
    if meta is None:
        return None
    live = (Template.space_id == space_id, Template.deleted_on.is_(None))
    code = Template.document["code"].as_string()
    if meta.id:
        found = (await session.execute(select(Template.id, code).where(*live, Template.id == meta.id))).first()
        if found:
            return found[0], found[1] or ""
    if meta.code:
        stmt = select(Template.id, code).where(*live, code == meta.code)
        if meta.lang:
            stmt = stmt.where(Template.document["lang"].as_string() == meta.lang)
        found = (await session.execute(stmt.order_by(Template.id).limit(1))).first()
        if found:
            return found[0], found[1] or ""
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
        return translate.receipt(message.id, msg, item.templateId, None)
    if msg.type in ("optin", "optout"):
        return translate.receipt(await _opt(session, principal, msg), msg, None, None)
    template = await _template(session, principal.space_id, msg) if msg.type == "template" else None
    try:
        item = MessageIn.model_validate(translate.message_in(msg, msg.channelId, template[0] if template else None))
    except ValidationError as exc:
        raise _request_problem(msg, Problem(400, "INVALID_FIELD", "Invalid message", errors=[
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()])) from None
    try:
        (message,) = await messages.send_many(session, principal, [item])
    except Problem as exc:
        raise _request_problem(msg, exc) from None
    return translate.receipt(message.id, msg, *(template or (None, None)))


def _request_problem(msg: OutBoundMsg, exc: Problem) -> MsgApiProblem:
    """A core error, its fields named as the OutBoundMsg names them (`rules[0]` -> `channelId`)."""
    errors = [{**e, "field": translate.request_field(str(e.get("field", "")), msg.type)} for e in exc.errors]
    detail = "; ".join(f"{e['field']}: {e.get('message', '')}" for e in errors[:5]) or exc.detail
    return MsgApiProblem(exc.status, exc.code, detail, errors=errors, headers=exc.headers)


def _event(code: str, *, contact_id: str = "", session_id: str = "", event_id: str | None = None) -> dict[str, Any]:
    return {"eventId": event_id or new_id(), "eventCode": code, "type": "OUTBOUND", "contactId": contact_id,
            "sessionId": session_id}


async def _session_messages(session: AsyncSession, space_id: str, session_id: str) -> list[Message]:
    """A conversation's messages; for a `<channelId>:<contactId>` session, the contact's messages on
    that channel that belong to no conversation."""
    live = (Message.space_id == space_id, Message.deleted_on.is_(None))
    stmt = select(Message).where(*live, Message.conversation_id == session_id)
    rows = list((await session.execute(stmt.order_by(Message.created_on, Message.id).limit(1000))).scalars())
    by_contact = translate.contact_session(session_id)
    if not rows and by_contact is not None:
        channel, contact = by_contact
        addressed = or_(Message.profile_id == contact, *(
            and_(Message.profile_id.is_(None), Message.request[(side, field)].as_string() == contact)
            for side in ("from", "to") for field in ("phoneNumber", "email")))
        stmt = select(Message).where(*live, Message.channel == channel, Message.conversation_id.is_(None), addressed)
        rows = list((await session.execute(stmt.order_by(Message.created_on, Message.id).limit(1000))).scalars())
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
    """ChatMessageDTO: messageId, int64 epoch-ms timestamp, the contact as Channels List types it."""
    rows = await _session_messages(session, space_id, session_id)
    channels = await callbacks.channels_by_id(session, space_id)
    return [translate.chat_message(m.id, session_id, _contact_of(m), m.channel or "", channels,
                                   inbound=m.direction == "inbound", text=m.body or "",
                                   status=translate.STATUS_CODES.get(m.status, m.status.upper()),
                                   provider_id=m.provider_message_id or "", created=m.created_on)
            for m in rows]


def _contact_of(message: Message) -> str:
    if message.profile_id:
        return message.profile_id
    to = (message.request or {}).get("to") or (message.request or {}).get("from") or {}
    return str(next(iter(to.values()), "")) if isinstance(to, dict) else ""

