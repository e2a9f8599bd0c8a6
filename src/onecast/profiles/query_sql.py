"""Compile parsed profile queries to SQLAlchemy, for SQLite and PostgreSQL.

Every comparison is guarded by the JSON type of the stored value, so `age=>30` simply does not
match a profile whose age is "abc" (and PostgreSQL never sees a failing cast). Dotted names walk
object keys only, never array indexes, the same on both databases. Conditions that can be NULL
(a missing field) are wrapped so `ne`/`nin` match documents without the field, as in MongoDB.
"""
from __future__ import annotations

import json
import operator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, String, Text, and_, cast, false, func, literal, not_, or_, true
from sqlalchemy.dialects.postgresql import JSONB

from onecast.profiles.models import Profile
from onecast.profiles.query import OPTINS, TEXT_COLUMNS, TIME_COLUMNS, Condition, field_kind

COMPARE = {"eq": operator.eq, "gt": operator.gt, "lt": operator.lt, "gte": operator.ge, "lte": operator.le}
MS = timedelta(milliseconds=1)


def compile_conditions(conditions: list[Condition], dialect: str) -> list[ColumnElement[bool]]:
    postgres = dialect == "postgresql"
    return [_condition(c, postgres) for c in conditions]


def _condition(c: Condition, postgres: bool) -> ColumnElement[bool]:
    kind = field_kind(c.field)
    if kind == "time":
        return _time(getattr(Profile, TIME_COLUMNS[c.field]), c)
    if kind == "text":
        return _text_column(getattr(Profile, TEXT_COLUMNS[c.field]), c, postgres)
    if kind == "optins":
        column, keys = Profile.opt_ins, c.field[len(OPTINS) + 1:].split(".")
    else:
        column, keys = Profile.data, c.field.split(".")
    target = PgJson(column, keys) if postgres else SqliteJson(column, keys)
    return _json(target, c)


def _negate(expr: ColumnElement[bool]) -> ColumnElement[bool]:
    return not_(func.coalesce(expr, false()))


def _match(expr: ColumnElement[Any], op: str, text: str) -> ColumnElement[bool]:
    method = {"starts": expr.istartswith, "ends": expr.iendswith, "contains": expr.icontains}[op]
    return method(text, autoescape=True)


def _json(target: SqliteJson | PgJson, c: Condition) -> ColumnElement[bool]:
    if c.op == "exists":
        return target.exists()
    if c.op == "nexists":
        return not_(target.exists())
    if c.op == "eq":
        return target.equals((c.value,))
    if c.op == "ne":
        return _negate(target.equals((c.value,)))
    if c.op == "in":
        return target.equals(c.value)
    if c.op == "nin":
        return _negate(target.equals(c.value))
    if c.op in COMPARE:
        return target.compare(c.op, c.value)
    return target.text_match(c.op, c.value)


def _text_column(column: ColumnElement[str], c: Condition, postgres: bool) -> ColumnElement[bool]:
    if c.op == "exists":
        return true()
    if c.op == "nexists":
        return false()
    if c.op in ("in", "nin"):
        expr = column.in_(list(c.value))
        return not_(expr) if c.op == "nin" else expr
    if c.op == "ne":
        return column != c.value
    if c.op in COMPARE:
        # PostgreSQL's default collation may not order like SQLite's bytewise one.
        left = column.collate("C") if postgres and c.op != "eq" else column
        return COMPARE[c.op](left, c.value)
    return _match(column, c.op, c.value)


def _time(column: ColumnElement[datetime], c: Condition) -> ColumnElement[bool]:
    """Timestamps are shown with milliseconds, so compare whole milliseconds."""
    start: datetime = c.value
    end = start + MS
    if c.op == "exists":
        return true()
    if c.op == "nexists":
        return false()
    return {
        "eq": lambda: and_(column >= start, column < end),
        "ne": lambda: or_(column < start, column >= end),
        "gt": lambda: column >= end,
        "gte": lambda: column >= start,
        "lt": lambda: column < start,
        "lte": lambda: column < end,
    }[c.op]()


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class SqliteJson:
    """A path into a JSON column read with json_type / json_extract."""

    def __init__(self, column: ColumnElement[Any], keys: list[str]) -> None:
        path = "$" + "".join(f'."{key}"' for key in keys)  # keys are [A-Za-z0-9_-]: safe to quote
        self.type = func.json_type(column, path)
        self.value = func.json_extract(column, path)

    def exists(self) -> ColumnElement[bool]:
        return self.type.is_not(None)

    def equals(self, values: tuple[Any, ...]) -> ColumnElement[bool]:
        texts = [v for v in values if isinstance(v, str)]
        numbers = [v for v in values if _is_number(v)]
        bools = {"true" if v else "false" for v in values if isinstance(v, bool)}
        terms = []
        if texts:
            terms.append(and_(self.type == "text", self.value.in_(texts)))
        if numbers:
            terms.append(and_(self.type.in_(["integer", "real"]), self.value.in_(numbers)))
        if bools:
            terms.append(self.type.in_(sorted(bools)))
        return or_(*terms)

    def compare(self, op: str, value: Any) -> ColumnElement[bool]:
        guard = self.type.in_(["integer", "real"]) if _is_number(value) else self.type == "text"
        return and_(guard, COMPARE[op](self.value, value))

    def text_match(self, op: str, text: str) -> ColumnElement[bool]:
        return and_(self.type == "text", _match(self.value, op, text))


class PgJson:
    """A path into a jsonb column walked with `->` (object keys only, never array indexes)."""

    def __init__(self, column: ColumnElement[Any], keys: list[str]) -> None:
        parent: ColumnElement[Any] = column
        for key in keys[:-1]:
            parent = parent.op("->", return_type=JSONB)(literal(key, String))
        self.node = parent.op("->", return_type=JSONB)(literal(keys[-1], String))
        self.text = parent.op("->>", return_type=Text)(literal(keys[-1], String))
        self.type = func.jsonb_typeof(self.node)

    def exists(self) -> ColumnElement[bool]:
        return self.node.is_not(None)

    def equals(self, values: tuple[Any, ...]) -> ColumnElement[bool]:
        # jsonb equality is typed: '30' = '30.0' but '30' <> '"30"'.
        return self.node.in_([cast(literal(json.dumps(v), String), JSONB) for v in values])

    def compare(self, op: str, value: Any) -> ColumnElement[bool]:
        if _is_number(value):
            return and_(self.type == "number", COMPARE[op](self.node, cast(literal(json.dumps(value), String), JSONB)))
        left = self.text if op == "eq" else self.text.collate("C")
        return and_(self.type == "string", COMPARE[op](left, value))

    def text_match(self, op: str, text: str) -> ColumnElement[bool]:
        return and_(self.type == "string", _match(self.text, op, text))
