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


def contact_id(msg: OutBoundMsg) -> str:
    """The contact a message is for: its contactId, else the phone or e-mail it was addressed to
    (the profile a send by address creates has that id)."""
    return msg.to.contactId or msg.to.phone or msg.to.email or ""


# Core request fields -> the OutBoundMsg fields they come from, for errors[].field.
REQUEST_FIELDS = {"rules": "channelId", "channels": "channelId", "to.phoneNumber": "to.phone",
                  "to.profileId": "to.contactId", "to.email": "to.email", "to.firstName": "to.name",
                  "body": "text.body", "templateId": "template", "templateData": "template.data", "to": "to"}


def request_field(field: str, msg_type: str) -> str:
    """A core error's field as the OutBoundMsg names it (`rules[0]` -> `channelId`)."""
    field = field.split("].", 1)[-1] if field.startswith("[") else field
    for core, ours in REQUEST_FIELDS.items():
        if field == core or field.startswith((core + "[", core + ".")):
            return ours
    if field.startswith(("messageParts", "channelOptions", "customBody")):
        return msg_type
    return field


def _media_parts(msg: OutBoundMsg) -> list[dict[str, Any]]:
    media = getattr(msg, msg.type)
    if media is None and msg.type == "voice":  # OutBoundMsg has no `voice` member: a voice note is `audio`
        media = msg.audio
    if media is None:
        need = "`audio` (or `voice`)" if msg.type == "voice" else f"`{msg.type}`"
        raise invalid("audio" if msg.type == "voice" else msg.type, f"a `{msg.type}` message needs the {need} object")
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
    # contactId rides in the metadata so that status callbacks name the contact however it was addressed.
    fields: dict[str, Any] = {"to": recipient(msg), "rules": [rule],
                              "metadata": {"msgapi": {"type": msg.type, "mask": msg.mask,
                                                      "contactId": contact_id(msg)}}}
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


def receipt(message_id: str, msg: OutBoundMsg, template_id: str | None, template_code: str | None
            ) -> dict[str, Any]:
    """OutBoundReciept; the template's own code, whether the message named it by id or by code."""
    given = (msg.template.code or "") if msg.template else ""
    return {"id": message_id, "type": msg.type, "templateId": template_id or "", "templateCode": template_code or given}


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


def chat_message(message_id: str, session_id: str, contact_id: str, channel: str,
                 channels: dict[str, dict[str, Any]], *, inbound: bool, text: str, status: str, provider_id: str,
                 created: datetime) -> dict[str, Any]:
    """A stored message of a session as ChatMessageDTO."""
    return {"messageId": message_id, "messageIdExt": provider_id, "sessionId": session_id, "contactId": contact_id,
            "channelId": channel, "contact": {**_contact(channels, contact_id, channel, {}), "sessionId": session_id},
            "type": "I" if inbound else "O", "text": text, "status": status,
            "timestamp": int(created.timestamp() * 1000)}


def _millis(stamp: str | None) -> int:
    if not stamp:
        return 0
    return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() * 1000)


def _contact(channels: dict[str, dict[str, Any]], contact_id: str, channel: str | None, address: dict[str, Any]
             ) -> dict[str, Any]:
    """InBoundContact: type and lane as Channels List shows the channel (a bare type name: that type)."""
    listed = channels.get(channel or "") or {}
    return {"channelId": channel or "", "contactId": contact_id,
            "contactType": listed.get("contactType") or CONTACT_TYPES.get(channel or "", "DUMMY"),
            "lane": listed.get("lane", ""), "profile": {k: v for k, v in {"phone": address.get("phoneNumber"),
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
    msg["session"] = {"sessionId": session_id(payload.get("conversationId"), payload.get("channel"), contact_id)}
    return msg


def session_id(conversation_id: str | None, channel: str | None, contact_id: str) -> str:
    """Every inbound message names a session: its conversation (a team's chat, or the one the
    message named), else the contact's session on the channel, `<channelId>:<contactId>` (channel
    ids have no ':', so the first ':' splits it back)."""
    return conversation_id or f"{channel or ''}:{contact_id}"


def contact_session(session: str) -> tuple[str, str] | None:
    """(channel, contact) of a `<channelId>:<contactId>` session id; None for other ids."""
    channel, sep, contact = session.partition(":")
    return (channel, contact) if sep and channel and contact else None


def callback(event: dict[str, Any], meta: dict[str, Any], channels: dict[str, dict[str, Any]] | None = None
             ) -> dict[str, Any] | None:
    """Our event envelope {eventId, apiSpaceId, name, payload, revision, timestamp} as the
    InBoundWrapper the API POSTs to the webhook; None for events this API does not report.
    `channels`: the space's MsgChannel views by channelId (Channels List), for contact types and lanes."""
    name, payload = event["name"], event.get("payload") or {}
    at = _millis(event.get("timestamp"))
    base = {"meta": {"domain": event.get("apiSpaceId", ""), "server": "onecast", "debug": False, **meta}}
    if name == "message.inbound":
        sender = payload.get("from") or {}
        contact_id = payload.get("profileId") or next(iter(sender.values()), "")
        return {**base, "type": "messages", "messages": [_inbound_message(payload, contact_id, at)],
                "contacts": [_contact(channels or {}, contact_id, payload.get("channel"), sender)]}
    status = name.removeprefix("message.")
    if name.startswith("message.") and status in STATUS_CODES:
        details = payload.get("details") or {}
        info = details.get("additionalInfo") or {}
        ours = ((payload.get("metadata") or {}).get("msgapi") or {})
        item: dict[str, Any] = {"id": payload.get("id"), "messageIdExt": info.get("providerMessageId", ""),
                                "contactId": payload.get("profileId") or ours.get("contactId") or "",
                                "status": STATUS_CODES[status],
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


CONTACT_INFO_FIELDS = {"name": "name", "email": "email", "mobile": "phoneNumber", "profileId": "businessProfileId",
                       "labels": "labels"}


def contact_info_url(webhook: str) -> str | None:
    """Where the `/contact/info` callback goes: the webhook URL with its `message/receive` replaced
    (the document's two callbacks are siblings under /api/v1); None when it does not end so."""
    base, sep, rest = webhook.partition("message/receive")
    return base + "contact/info" + rest[len(rest.split("?", 1)[0]):] if sep and not rest.split("?", 1)[0] else None


def contact_info_fields(reply: Any) -> dict[str, Any]:
    """The profile fields a ContactInfoUpdate answer sets (unknown members and empty values ignored)."""
    if not isinstance(reply, dict):
        return {}
    fields = {ours: reply[theirs] for theirs, ours in CONTACT_INFO_FIELDS.items()
              if reply.get(theirs) not in (None, "", []) and (theirs != "labels" or isinstance(reply[theirs], list))}
    for name in ("phoneNumber", "businessProfileId", "name", "email"):  # strings in the schema, numbers in examples
        if name in fields and not isinstance(fields[name], (dict, list)):
            fields[name] = str(fields[name])
    return fields
