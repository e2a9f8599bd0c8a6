"""Time buckets that work the same on SQLite and PostgreSQL.

SQL groups rows by a UTC slot label 'YYYY-MM-DDTHH:MI': the bucket itself when reporting in UTC,
or the quarter hour when reporting in another time zone (every zone's offset is a multiple of 15
minutes). Python then folds the few aggregated slots into local buckets, never the rows.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Integer, String, cast, func, literal
from sqlalchemy.sql.elements import ColumnElement

from onecast.kit.clock import as_utc
from onecast.kit.errors import invalid

UNITS = ("hour", "day", "month", "year", "alltime")
MAX_BUCKETS = 10_000
LABEL = "%Y-%m-%dT%H:%M"
SQLITE_FORMATS = {"hour": "%Y-%m-%dT%H:00", "day": "%Y-%m-%dT00:00", "month": "%Y-%m-01T00:00",
                  "year": "%Y-01-01T00:00"}


@dataclass(frozen=True)
class Window:
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive
    unit: str
    zone: ZoneInfo | timezone

    @property
    def utc(self) -> bool:
        return self.zone is UTC

    def slot(self, dialect: str, column: Any) -> ColumnElement:
        """The SQL label of a row's slot."""
        if self.unit == "alltime":
            return literal(self.start.strftime(LABEL))
        if self.utc:
            if dialect == "sqlite":
                return func.strftime(SQLITE_FORMATS[self.unit], column)
            return func.to_char(func.date_trunc(self.unit, func.timezone("UTC", column)), 'YYYY-MM-DD"T"HH24:MI')
        if dialect == "sqlite":
            quarter = cast(func.strftime("%M", column), Integer) / 15 * 15
            return func.strftime("%Y-%m-%dT%H:", column, type_=String) + func.printf("%02d", quarter, type_=String)
        return func.to_char(func.date_bin(literal(timedelta(minutes=15)), func.timezone("UTC", column),
                                          literal(datetime(2000, 1, 1))), 'YYYY-MM-DD"T"HH24:MI')  # noqa: DTZ001 - naive, as the UTC-shifted column

    def truncate(self, moment: datetime) -> datetime:
        """The local start of the bucket holding `moment`."""
        if self.unit == "alltime":
            return self.start.astimezone(self.zone)
        local = moment.astimezone(self.zone)
        if self.unit == "hour":
            return local.replace(minute=0, second=0, microsecond=0)
        local = local.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
        if self.unit in ("month", "year"):
            local = local.replace(day=1)
        if self.unit == "year":
            local = local.replace(month=1)
        return local.replace(tzinfo=self.zone).astimezone(self.zone)  # the offset of that wall time

    def bucket_of(self, label: str) -> datetime:
        return self.truncate(datetime.strptime(label, LABEL).replace(tzinfo=UTC))

    def _next(self, bucket: datetime) -> datetime:
        if self.unit == "hour":
            return self.truncate(bucket.astimezone(UTC) + timedelta(hours=1))
        wall = bucket.replace(tzinfo=None)
        if self.unit == "day":
            wall = wall + timedelta(days=1)
        elif self.unit == "month":
            wall = wall.replace(year=wall.year + wall.month // 12, month=wall.month % 12 + 1)
        else:
            wall = wall.replace(year=wall.year + 1)
        return wall.replace(tzinfo=self.zone).astimezone(self.zone)

    def buckets(self) -> list[datetime]:
        """Every bucket start of the window, oldest first (so empty periods show as zeros)."""
        try:
            return self._buckets()
        except (OverflowError, ValueError):  # past year 9999
            raise invalid("to", "the window reaches past the supported dates") from None

    def _buckets(self) -> list[datetime]:
        first = self.truncate(self.start)
        if self.unit == "alltime":
            return [first]
        out = []
        current = first
        while current.astimezone(UTC) < self.end:
            out.append(current)
            if len(out) > MAX_BUCKETS:
                raise invalid("by", f"the window holds more than {MAX_BUCKETS} buckets; use a larger unit",
                              "TooManyBuckets")
            current = self._next(current)
        return out


def _iso(moment: datetime) -> str:
    text = moment.isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def dates(bucket: datetime) -> dict[str, str]:
    return {"date": _iso(bucket), "dateUtc": _iso(bucket.astimezone(UTC))}


def window(start: datetime, end: datetime, unit: str | None, tz: str | None) -> Window:
    unit = unit or "day"
    if unit not in UNITS:
        raise invalid("by", f"must be one of {', '.join(UNITS)}")
    try:
        start_utc, end_utc = as_utc(start), as_utc(end)
    except (OverflowError, ValueError):
        raise invalid("from", "is out of range") from None
    if end_utc <= start_utc:
        raise invalid("to", "must be after `from`")
    zone: ZoneInfo | timezone = UTC
    if tz and tz.upper() not in ("UTC", "Z", "ETC/UTC"):
        try:
            zone = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise invalid("timezone", f"{tz[:60]!r} is not an IANA time zone", "TimezoneInvalid") from None
    return Window(start_utc, end_utc, unit, zone)
