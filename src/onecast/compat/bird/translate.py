"""Bird request -> core `MessageIn`, core message -> Bird message. Pure functions, no I/O."""
from __future__ import annotations

import mimetypes
from typing import Any

from onecast.compat.bird.errors import invalid_fields
from onecast.compat.bird.models import BirdMessage
from onecast.compat.bird.schemas import BirdMessageIn, Contact
from onecast.kit.clock import iso, utcnow
from onecast.messages.models import Message, MessageStatusEvent

# Our status -> Bird's. A failure before any `sent` is Bird's sending_failed, after it delivery_failed.
STATUS = {
    "processing": "accepted",
    "retrying": "processing",
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "expired": "delivery_failed",
    "failed": "sending_failed",
    "filtered": "skipped",
    "received": "delivered",
}
AFTER_SENT = {"failed": "delivery_failed"}

# Bird identifier keys -> the core recipient fields.
IDENTIFIERS = {"phonenumber": "phoneNumber", "emailaddress": "email", "email": "email",
               "telegramchatid": "telegramChatId", "facebook": "fbMessengerId"}


def recipient(contact: Contact, index: int = 0) -> dict[str, Any]:
    """The receiver contact becomes the message's profile (created on send, id = contact id or identifier)."""
    to: dict[str, Any] = {"profileId": contact.id or contact.identifierValue}
    if contact.identifierKey and contact.identifierValue:
        field = IDENTIFIERS.get(contact.identifierKey.lower().replace("_", ""))
        if field is None:
            raise invalid_fields({f"receiver.contacts.{index}.identifierKey": [
                f"unsupported identifier key; one of {', '.join(sorted(IDENTIFIERS))}"]})
        to[field] = contact.identifierValue
    return to


def _media_part(item: Any, kind: str, path: str) -> dict[str, Any]:
    if not isinstance(item, dict) or not isinstance(item.get("mediaUrl"), str):
        raise invalid_fields({path: ["needs a `mediaUrl`"]})
    url = item["mediaUrl"]
    mime = item.get("contentType") or mimetypes.guess_type(url.split("?", 1)[0])[0] or f"{kind}/octet-stream"
    part = {"type": str(mime), "url": url}
    if item.get("filename"):
        part["name"] = str(item["filename"])[:255]
    return part


def _text_of(section: dict[str, Any]) -> str | None:
    text = section.get("text")
    return text if isinstance(text, str) else None


def content(body: dict[str, Any]) -> dict[str, Any]:
    """Bird's `body` ({type, <type>: {...}}) as core content fields."""
    kind = body.get("type")
    section = body.get(kind) if isinstance(kind, str) else None
    if not isinstance(section, dict):
        raise invalid_fields({"body": ["needs `type` and an object named after it, e.g. {type: text, text: {text}}"]})
    subject = (section.get("metadata") or {}).get("subject") if isinstance(section.get("metadata"), dict) else None
    if kind == "text":
        if not _text_of(section):
            raise invalid_fields({"body.text.text": ["is required"]})
        return {"body": section["text"], "title": subject}
    if kind == "html":
        html = section.get("html")
        if not isinstance(html, str) or not html:
            raise invalid_fields({"body.html.html": ["is required"]})
        return {"body": _text_of(section) or "", "title": subject,
                "channelOptions": {"email": {"htmlBody": html}}}
    if kind in ("image", "file"):
        items = section.get("images" if kind == "image" else "files")
        if not isinstance(items, list) or not 1 <= len(items) <= 10:
            raise invalid_fields({f"body.{kind}": ["needs 1 to 10 media items"]})
        parts = [_media_part(item, kind, f"body.{kind}.{i}") for i, item in enumerate(items)]
        caption = _text_of(section)
        if caption:
            parts.insert(0, {"type": "text/plain", "data": caption})
        return {"messageParts": parts, "title": subject}
    raise invalid_fields({"body.type": ["supported types: text, html, image, file"]})


def message_in(req: BirdMessageIn, rule: str, index: int = 0) -> dict[str, Any]:
    """The core `MessageIn` fields for a Bird send on the channel named `rule`, to receiver contact `index`."""
    fields: dict[str, Any] = {"to": recipient(req.receiver.contacts[index], index), "rules": [rule]}
    if req.template is not None:
        data = dict(req.template.variables or {})
        data.update({p.key: p.value for p in req.template.parameters or []})
        fields.update(templateId=req.template.projectId, templateData=data)
    else:
        fields.update({k: v for k, v in content(req.body or {}).items() if v is not None})
    return fields


def bird_status(message: Message, history: list[MessageStatusEvent], extra: BirdMessage | None) -> str:
    if message.status == "processing" and extra and extra.scheduled_for and extra.scheduled_for > utcnow():
        return "scheduled"
    if message.status in AFTER_SENT and any(e.status == "sent" for e in history):
        return AFTER_SENT[message.status]
    return STATUS.get(message.status, "processing")


def view(message: Message, history: list[MessageStatusEvent], extra: BirdMessage | None,
         channel_id: str) -> dict[str, Any]:
    """A message as Bird's GET/POST answer it."""
    request = message.request or {}
    details = message.status_details or {}
    last = history[-1].timestamp if history else message.updated_on
    out: dict[str, Any] = {
        "id": message.id,
        "channelId": channel_id,
        "direction": "outgoing" if message.direction == "outbound" else "incoming",
        "status": bird_status(message, history, extra),
        "receiver": extra.receiver if extra else {"contacts": [_contact_of(request.get("to") or {})]},
        "reference": extra.reference if extra else None,
        "tags": extra.tags if extra else [],
        "createdAt": iso(message.created_on),
        "updatedAt": iso(message.updated_on),
        "lastStatusAt": iso(last),
    }
    if extra and extra.template:
        out["template"] = extra.template
    else:
        out["body"] = extra.body if extra and extra.body else {"type": "text", "text": {"text": message.body or ""}}
    if extra and extra.scheduled_for:
        out["scheduledFor"] = iso(extra.scheduled_for)
    if details.get("reason"):
        out["reason"] = str(details["reason"])
    if message.provider_message_id:
        out["platformReferenceId"] = message.provider_message_id
    if message.segment_count is not None:
        out["chargeableUnits"] = message.segment_count
    return {k: v for k, v in out.items() if v is not None}


def _contact_of(to: dict[str, Any]) -> dict[str, Any]:
    for key, field in (("phonenumber", "phoneNumber"), ("emailaddress", "email")):
        if to.get(field):
            return {"id": to.get("profileId"), "identifierKey": key, "identifierValue": to[field]}
    return {"id": to.get("profileId")}
