"""What a push says, independent of the platform: built once per send from the rendered
message, then shaped by each platform client."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from onecast.channels.base import OutboundMessage
from onecast.kit.clock import as_utc, utcnow

PLATFORMS = ("fcm", "apns", "webPush")


@dataclass(frozen=True)
class PushTarget:
    """A registered device, detached from the database."""

    row_id: str
    device_id: str
    platform: str
    token: str
    token_hash: str
    app: str | None = None
    environment: str | None = None
    keys: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DeviceResult:
    """`accepted`; `gone` (the service says the token is dead: remove the device); `rejected`
    (permanent for this message); `retry` (transient)."""

    status: str
    provider_id: str | None = None
    code: str | None = None
    error: str | None = None
    retry_after: str | None = None  # the service's Retry-After header on a `retry`


def _text(message: OutboundMessage) -> str | None:
    if message.body is not None:
        return message.body
    for part in message.parts:
        if str(part.get("type", "")).startswith("text/") and isinstance(part.get("data"), str):
            return part["data"]
    return None


def _image(message: OutboundMessage) -> str | None:
    """The URL of the image part (at most one, given by https `url`: checked at send time)."""
    for part in message.parts:
        if str(part.get("type", "")).lower().startswith("image/") and part.get("url"):
            return str(part["url"])
    return None


@dataclass(frozen=True)
class PushContent:
    message_id: str
    title: str | None
    body: str | None
    silent: bool
    data: dict[str, dict[str, Any]]
    deep_links: dict[str, str]
    tracking_link: str | None
    custom: dict[str, dict[str, Any]]
    expires_on: datetime | None
    image: str | None = None  # shown with the notification: FCM notification.image, APNs, Web Push

    @classmethod
    def from_message(cls, message: OutboundMessage) -> PushContent:
        options = message.options or {}
        data = options.get("data") or {}
        links = options.get("deepLink") or {}
        custom = message.custom_body if isinstance(message.custom_body, dict) else {}
        return cls(
            message_id=message.message_id, title=message.title, body=_text(message),
            silent=bool(data.get("isSilent", False)),
            data={p: data[p] for p in PLATFORMS if isinstance(data.get(p), dict)},
            deep_links={p: links[p]["url"] for p in PLATFORMS if isinstance(links.get(p), dict)},
            tracking_link=links.get("trackingLink"),
            custom={p: custom[p] for p in PLATFORMS if isinstance(custom.get(p), dict)},
            expires_on=as_utc(message.expires_on), image=_image(message),
        )

    def deep_link(self, platform: str) -> dict[str, str] | None:
        """The `dd_deepLink` object the Comapi SDKs read: `{url, trackingUrl}`."""
        link = {k: v for k, v in (("url", self.deep_links.get(platform)), ("trackingUrl", self.tracking_link)) if v}
        return link or None

    def ttl_seconds(self) -> int | None:
        if self.expires_on is None:
            return None
        return max(0, math.floor((self.expires_on - utcnow()).total_seconds()))


def deep_merge(base: dict[str, Any], extra: dict[str, Any] | None) -> dict[str, Any]:
    """`customBody.nativePush.<platform>` values are copied onto the payload (objects merge)."""
    merged = dict(base)
    for key, value in (extra or {}).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged
