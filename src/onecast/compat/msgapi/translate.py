"""Messaging API <-> core, pure functions: an OutBoundMsg as core `MessageIn` fields, core views
as MsgChannel / HSMTemplateDoc, our event envelope as the InBoundWrapper callback."""
from __future__ import annotations

import mimetypes
from datetime import datetime
from typing import Any

from onecast.compat.msgapi.envelope import invalid
from onecast.compat.msgapi.schemas import OutBoundMsg

# Our outbound status -> the API's status shortcode (InBoundMsgStatus.status). Others send no callback.
STATUS_CODES = {"sent": "SENT", "delivered": "DLVRD", "read": "READ", "failed": "FAILD", "expired": "FAILD",
                "filtered": "FAILD", "deleted": "DELTD"}

# Our channel type -> the API's contactType.
CONTACT_TYPES = {"sms": "SMS", "mms": "SMS", "rcs": "SMS", "email": "EMAIL", "whatsApp": "WHATSAPP",
                 "fbMessenger": "FACEBOOK", "telegram": "TELEGRAM", "nativePush": "PUSH",
                 "appMessaging": "WEBSITE"}
MEDIA_TYPES = ("image", "audio", "video", "document", "voice")


def recipient(msg: OutBoundMsg) -> dict[str, Any]:
    to = msg.to
    fields: dict[str, Any] = {}
    if to.contactId:
        fields["profileId"] = to.contactId
    if to.phone:
        fields["phoneNumber"] = to.phone
    if to.email:
        fields["email"] = to.email
    if to.name:
        fields["firstName"] = to.name
    if not (to.contactId or to.phone or to.email):
        raise invalid("to", "give contactId, phone or email")
    return fields


def _media_parts(msg: OutBoundMsg) -> list[dict[str, Any]]:
    media = getattr(msg, msg.type)
    if media is None:
        raise invalid(msg.type, f"a `{msg.type}` message needs the `{msg.type}` object")
    default = {"document": "application/octet-stream", "image": "image/jpeg", "video": "video/mp4"}.get(
        msg.type, "audio/mpeg")
    mime = mimetypes.guess_type(media.link.split("?", 1)[0])[0] or default
    part = {"type": mime, "url": media.link, **({"name": media.filename} if media.filename else {})}
    return ([{"type": "text/plain", "data": media.caption}] if media.caption else []) + [part]


def _location_text(msg: OutBoundMsg) -> str:
    loc = msg.location
    if loc is None:
        raise invalid("location", "a `location` message needs the `location` object")
    lines = [x for x in (loc.name, loc.address) if x]
    lines.append(loc.url or f"https://maps.google.com/?q={loc.latitude},{loc.longitude}")
    return "\n".join(lines)


def _vcard(card: dict[str, Any]) -> str:
    name = card.get("name") or {}
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"FN:{name.get('formatted_name') or name.get('first_name') or ''}"]
    lines += [f"TEL;TYPE={p.get('type', 'CELL')}:{p.get('phone', '')}" for p in card.get("phones") or []]
    lines += [f"EMAIL;TYPE={e.get('type', 'WORK')}:{e.get('email', '')}" for e in card.get("emails") or []]
    return "\r\n".join([*lines, "END:VCARD"])


def message_in(msg: OutBoundMsg, rule: str, template_id: str | None) -> dict[str, Any]:
    """The core MessageIn fields for an OutBoundMsg on the channel `rule` (types optin/optout/system
    are not messages; the caller handles them)."""
    fields: dict[str, Any] = {"to": recipient(msg), "rules": [rule],
                              "metadata": {"msgapi": {"type": msg.type, "mask": msg.mask}}}
    if msg.type == "text":
        if msg.text is None:
            raise invalid("text", "a `text` message needs `text.body`")
        fields["body"] = msg.text.body
    elif msg.type in MEDIA_TYPES:
        fields["messageParts"] = _media_parts(msg)
    elif msg.type == "location":
        fields["body"] = _location_text(msg)
    elif msg.type == "contacts":
        if not msg.contacts:
            raise invalid("contacts", "a `contacts` message needs at least one contact card")
        fields["messageParts"] = [{"type": "text/vcard", "data": _vcard(c), "name": "contact.vcf"}
                                  for c in msg.contacts]
    elif msg.type == "template":
        if template_id is None:
            raise invalid("template", "no template with this id or code")
        fields.update(templateId=template_id, templateData=(msg.template.data if msg.template else None) or {})
    else:
        raise invalid("type", f"`{msg.type}` cannot be sent as a message")
    if msg.options and msg.options.buttons:
        fields["metadata"]["msgapi"]["buttons"] = [b.model_dump(exclude_none=True) for b in msg.options.buttons]
    return fields


def receipt(message_id: str, msg: OutBoundMsg, template_id: str | None) -> dict[str, Any]:
    return {"id": message_id, "type": msg.type, "templateId": template_id or "",
            "templateCode": (msg.template.code or "") if msg.template else ""}


def channel_view(view: dict[str, Any]) -> dict[str, Any]:
    """A core channel view as MsgChannel."""
    config = view.get("config") or {}
    lane = next((str(config[k]) for k in ("from", "phoneNumber", "fromAddress", "sender", "pageId", "botUsername")
                 if isinstance(config.get(k), (str, int))), "")
    return {"channelId": view["id"], "contactType": CONTACT_TYPES.get(view["type"], "DUMMY"), "lane": lane,
            "name": view.get("name") or view["id"]}


def template_view(view: dict[str, Any]) -> dict[str, Any]:
    """A core template view as HSMTemplateDoc."""
    channels = view.get("channels") or {}
    first = next(iter(channels.values()), {}) if channels else {}
    body = first.get("body") if isinstance(first, dict) else None
    if body is None:
        body = next((p.get("data") for p in view.get("messageParts") or [] if p.get("type") == "text/plain"), "")
    return {"id": view["id"], "code": view.get("code") or view["id"], "name": view.get("name"),
            "lang": view.get("lang") or "", "category": view.get("category") or "", "body": body or "",
            "title": view.get("title") or "", "desc": view.get("description") or "",
            "approved": [{"channelId": a.get("channelId"), "status": a.get("status"),
                          "templateId": a.get("templateId") or ""} for a in view.get("approved") or []]}


def _millis(stamp: str | None) -> int:
    if not stamp:
        return 0
    return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() * 1000)


def _contact(space_meta: dict[str, Any], contact_id: str, channel: str | None, address: dict[str, Any]
             ) -> dict[str, Any]:
    return {"channelId": channel or "", "contactId": contact_id, "contactType": CONTACT_TYPES.get(channel or "", "DUMMY"),
            "lane": "", "profile": {k: v for k, v in {"phone": address.get("phoneNumber"),
                                                       "email": address.get("email"),
                                                       "name": address.get("name")}.items() if v}}


def _inbound_message(payload: dict[str, Any], contact_id: str, at: int) -> dict[str, Any]:
    msg: dict[str, Any] = {"id": payload.get("id"), "messageIdExt": (payload.get("channelData") or {}).get(
        "messageId", ""), "contactId": contact_id, "from": next(iter((payload.get("from") or {}).values()), ""),
        "timestamp": at}
    media = [p for p in payload.get("messageParts") or [] if p.get("url")]
    if payload.get("body") is not None or not media:
        msg.update(type="text", text={"body": payload.get("body") or "", "type": "text"})
    else:
        kind = media[0]["type"].split("/", 1)[0]
        kind = kind if kind in ("image", "audio", "video") else "document"
        msg["type"] = kind
        msg[kind] = {"link": media[0]["url"], "linkSecure": media[0]["url"], "mime_type": media[0]["type"],
                     "id": "", "sha256": "", "type": kind}
        msg["attachments"] = [{"link": p["url"], "linkSecure": p["url"], "mime_type": p["type"], "id": "",
                               "sha256": "", "type": p["type"].split("/", 1)[0]} for p in media]
    if payload.get("conversationId"):
        msg["session"] = {"sessionId": payload["conversationId"]}
    return msg


def callback(event: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any] | None:
    """Our event envelope {eventId, apiSpaceId, name, payload, revision, timestamp} as the
    InBoundWrapper the API POSTs to the webhook; None for events this API does not report."""
    name, payload = event["name"], event.get("payload") or {}
    at = _millis(event.get("timestamp"))
    base = {"meta": {"domain": event.get("apiSpaceId", ""), "server": "onecast", "debug": False, **meta}}
    if name == "message.inbound":
        sender = payload.get("from") or {}
        contact_id = payload.get("profileId") or next(iter(sender.values()), "")
        return {**base, "type": "messages", "messages": [_inbound_message(payload, contact_id, at)],
                "contacts": [_contact(meta, contact_id, payload.get("channel"), sender)]}
    status = name.removeprefix("message.")
    if name.startswith("message.") and status in STATUS_CODES:
        details = payload.get("details") or {}
        info = details.get("additionalInfo") or {}
        item: dict[str, Any] = {"id": payload.get("id"), "messageIdExt": info.get("providerMessageId", ""),
                                "contactId": payload.get("profileId", ""), "status": STATUS_CODES[status],
                                "timestamp": _millis(payload.get("updatedOn")) or at}
        if STATUS_CODES[status] == "FAILD":
            item["errors"] = [{"code": str(info.get("code") or info.get("reason") or "FAILED"),
                               "title": str(info.get("message") or info.get("reason") or status)}]
        return {**base, "type": "statuses", "statuses": [item]}
    if name.startswith(("session.", "customer.")):
        return {**base, "type": "events", "events": [{
            "eventId": event["eventId"], "eventCode": payload.get("eventCode") or name.upper().replace(".", "_"),
            "type": "OUTBOUND" if name.startswith("session.") else "INBOUND",
            "contactId": payload.get("contactId", ""), "sessionId": payload.get("sessionId", ""),
            "messageId": payload.get("messageId", "")}]}
    return None
