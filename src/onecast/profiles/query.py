"""The profile query language of `GET /profiles` (mongo-querystring style, One API §5.3).

`field=v` eq, `=!v` ne, `=>v` `=<v` `=>=v` `=<=v`, `=^v` starts with, `=$v` ends with, `=~v` contains
(the three text matches ignore case), `field[]=a&field[]=b` in, `field[]=!a` not in, `field=` exists,
`field=!` does not exist. Repeating a field ANDs its conditions (`age=>18&age=<65`).
Values: `true`/`false` are booleans, numeric-looking values numbers, `'...'` always a string.

Parsing knows nothing of SQL; `query_sql` compiles the result.
"""
from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import parse_qsl

from onecast.kit.errors import Problem, invalid
from onecast.kit.text import text_problem
from onecast.profiles.documents import CHANNEL_RE

FIELD_RE = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*")
NUMBER_RE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
MAX_FIELD_LENGTH = 100
MAX_VALUE_LENGTH = 4096
MAX_CONDITIONS = 50
MAX_IN_VALUES = 1000
INT64_MAX = 2**63 - 1

Kind = Literal["data", "optins", "text", "time"]
# System fields a query may name, and the column each one reads.
TEXT_COLUMNS = {"id": "id", "_createdBy": "created_by", "_updatedBy": "updated_by"}
TIME_COLUMNS = {"_createdOn": "created_on", "_updatedOn": "updated_on"}
OPTINS = "_optIns"

# Longest first, so `>=` is not read as `>` followed by `=`.
PREFIXES = ((">=", "gte"), ("<=", "lte"), (">", "gt"), ("<", "lt"), ("!", "ne"),
            ("^", "starts"), ("$", "ends"), ("~", "contains"))
PREFIX_OF = {op: prefix for prefix, op in PREFIXES}
ORDER_OPS = frozenset({"gt", "lt", "gte", "lte"})
TEXT_OPS = frozenset({"starts", "ends", "contains"})
# A string starting with one of these (or looking like a number/boolean) must be quoted to stay a string
# (`=` too: `>` followed by "=x" would read as `>=x`).
_SPECIAL_START = frozenset("!<>=^$~'")

Scalar = str | int | float | bool | datetime


@dataclass(frozen=True)
class Condition:
    field: str
    op: str  # eq ne gt lt gte lte starts ends contains in nin exists nexists
    value: Any = None  # a scalar; a tuple of scalars for in/nin; None for exists/nexists


def field_kind(field: str) -> Kind:
    if field in TEXT_COLUMNS:
        return "text"
    if field in TIME_COLUMNS:
        return "time"
    if field.startswith(OPTINS + "."):
        return "optins"
    return "data"


def check_field(name: str) -> str:
    """A field name a query (or `$fields`) may use; 400 otherwise."""
    shown = name[:MAX_FIELD_LENGTH]
    if not name or len(name) > MAX_FIELD_LENGTH or not FIELD_RE.fullmatch(name):
        raise invalid(shown or "(empty)", "field names are up to 100 letters, digits, '_', '-' or '.'",
                      "InvalidQueryField")
    if name.startswith("_") and name not in TEXT_COLUMNS and name not in TIME_COLUMNS:
        head, _, channel = name.partition(".")
        if head != OPTINS or not CHANNEL_RE.fullmatch(channel):
            raise invalid(shown, "unknown system field; the queryable ones are "
                          "_createdOn, _updatedOn, _createdBy, _updatedBy and _optIns.<channel>",
                          "InvalidQueryField")
    return name


def parse_query_string(query: str, field: str = "query") -> list[Condition]:
    """A saved or posted query (`name=Ann&age=>30`), as GET /profiles takes it in its URL."""
    try:
        items = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query), max_num_fields=MAX_CONDITIONS * 2)
    except ValueError as exc:
        raise invalid(field, f"is not a query string: {exc}", "InvalidQuery") from None
    return parse_query(items)


def parse_query(items: Iterable[tuple[str, str]], reserved: Collection[str] = ()) -> list[Condition]:
    """Turn query parameters into conditions. Raises only Problem(400)."""
    conditions: list[Condition] = []
    lists: dict[str, list[str]] = {}
    for name, raw in items:
        if name.startswith("$"):
            if name not in reserved:
                raise invalid(name[:MAX_FIELD_LENGTH], "unknown query parameter", "UnknownParameter")
            continue
        _check_value(name, raw)
        if name.endswith("[]"):
            field = check_field(name[:-2])
            values = lists.setdefault(field, [])
            values.append(raw)
            if len(values) > MAX_IN_VALUES:
                raise invalid(name, f"at most {MAX_IN_VALUES} values", "TooManyValues")
        else:
            conditions.append(_single(check_field(name), raw))
        if len(conditions) + len(lists) > MAX_CONDITIONS:
            raise invalid("query", f"at most {MAX_CONDITIONS} conditions", "TooManyConditions")
    conditions.extend(_membership(field, raws) for field, raws in lists.items())
    return conditions


def _check_value(name: str, raw: str) -> None:
    if text_problem(name):
        raise invalid("query", f"parameter names {text_problem(name)}")
    if len(raw) > MAX_VALUE_LENGTH:
        raise invalid(name[:MAX_FIELD_LENGTH], f"values are at most {MAX_VALUE_LENGTH} characters")
    if text_problem(raw):
        raise invalid(name[:MAX_FIELD_LENGTH], f"values {text_problem(raw)}")


def _single(field: str, raw: str) -> Condition:
    if raw == "":
        return Condition(field, "exists")
    if raw == "!":
        return Condition(field, "nexists")
    for prefix, op in PREFIXES:
        if raw.startswith(prefix):
            return _condition(field, op, raw[len(prefix):])
    return _condition(field, "eq", raw)


def _condition(field: str, op: str, text: str) -> Condition:
    kind = field_kind(field)
    if op in TEXT_OPS:
        if kind == "time":
            raise invalid(field, "text matching does not apply to timestamps", "InvalidOperator")
        return Condition(field, op, _unquote(text))
    value = _value(field, kind, text)
    if op in ORDER_OPS and isinstance(value, bool):
        raise invalid(field, "booleans cannot be ordered; compare with a number or a string",
                      "InvalidOperator")
    return Condition(field, op, value)


def _membership(field: str, raws: list[str]) -> Condition:
    kind = field_kind(field)
    if kind == "time":
        raise invalid(field, "in / not in do not apply to timestamps", "InvalidOperator")
    negated = [r.startswith("!") for r in raws]
    if any(negated) and not all(negated):
        raise invalid(field, "mixes 'in' and 'not in' values; use one or the other", "InvalidOperator")
    op = "nin" if negated[0] else "in"
    texts = [r[1:] for r in raws] if op == "nin" else raws
    return Condition(field, op, tuple(_value(field, kind, t) for t in texts))


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == "'" and text[-1] == "'":
        return text[1:-1]
    return text


def _value(field: str, kind: Kind, text: str) -> Scalar:
    if kind == "text":
        return _unquote(text)
    if kind == "time":
        return _timestamp(field, _unquote(text))
    if len(text) >= 2 and text[0] == "'" and text[-1] == "'":
        return text[1:-1]
    if text in ("true", "false"):
        return text == "true"
    if NUMBER_RE.fullmatch(text):
        return _number(field, text)
    return text


def _number(field: str, text: str) -> int | float:
    if "." not in text and "e" not in text.lower():
        number = int(text)
        if abs(number) <= INT64_MAX:
            return number
        raise invalid(field, f"{text[:40]} is out of range; quote it ('...') to compare it as a string")
    value = float(text)
    if not math.isfinite(value):
        raise invalid(field, f"{text[:40]} is out of range")
    return value


def _timestamp(field: str, text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        value = value.replace(microsecond=value.microsecond // 1000 * 1000)
        _ = value + timedelta(milliseconds=1)  # the compiler compares whole milliseconds
    except (ValueError, OverflowError):
        raise invalid(field, "must be an ISO 8601 date or time, e.g. 2024-05-01T12:00:00.000Z",
                      "InvalidTimestamp") from None
    return value


def format_value(value: Scalar) -> str:
    """The query text that parses back to `value` (strings quoted when they would not)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    needs_quotes = (value == "" or value in ("true", "false") or value[0] in _SPECIAL_START
                    or NUMBER_RE.fullmatch(value) is not None)
    return f"'{value}'" if needs_quotes else value


def format_query(conditions: Iterable[Condition]) -> list[tuple[str, str]]:
    """The inverse of parse_query: query parameters for conditions."""
    items: list[tuple[str, str]] = []
    for c in conditions:
        if c.op == "exists":
            items.append((c.field, ""))
        elif c.op == "nexists":
            items.append((c.field, "!"))
        elif c.op in ("in", "nin"):
            neg = "!" if c.op == "nin" else ""
            items.extend((c.field + "[]", neg + format_value(v)) for v in c.value)
        elif c.op == "eq":
            items.append((c.field, format_value(c.value)))
        else:
            items.append((c.field, PREFIX_OF[c.op] + format_value(c.value)))
    return items


def parse_fields(raw: str | None) -> list[str]:
    """`$fields=a,b.c` -> ["a", "b.c"]."""
    if raw is None:
        return []
    names = [n.strip() for n in raw.split(",") if n.strip()]
    if len(names) > 100:
        raise invalid("$fields", "at most 100 fields")
    for name in names:
        try:
            check_field(name)
        except Problem as problem:
            raise invalid("$fields", problem.detail) from None
    return names
