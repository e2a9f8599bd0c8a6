"""Which events a webhook's subscriptions select."""
from __future__ import annotations

from onecast.kit.models import Event
from onecast.webhooks.catalogue import event_types, payload_value


def matches(subscriptions: list[dict], event: Event) -> bool:
    kind = event_types().get(event.name)
    paths = {f.name: f.path for f in kind.filters} if kind else {}
    for sub in subscriptions or []:
        if sub.get("type") != event.name:
            continue
        if all(str(payload_value(event.payload, paths.get(f["name"], f["name"]))) == f["value"]
               for f in sub.get("filters") or []):
            return True
    return False
