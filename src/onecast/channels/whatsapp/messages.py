"""Onecast content -> WhatsApp Cloud API message objects (POST /{phone-number-id}/messages).
Each returned dict lacks `messaging_product` and `to`, which the provider adds."""
from __future__ import annotations

from typing import Any

from onecast.channels import capabilities as caps
from onecast.channels.base import OutboundMessage
from onecast.channels.vendor_http import Media, media_of, text_of

MEDIA_TYPES = {"image": "image", "audio": "audio", "video": "video", "file": "document"}
CAPTION_MAX = 1024


def template_object(data: dict[str, Any]) -> dict[str, Any]:
    """`whatsapp/template` part data: {name, language: "en_US" | {code}, components: [...]}.
    `parameters` (a list of body parameter values or objects) is a shorthand for a body component."""
    language = data["language"]
    template: dict[str, Any] = {"name": data["name"],
                                "language": language if isinstance(language, dict) else {"code": str(language)}}
    components = list(data.get("components") or [])
    if data.get("parameters"):
        components.append({"type": "body", "parameters": [
            p if isinstance(p, dict) else {"type": "text", "text": str(p)} for p in data["parameters"]]})
    if components:
        template["components"] = components
    if data.get("namespace"):
        template["namespace"] = data["namespace"]
    return template


def media_object(media: Media, media_id: str | None) -> dict[str, Any]:
    kind = MEDIA_TYPES[media.kind]
    obj: dict[str, Any] = {"id": media_id} if media_id else {"link": media.url}
    if media.caption and kind != "audio":
        obj["caption"] = media.caption
    if kind == "document" and media.name:
        obj["filename"] = media.name
    return {"type": kind, kind: obj}


def _buttons(data: dict[str, Any]) -> dict[str, Any]:
    return {"type": "interactive", "interactive": {
        "type": "button", "body": {"text": data["text"]},
        **({"footer": {"text": data["footer"]}} if data.get("footer") else {}),
        "action": {"buttons": [{"type": "reply", "reply": {"id": str(b["id"]), "title": str(b["title"])}}
                               for b in data["buttons"]]}}}


def _list(data: dict[str, Any]) -> dict[str, Any]:
    sections = [{**({"title": s["title"]} if s.get("title") else {}),
                 "rows": [{"id": str(r["id"]), "title": str(r["title"]),
                           **({"description": r["description"]} if r.get("description") else {})}
                          for r in s["rows"]]} for s in data["sections"]]
    return {"type": "interactive", "interactive": {
        "type": "list", "body": {"text": data["text"]},
        **({"footer": {"text": data["footer"]}} if data.get("footer") else {}),
        "action": {"button": data["button"], "sections": sections}}}


def _location(data: dict[str, Any]) -> dict[str, Any]:
    return {"type": "location", "location": {k: data[k] for k in ("latitude", "longitude", "name", "address")
                                             if data.get(k) is not None}}


def build(message: OutboundMessage) -> list[dict[str, Any] | Media]:
    """The messages to send, in order; a Media item is an upload or link the provider resolves
    into a media message. A lone media part takes the text as its caption."""
    text = text_of(message.parts, message.body)
    structured: list[dict[str, Any] | Media] = []
    for part in message.parts:
        kind = caps.kind_of(part)
        if kind == "text":
            continue
        if kind == "template":
            return [{"type": "template", "template": template_object(part["data"])}]
        if kind in caps.MEDIA:
            structured.append(media_of(part, kind))
        elif kind == "location":
            structured.append(_location(part["data"]))
        elif kind == "contacts":
            structured.append({"type": "contacts", "contacts": part["data"]["contacts"]})
        elif kind == "buttons":
            structured.append(_buttons(part["data"]))
        elif kind == "list":
            structured.append(_list(part["data"]))
    if text and len(structured) == 1 and isinstance(structured[0], Media) and structured[0].kind != "audio" \
            and not structured[0].caption and len(text) <= CAPTION_MAX:
        media = structured[0]
        return [Media(media.kind, media.mime, media.url, media.media_id, media.content, media.name, text)]
    if text:
        preview = bool(message.options.get("enableUrlPreview"))
        structured.insert(0, {"type": "text", "text": {"body": text, "preview_url": preview}})
    return structured
