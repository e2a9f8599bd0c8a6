"""What each channel type carries, outbound and inbound (reference/seeds/002 "Supported Features",
narrowed by the vendors' documented APIs), and what happens to content a channel cannot carry:
it is refused at send time with a problem naming the part and the channel, or degraded as
documented here — never dropped silently.

Content kinds come from message parts: `text/*` is text, `image/*`, `audio/*` and `video/*` are
media, any other MIME type is a file, and these structured parts carry their JSON in `data`:
`whatsapp/template` (an approved WhatsApp template), LOCATION_TYPE, CONTACTS_TYPE, BUTTONS_TYPE
and LIST_TYPE (see docs/messaging.md for their shapes).

Documented degradations, on any channel that carries text:
- a media or file part given by `url` becomes a link appended to the text;
- a location becomes a map link appended to the text.
"""
from __future__ import annotations

from typing import Any

from onecast.kit.errors import invalid

TEMPLATE_TYPE = "whatsapp/template"
LOCATION_TYPE = "application/vnd.onecast.location+json"
CONTACTS_TYPE = "application/vnd.onecast.contacts+json"
BUTTONS_TYPE = "application/vnd.onecast.buttons+json"
LIST_TYPE = "application/vnd.onecast.list+json"
STRUCTURED = {TEMPLATE_TYPE: "template", LOCATION_TYPE: "location", CONTACTS_TYPE: "contacts",
              BUTTONS_TYPE: "buttons", LIST_TYPE: "list"}
MEDIA = {"image", "audio", "video", "file"}
KINDS = ("text", "image", "audio", "video", "file", "location", "contacts", "buttons", "list", "template")
EVERYTHING = frozenset(KINDS)

OUTBOUND: dict[str, frozenset[str]] = {
    "sms": frozenset({"text"}),
    "mms": frozenset({"text", "image"}),
    "email": frozenset({"text", "image", "audio", "video", "file"}),
    "whatsApp": EVERYTHING,
    "fbMessenger": frozenset({"text", "image", "audio", "video", "file", "buttons"}),
    "telegram": frozenset({"text", "image", "audio", "video", "file", "location", "buttons"}),
    "nativePush": frozenset({"text", "image"}),
    "appMessaging": frozenset({"text", "image", "audio", "video", "file", "location"}),
    "rcs": EVERYTHING - {"template", "contacts"},
    "custom": EVERYTHING,  # the customer's endpoint receives the parts as given
}
# Inbound: what the webhooks turn into message parts (the rest is kept in channelData).
INBOUND: dict[str, frozenset[str]] = {
    "sms": frozenset({"text"}),
    "mms": frozenset({"text", "image"}),
    "email": frozenset({"text", "file"}),
    "whatsApp": frozenset({"text", "image", "audio", "video", "file", "location", "contacts", "buttons"}),
    "fbMessenger": frozenset({"text", "image", "audio", "video", "file", "buttons"}),
    "telegram": frozenset({"text", "image", "audio", "video", "file", "location", "contacts", "buttons"}),
    "nativePush": frozenset(),
    "appMessaging": frozenset({"text", "image", "audio", "video", "file", "location"}),
    "rcs": EVERYTHING - {"template", "list"},
    "custom": EVERYTHING,
}


def kind_of(part: dict[str, Any]) -> str:
    mime = str(part.get("type") or "").lower()
    if mime in STRUCTURED:
        return STRUCTURED[mime]
    major = mime.split("/", 1)[0]
    if major == "text":
        return "text"
    if major in ("image", "audio", "video"):
        return major
    return "file"


def parts_for(content: dict[str, Any], channel: str) -> list[dict[str, Any]]:
    """The parts a channel receives: those without a `channels` filter or naming it."""
    return [p for p in content.get("messageParts") or [] if not p.get("channels") or channel in p["channels"]]


def map_link(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    lat, lng = data.get("latitude"), data.get("longitude")
    if not isinstance(lat, (int, float)) or not isinstance(lng, (int, float)):
        return None
    label = " ".join(str(data[k]) for k in ("name", "address") if data.get(k))
    link = f"https://www.google.com/maps/search/?api=1&query={lat},{lng}"
    return f"{label} {link}" if label else link


def degraded_text(part: dict[str, Any]) -> str | None:
    """The text a part becomes on a channel that cannot carry it, or None when it cannot degrade."""
    kind = kind_of(part)
    if kind in MEDIA and part.get("url"):
        return f"{part['name']}: {part['url']}" if part.get("name") else part["url"]
    if kind == "location":
        return map_link(part.get("data"))
    return None


def _refuse(field: str, channel: str, channel_type: str, kind: str) -> None:
    carried = ", ".join(k for k in KINDS if k in OUTBOUND.get(channel_type, EVERYTHING))
    raise invalid(field, f"channel {channel!r} ({channel_type}) cannot carry {kind} content; it carries {carried}. "
                         f"Limit the part to other channels with `channels`, or give customBody.{channel}",
                  "ContentNotSupported")


def check(channel: str, channel_type: str, content: dict[str, Any], options: dict[str, Any],
          prefix: str = "") -> list[dict[str, Any]]:
    """Refuse what `channel` cannot carry; return the degradations that will apply to it."""
    if (content.get("customBody") or {}).get(channel) is not None:
        return []  # customBody overrides the parts for its channel
    carried = OUTBOUND.get(channel_type, EVERYTHING)
    all_parts = content.get("messageParts") or []
    mine = [(i, p) for i, p in enumerate(all_parts) if not p.get("channels") or channel in p["channels"]]
    if all_parts and not mine and content.get("body") is None:
        raise invalid(f"{prefix}messageParts", f"no message part is meant for channel {channel!r}: "
                                               "every part names other `channels`", "NoContentForChannel")
    degraded = []
    images = 0
    for i, part in mine:
        kind = kind_of(part)
        field = f"{prefix}messageParts[{i}]"
        if kind in carried:
            _check_structured(kind, part, field, channel_type, len(mine))
            if channel_type == "nativePush" and kind == "image":
                images += 1
                _check_push_image(part, field, images)
            continue
        if "text" in carried and degraded_text(part) is not None:
            degraded.append({"part": i, "kind": kind, "as": "link"})
            continue
        _refuse(field, channel, channel_type, kind)
    if channel_type == "fbMessenger":
        _check_messenger_options(options, prefix)
    return degraded


def _check_push_image(part: dict[str, Any], field: str, count: int) -> None:
    """A push shows one image, which the device downloads: an https `url`."""
    if not str(part.get("url") or "").startswith("https://"):
        raise invalid(f"{field}.url", "a push shows an image the device downloads: give it as an https `url`",
                      "ContentNotSupported")
    if count > 1:
        raise invalid(field, "a push shows one image; limit the others to other channels with `channels`",
                      "ContentNotSupported")


def _require(data: Any, field: str, *keys: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise invalid(f"{field}.data", "must be an object", "InvalidPartData")
    for key in keys:
        if data.get(key) in (None, "", []):
            raise invalid(f"{field}.data.{key}", "is required", "InvalidPartData")
    return data


def _check_structured(kind: str, part: dict[str, Any], field: str, channel_type: str, count: int) -> None:
    data = part.get("data")
    if kind == "template":
        _require(data, field, "name", "language")
        if channel_type == "whatsApp" and count > 1:
            raise invalid(field, "a whatsapp/template part is sent alone on WhatsApp; limit the other parts "
                                 "to other channels with `channels`", "TemplateNotAlone")
    elif kind == "location":
        if map_link(data) is None:
            raise invalid(f"{field}.data", "needs numeric latitude and longitude", "InvalidPartData")
    elif kind == "contacts":
        contacts = _require(data, field, "contacts")["contacts"]
        if not isinstance(contacts, list) or not all(isinstance(c, dict) and c.get("name") for c in contacts):
            raise invalid(f"{field}.data.contacts", "each contact needs a name", "InvalidPartData")
    elif kind == "buttons":
        buttons = _require(data, field, "text", "buttons")["buttons"]
        if not isinstance(buttons, list) or not all(isinstance(b, dict) and b.get("id") and b.get("title")
                                                    for b in buttons):
            raise invalid(f"{field}.data.buttons", "each button needs an id and a title", "InvalidPartData")
        limit = {"whatsApp": 3, "fbMessenger": 13}.get(channel_type)
        if limit is not None and len(buttons) > limit:
            raise invalid(f"{field}.data.buttons", f"{channel_type} carries at most {limit} buttons",
                          "TooManyButtons")
    elif kind == "list":
        sections = _require(data, field, "text", "button", "sections")["sections"]
        if not isinstance(sections, list) or not all(isinstance(s, dict) and isinstance(s.get("rows"), list)
                                                     for s in sections):
            raise invalid(f"{field}.data.sections", "each section needs rows", "InvalidPartData")


MESSAGING_TYPES = {"RESPONSE", "UPDATE", "MESSAGE_TAG"}


def _check_messenger_options(options: dict[str, Any], prefix: str) -> None:
    kind, tag = options.get("messagingType"), options.get("messageTag")
    field = f"{prefix}channelOptions.fbMessenger"
    if kind is not None and kind not in MESSAGING_TYPES:
        raise invalid(f"{field}.messagingType", f"one of {', '.join(sorted(MESSAGING_TYPES))}", "InvalidOption")
    if kind == "MESSAGE_TAG" and not tag:
        raise invalid(f"{field}.messageTag", "messagingType MESSAGE_TAG needs a messageTag", "InvalidOption")
    if tag is not None and not isinstance(tag, str):
        raise invalid(f"{field}.messageTag", "must be a string such as ACCOUNT_UPDATE", "InvalidOption")


def adapt(channel_type: str, parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Apply the degradations to the parts a provider receives: what the channel cannot carry
    becomes links appended to the (first) text part."""
    carried = OUTBOUND.get(channel_type, EVERYTHING)
    kept, links = [], []
    for part in parts:
        text = None if kind_of(part) in carried else degraded_text(part)
        if text is None:
            kept.append(part)
        else:
            links.append(text)
    if not links:
        return parts
    for i, part in enumerate(kept):
        if kind_of(part) == "text" and isinstance(part.get("data"), str):
            kept[i] = {**part, "data": "\n".join([part["data"], *links])}
            return kept
    return [*kept, {"type": "text/plain", "data": "\n".join(links)}]
