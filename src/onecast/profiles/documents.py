"""What a profile document may contain, and how it is shown.

Both databases must accept everything that passes here: PostgreSQL's jsonb rejects NUL
characters, lone surrogates (kit.text's rule) and non-finite numbers, so those are refused up front
(imports reach here without the HTTP layer's check).
"""
from __future__ import annotations

import json
import math
import re
from typing import Any

from onecast.kit.errors import invalid
from onecast.kit.text import text_problem

MAX_DOC_BYTES = 64 * 1024
MAX_DEPTH = 10
MAX_ID_LENGTH = 255
# Paths under /profiles/ that are routes, not profiles (and dot segments a client would normalise).
RESERVED_IDS = frozenset({"bulk", "optin", "export", "import", "imports", "devices", ".", ".."})
# Every id a channel can have (channels.schemas.CHANNEL_ID_PATTERN): rule names and uuids alike.
CHANNEL_RE = re.compile(r"[A-Za-z0-9_-]{1,100}")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def id_problem(value: Any) -> str | None:
    if not isinstance(value, str):
        return "must be a string"
    if not 1 <= len(value) <= MAX_ID_LENGTH:
        return f"must be 1 to {MAX_ID_LENGTH} characters"
    if _CONTROL_RE.search(value) or "/" in value:
        return "must not contain '/' or control characters"
    if value in RESERVED_IDS:
        return f"'{value}' is reserved"
    return text_problem(value)


def validate_id(value: Any, field: str = "id") -> str:
    problem = id_problem(value)
    if problem:
        raise invalid(field, problem)
    return value


def validate_channel(value: Any, field: str = "channel") -> str:
    if not isinstance(value, str) or not CHANNEL_RE.fullmatch(value):
        raise invalid(field, "channel names are 1 to 100 letters, digits, '_' or '-'")
    return value


def validate_fields(fields: Any, where: str = "") -> dict[str, Any]:
    """User fields: a JSON object without system (`_`) keys, depth and content limits."""
    if not isinstance(fields, dict):
        raise invalid(where or "body", "must be a JSON object")
    for key in fields:
        if isinstance(key, str) and key.startswith("_"):
            raise invalid(f"{where}{key}", "fields starting with '_' are system fields and cannot be set",
                          "SystemField")
    # Iterative walk: a deep document must not exhaust the interpreter's recursion limit.
    stack: list[tuple[Any, int, str]] = [(fields, 1, where.rstrip("."))]
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, (dict, list)) and depth > MAX_DEPTH:
            raise invalid(path or "body", f"nesting is deeper than {MAX_DEPTH} levels", "TooDeep")
        if isinstance(value, dict):
            for key, child in value.items():
                if not isinstance(key, str) or text_problem(key):
                    raise invalid(path or "body", "object keys must be valid strings without NUL")
                stack.append((child, depth + 1, f"{path}.{key}" if path else key))
        elif isinstance(value, list):
            stack.extend((child, depth + 1, f"{path}[{i}]") for i, child in enumerate(value))
        elif isinstance(value, str):
            problem = text_problem(value)
            if problem:
                raise invalid(path, problem)
        elif isinstance(value, float) and not math.isfinite(value):
            raise invalid(path, "numbers must be finite")
        elif value is not None and not isinstance(value, (bool, int, float)):
            raise invalid(path, "must be a JSON value")
    return fields


def check_size(data: dict[str, Any], where: str = "") -> None:
    size = len(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    if size > MAX_DOC_BYTES:
        raise invalid(where.rstrip(".") or "body", f"the profile is {size} bytes; the limit is {MAX_DOC_BYTES}",
                      "ProfileTooLarge")


def project(document: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """Keep `id` and the named (possibly dotted) fields of a document."""
    result: dict[str, Any] = {"id": document["id"]}
    # Shorter paths first: once `a` is in, `a.b` is already there and setdefault leaves it alone.
    for name in sorted(fields, key=lambda f: f.count(".")):
        parts = name.split(".")
        value: Any = document
        for part in parts:
            if not isinstance(value, dict) or part not in value:
                break
            value = value[part]
        else:
            target = result
            for part in parts[:-1]:
                target = target.setdefault(part, {})
            target.setdefault(parts[-1], value)
    return result
