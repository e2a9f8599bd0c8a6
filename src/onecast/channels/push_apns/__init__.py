"""Apple Push Notification service over HTTP/2 with token-based (ES256 JWT) authentication."""
from __future__ import annotations

from typing import Any


def create(config: dict[str, Any], db: Any, guard: Any = None):
    """The `apns` provider: native push to the profile's APNs devices only; config is the
    `apns` section of the `push` provider."""
    from onecast.channels.push.provider import PushProvider

    return PushProvider({"apns": config}, db, name="apns", guard=guard)
