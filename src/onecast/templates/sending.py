"""A send with `templateId`: the template rendered with the profile, `templateData`, `metadata`
and `to`, into the message content (body, title, parts, per-channel bodies, WhatsApp template part)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.channels.service import ResolvedChannel
from onecast.kit.db import settings_of
from onecast.kit.errors import invalid
from onecast.messages.schemas import MessageIn
from onecast.templates import service
from onecast.templates.models import Template, TemplateApproval

HSM_CHANNEL_TYPES = {"whatsApp"}
WHATSAPP_PART = "whatsapp/template"


def render_values(item: MessageIn, merge_values: dict[str, Any]) -> dict[str, Any]:
    return {**merge_values, "data": item.templateData or {}, "metadata": item.metadata or {},
            "to": item.to.model_dump(exclude_none=True)}


async def _load(session: AsyncSession, space_id: str, template_id: str, field: str) -> Template:
    template = (await session.execute(select(Template).where(
        Template.space_id == space_id, Template.id == template_id, Template.deleted_on.is_(None))
    )).scalar_one_or_none()
    if template is None:
        raise invalid(field, f"there is no template {template_id!r} in this API space", "UnknownTemplate")
    return template


def _own_body(template: Template, channel: ResolvedChannel) -> tuple[str | None, dict[str, Any]]:
    channels = (template.document or {}).get("channels") or {}
    for key in (channel.channel, channel.type):
        if key in channels:
            return key, channels[key]
    return None, {}


def _is_hsm(template: Template, channel: ResolvedChannel) -> bool:
    return channel.type in HSM_CHANNEL_TYPES and bool((template.document or {}).get("code"))


def _texts(template: Template, channels: list[ResolvedChannel]) -> dict[str, str]:
    """Every Liquid text this send renders, by field: the text parts, the title, and each
    channel's own body, title, htmlBody and (WhatsApp) params."""
    doc = template.document or {}
    texts = {f"messageParts[{i}].data": part["data"] for i, part in enumerate(doc.get("messageParts") or [])
             if service.TEXT_PART.match(part.get("type", "")) and isinstance(part.get("data"), str)}
    if doc.get("title") is not None:
        texts["title"] = doc["title"]
    for channel in channels:
        key, own = _own_body(template, channel)
        texts.update({f"channels.{key}.{name}": own[name] for name in ("body", "title", "htmlBody")
                      if own.get(name) is not None})
        if _is_hsm(template, channel):
            texts.update({f"channels.{key}.params[{i}]": p for i, p in enumerate(own.get("params") or [])})
    return texts


def _parts(template: Template, rendered: dict[str, str]) -> list[dict[str, Any]]:
    parts = []
    for i, part in enumerate((template.document or {}).get("messageParts") or []):
        field = f"messageParts[{i}].data"
        parts.append({**part, "data": rendered[field]} if field in rendered else dict(part))
    return parts


async def _approval(session: AsyncSession, template: Template, channel: ResolvedChannel,
                    field: str) -> TemplateApproval:
    approvals = {a.channel_id: a for a in (await session.execute(select(TemplateApproval).where(
        TemplateApproval.space_id == template.space_id, TemplateApproval.template_id == template.id))).scalars()}
    approval = approvals.get(channel.channel) or approvals.get(channel.type)
    if approval is None or approval.status != "approved":
        status = approval.status if approval else "not submitted"
        raise invalid(field, f"template {template.id!r} is not approved for channel {channel.channel!r} "
                             f"({status})", "TemplateNotApproved")
    return approval


def _whatsapp_part(template: Template, channel: ResolvedChannel, approval: TemplateApproval,
                   rendered: dict[str, str]) -> dict[str, Any]:
    key, own = _own_body(template, channel)
    doc = template.document or {}
    params = [rendered[f"channels.{key}.params[{i}]"] for i in range(len(own.get("params") or []))]
    data = {"templateId": approval.provider_template_id, "name": doc["code"], "language": doc.get("lang"),
            "category": doc.get("category"), "params": params}
    return {"type": WHATSAPP_PART, "channels": [channel.channel],
            "data": {k: v for k, v in data.items() if v is not None}}


def _alone_on_hsm_channels(parts: list[dict[str, Any]], channels: list[ResolvedChannel]) -> list[dict[str, Any]]:
    """WhatsApp sends an approved template on its own: the template's other parts go to the
    other channels of the send only (and are left out when there are none)."""
    hsm = {c for p in parts if p.get("type") == WHATSAPP_PART for c in p["channels"]}
    if not hsm:
        return parts
    others = [c.channel for c in channels if c.channel not in hsm]
    kept = []
    for part in parts:
        if part.get("type") != WHATSAPP_PART:
            part = {**part, "channels": [c for c in (part.get("channels") or others) if c not in hsm]}
            if not part["channels"]:
                continue
        kept.append(part)
    return kept


async def apply_template(session: AsyncSession, space_id: str, item: MessageIn, channels: list[ResolvedChannel],
                         content: dict[str, Any], merge_values: dict[str, Any], prefix: str) -> dict[str, Any]:
    field = f"{prefix}templateId"
    template = await _load(session, space_id, item.templateId, field)
    approvals = {c.channel: await _approval(session, template, c, field) for c in channels if _is_hsm(template, c)}
    rendered = await service.render_texts(session, settings_of(session), template, _texts(template, channels),
                                          render_values(item, merge_values))
    parts = _parts(template, rendered)
    body = next((p["data"] for p in parts if p.get("type") == "text/plain" and isinstance(p.get("data"), str)),
                None)
    if body is None:
        body = next((p["data"] for p in parts if service.TEXT_PART.match(p.get("type", ""))
                     and isinstance(p.get("data"), str)), None)
    title = rendered.get("title")
    own_bodies: dict[str, dict[str, Any]] = {}
    options = dict(content.get("channelOptions") or {})
    for channel in channels:
        key, own = _own_body(template, channel)
        own_texts = {name: rendered[f"channels.{key}.{name}"] for name in ("body", "title", "htmlBody")
                     if own.get(name) is not None}
        if "htmlBody" in own_texts:
            typed = dict(options.get(channel.type) or {})
            typed.setdefault("htmlBody", own_texts.pop("htmlBody"))
            options[channel.type] = typed
        if own_texts:
            own_bodies[channel.channel] = own_texts
        if channel.channel in approvals:
            parts.append(_whatsapp_part(template, channel, approvals[channel.channel], rendered))
    return {**content, "body": body, "title": title if title is not None else content.get("title"),
            "messageParts": _alone_on_hsm_channels(parts, channels), "channels": own_bodies, "channelOptions": options,
            "templateId": template.id, "templateRevision": template.revision}
