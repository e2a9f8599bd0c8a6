"""Firebase Cloud Messaging, HTTP v1 API."""
from __future__ import annotations

from typing import Any


def create(config: dict[str, Any], db: Any, guard: Any = None):
    """The `fcm` provider: native push to the profile's FCM devices only; config is the
    `fcm` section of the `push` provider."""
    from onecast.channels.push.provider import PushProvider

    return PushProvider({"fcm": config}, db, name="fcm", guard=guard)
