"""Merge fields: `{{profile.field}}` (dotted for nested), and in customBody also `{{body}}`,
`{{title}}` and `{{profileId}}`. A missing value renders as an empty string."""
from __future__ import annotations

import json
import re
from typing import Any

FIELD = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.\-]*)\s*\}\}")


def _lookup(values: dict[str, Any], path: str) -> Any:
    current: Any = values
    for part in path.split("."):
        if not isinstance(current, dict) or part not in current:
            return None
        current = current[part]
    return current


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, separators=(",", ":"))


def render_text(text: str | None, values: dict[str, Any]) -> str | None:
    if text is None or "{{" not in text:
        return text
    return FIELD.sub(lambda m: _as_text(_lookup(values, m.group(1))), text)


def render_value(value: Any, values: dict[str, Any]) -> Any:
    """Render every string inside a JSON value."""
    if isinstance(value, str):
        return render_text(value, values)
    if isinstance(value, list):
        return [render_value(v, values) for v in value]
    if isinstance(value, dict):
        return {k: render_value(v, values) for k, v in value.items()}
    return value


def channel_text(content: dict[str, Any], channel: str, key: str) -> str | None:
    """A channel's own body or title (a template's per-channel body, shortened links), else the
    message's."""
    own = (content.get("channels") or {}).get(channel) or {}
    return own[key] if key in own else content.get(key)
