"""Web Push (RFC 8030) with VAPID (RFC 8292) and aes128gcm message encryption (RFC 8291)."""
from __future__ import annotations

from typing import Any


def create(config: dict[str, Any], db: Any, guard: Any = None):
    """The `webpush` provider: native push to the profile's browser subscriptions only; config
    is the `webPush` section of the `push` provider."""
    from onecast.channels.push.provider import PushProvider

    return PushProvider({"webPush": config}, db, name="webpush", guard=guard)
