"""Seed 003 callbacks as webhooks of the webhooks domain: a space's callback URL (POST
/api/v1/config/webhook) is a webhook with the `msgapi` payload format, so its deliveries are
signed, sent through the guarded transport, retried and disabled like every webhook. This module
is the format: an event as the InBoundWrapper (with `x-verify-token`), then, after an inbound
message's callback, the `/contact/info` callback whose answer updates the contact's profile."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.channels import service as channels
from onecast.compat.msgapi import translate
from onecast.kit.clock import utcnow
from onecast.kit.errors import Problem
from onecast.kit.ids import new_id
from onecast.profiles import service as profiles
from onecast.webhooks import formats
from onecast.webhooks.models import Webhook
from onecast.webhooks.signing import new_secret

log = structlog.get_logger()
FORMAT = "msgapi"
# The events the InBoundWrapper reports (translate.callback answers None for others).
EVENTS = (
    "message.inbound",
    *(f"message.{s}" for s in translate.STATUS_CODES),
    "session.close",
    "session.resolve",
    "session.routing",
    "customer.event",
)


async def channels_by_id(session: AsyncSession, space_id: str) -> dict[str, dict[str, Any]]:
    """The space's MsgChannel views (Channels List with sandbox=true) by channelId."""
    return {v["id"]: translate.channel_view(v) for v in await channels.list_channels(session, space_id)}


async def render(db: Any, hook: Webhook, event: dict[str, Any]) -> tuple[Any, dict[str, str]] | None:
    options = hook.format_options or {}
    async with db.read() as session:
        channels = await channels_by_id(session, hook.space_id)
    body = translate.callback(event, {"appId": options.get("appId", hook.id)}, channels)
    return None if body is None else (body, {"x-verify-token": options.get("verifyToken", "")})


async def ask_contact_info(db: Any, client: httpx.AsyncClient, hook: Webhook, body: Any) -> None:
    """POST /api/v1/contact/info for each contact of an inbound message; the app's ContactInfoUpdate
    answer lands on the contact's profile. Best effort: a failure is logged, never retried."""
    url = translate.contact_info_url(hook.url)
    if url is None or not isinstance(body, dict) or body.get("type") != "messages":
        return
    token = (hook.format_options or {}).get("verifyToken", "")
    for contact in body.get("contacts") or []:
        if not contact.get("contactId"):
            continue
        try:
            r = await client.post(url, json=contact, headers={"x-verify-token": token})
            fields = translate.contact_info_fields(r.json()) if r.status_code < 300 and r.content else {}
            if fields:
                async with db.transaction() as session:
                    await profiles.upsert_profile(
                        session, hook.space_id, str(contact["contactId"]), fields, "msgapi:contact-info"
                    )
        except (httpx.HTTPError, ValueError, Problem) as exc:
            log.warning("msgapi_contact_info_failed", space_id=hook.space_id, error=repr(exc))


formats.register(FORMAT, formats.PayloadFormat(render=render, events=EVENTS, after_delivered=ask_contact_info))


def client_app(hook: Webhook) -> dict[str, Any]:
    """The ClientApp the callback belongs to; the verify token is sent as `x-verify-token`."""
    options = hook.format_options or {}
    return {
        "id": options.get("appId", hook.id),
        "webhook": hook.url,
        "appHook": hook.url,
        "appMode": "WEBHOOK",
        "type": "WEBHOOK",
        "secret": {"verifyToken": options.get("verifyToken", "")},
        "readOnly": False,
        "shared": False,
    }


async def set_callback(session: AsyncSession, space_id: str, url: str, actor: str) -> Webhook:
    """The space's callback webhook, created or pointed at `url` (enabled again if it was disabled)."""
    hook = (
        await session.execute(
            select(Webhook)
            .where(Webhook.space_id == space_id, Webhook.payload_format == FORMAT, Webhook.deleted_on.is_(None))
            .with_for_update()
        )
    ).scalar_one_or_none()
    now = utcnow()
    if hook is None:
        hook_id = new_id()
        hook = Webhook(
            id=hook_id,
            space_id=space_id,
            name="Messaging APIs v1.0 callback",
            secret=new_secret(),
            previous_secrets=[],
            subscriptions=[{"type": name} for name in EVENTS],
            payload_format=FORMAT,
            format_options={"appId": hook_id, "verifyToken": secrets.token_urlsafe(24)},
            batch=False,
            max_batch_size=1,
            batch_timeout=0,
            enabled=True,
            revision=1,
            created_on=now,
            created_by=actor,
        )
        session.add(hook)
    else:
        hook.revision += 1
        hook.enabled, hook.disabled_reason, hook.failing_since = True, None, None
    hook.url, hook.updated_on, hook.updated_by = url, now, actor
    await session.flush()
    return hook
