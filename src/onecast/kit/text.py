"""The one rule for text from outside: no NUL characters and no lone surrogates.

PostgreSQL refuses both (text and jsonb cannot hold U+0000; asyncpg cannot encode a lone
surrogate as UTF-8) while SQLite stores them, so text that breaks the rule is refused before
anything is stored, the same way on both databases: a 400 naming each field, in the shape of
pydantic's errors (`loc`, `msg`, `type`). Text a provider sends us (vendor webhooks, SMPP, mail)
is cleaned instead (`clean`): a vendor cannot correct its message and retries refused ones.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from starlette.exceptions import HTTPException

Loc = tuple[str | int, ...]
MAX_ERRORS = 100  # named in one answer: a body of many bad strings must not become a huge answer
_SURROGATE = re.compile("[\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Why a string cannot be stored, or None when it can."""
    if "\x00" in value:
        return "must not contain NUL characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode (no lone surrogates)"
    return None


def _error(loc: Loc, message: str) -> dict[str, Any]:
    return {"loc": loc, "msg": message, "type": "unstorable_text"}


def text_errors(data: Any, loc: Loc = ()) -> list[dict[str, Any]]:
    """The strings (object keys too) of a parsed JSON document that break the rule, up to MAX_ERRORS."""
    errors: list[dict[str, Any]] = []
    stack: list[tuple[Any, Loc]] = [(data, loc)]  # iterative: deep documents must not hit the recursion limit
    while stack and len(errors) < MAX_ERRORS:
        value, where = stack.pop()
        if isinstance(value, str):
            problem = text_problem(value)
            if problem:
                errors.append(_error(where, problem))
        elif isinstance(value, dict):
            children = []
            for key, child in value.items():
                problem = text_problem(key)
                if problem:  # the key itself is not echoed: it may not even encode
                    errors.append(_error(where, f"object keys {problem}"))
                else:
                    children.append((child, (*where, key)))
            stack.extend(reversed(children))  # popped in document order
        elif isinstance(value, list):
            stack.extend((value[i], (*where, i)) for i in range(len(value) - 1, -1, -1))
    return errors[:MAX_ERRORS]


def might_break_rule(raw: bytes) -> bool:
    """False when no string of this JSON text can break the rule, so the walk can be skipped.

    A NUL or a lone surrogate reaches a decoded string only as a `\\u` escape, as raw surrogate
    bytes (json.loads decodes with `surrogatepass`; UTF-8 surrogates start with 0xED) or in
    UTF-16/32 text, which has NUL bytes."""
    return b"\\u" in raw or b"\xed" in raw or b"\x00" in raw


class UnstorableText(HTTPException):
    """400 naming the fields whose text breaks the rule. An HTTPException so that FastAPI's body
    parsing lets it through unchanged; rendered by kit.errors like a validation error."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(400, "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors[:5]))
        self._errors = errors[:MAX_ERRORS]

    def errors(self) -> list[dict[str, Any]]:
        return self._errors


def check(data: Any, loc: Loc = ()) -> None:
    errors = text_errors(data, loc)
    if errors:
        raise UnstorableText(errors)


def decode_json(raw: bytes, loc: Loc = ("body",)) -> Any:
    """json.loads, then the rule; ValueError (or UnicodeDecodeError) for text that is not JSON."""
    data = json.loads(raw)
    if might_break_rule(raw):
        check(data, loc)
    return data


def _cleaned(value: str) -> str:
    return _SURROGATE.sub("\ufffd", value.replace("\x00", ""))


def clean(data: Any) -> Any:
    """The value with its strings (keys too) made to keep the rule: NULs dropped, lone surrogates
    replaced by U+FFFD; containers are changed in place. For text providers send, which is stored
    rather than refused."""
    if isinstance(data, str):
        return _cleaned(data) if text_problem(data) else data
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            for key in [k for k in value if isinstance(k, str) and text_problem(k)]:
                value[_cleaned(key)] = value.pop(key)
            items: Iterable[tuple[Any, Any]] = value.items()
        elif isinstance(value, list):
            items = enumerate(value)
        else:
            continue
        for key, child in list(items):
            if isinstance(child, str):
                if text_problem(child):
                    value[key] = _cleaned(child)
            else:
                stack.append(child)
    return data
