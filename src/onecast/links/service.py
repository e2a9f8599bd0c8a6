"""`shortenLinks`: http(s) links in SMS/MMS bodies become `<base>/l/<code>` (reference §7.4):
`on` every link, `marked` only links written with a leading '@' (the '@' goes), `off` none.
A click counts, records `interaction.click` and redirects."""
from __future__ import annotations

import re
import secrets
import string
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.channels.service import ResolvedChannel
from onecast.channels.types import SMS_TYPES
from onecast.config import Settings
from onecast.kit.clock import iso, utcnow
from onecast.kit.db import settings_of
from onecast.kit.errors import not_found
from onecast.kit.events import record_event
from onecast.links.models import ShortLink

LINK = re.compile(r"(@?)(https?://[^\s<>\"'{}|\\^`]+)", re.IGNORECASE)
TRAILING = ".,;:!?)]}'\""
ALPHABET = string.ascii_letters + string.digits
CODE_LENGTH = 8
PATH = "/l/"


def base_url(settings: Settings) -> str:
    """ONECAST_LINKS_BASE_URL (e.g. https://go.example.com), else the API's own address."""
    return (settings.links_base_url or f"http://{settings.host}:{settings.port}").rstrip("/")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def rewrite(text: str, mode: str, shorten) -> str:
    """Replace each link `mode` selects by `shorten(url)`; trailing punctuation stays text."""
    def replace(match: re.Match) -> str:
        marker, url = match.group(1), match.group(2)
        tail = ""
        while url and url[-1] in TRAILING:
            url, tail = url[:-1], url[-1] + tail
        if mode == "marked" and not marker:
            return match.group(0)
        if "://" not in url or url.endswith("://"):
            return match.group(0)
        return shorten(url) + tail
    return LINK.sub(replace, text)


def _sms_text(content: dict[str, Any], channel: str) -> str | None:
    own = (content.get("channels") or {}).get(channel) or {}
    if isinstance(own.get("body"), str):
        return own["body"]
    if isinstance(content.get("body"), str):
        return content["body"]
    for part in content.get("messageParts") or []:
        if str(part.get("type", "")).startswith("text/") and isinstance(part.get("data"), str):
            return part["data"]
    return None


def shorten_links(session: AsyncSession, space_id: str, message_id: str, mode: str | None,
                  channels: list[ResolvedChannel], content: dict[str, Any]) -> dict[str, Any]:
    """The content with the SMS/MMS bodies' links shortened (as per-channel bodies); one link row
    per distinct URL and channel."""
    if mode not in ("on", "marked"):
        return content
    own_bodies = {k: dict(v) for k, v in (content.get("channels") or {}).items()}
    custom = dict(content.get("customBody") or {})
    base = base_url(settings_of(session))  # the send path has no request: the session's settings
    for channel in channels:
        if channel.type not in SMS_TYPES:
            continue
        made: dict[str, str] = {}

        def shorten(url: str, channel: ResolvedChannel = channel, made: dict[str, str] = made) -> str:
            if url not in made:
                code = new_code()
                session.add(ShortLink(code=code, space_id=space_id, message_id=message_id,
                                      channel=channel.channel, url=url, clicks=0, created_on=utcnow()))
                made[url] = f"{base}{PATH}{code}"
            return made[url]

        text = _sms_text(content, channel.channel)
        if text is not None:
            own_bodies.setdefault(channel.channel, {})["body"] = rewrite(text, mode, shorten)
        own_custom = custom.get(channel.channel)
        if isinstance(own_custom, dict) and isinstance(own_custom.get("body"), str):
            custom[channel.channel] = {**own_custom, "body": rewrite(own_custom["body"], mode, shorten)}
    return {**content, "channels": own_bodies, "customBody": custom or content.get("customBody")}


async def click(session: AsyncSession, code: str, user_agent: str | None) -> ShortLink:
    link = (await session.execute(select(ShortLink).where(ShortLink.code == code).with_for_update())
            ).scalar_one_or_none()
    if link is None:
        raise not_found("Link")
    now = utcnow()
    link.clicks += 1
    link.first_click_on = link.first_click_on or now
    link.last_click_on = now
    payload = {"id": link.code, "messageId": link.message_id, "channel": link.channel, "url": link.url,
               "clickedOn": iso(now), "clickCount": link.clicks}
    if user_agent:
        payload["userAgent"] = user_agent[:500]
    record_event(session, link.space_id, "interaction.click", link.message_id or link.code, payload, link.clicks)
    return link
