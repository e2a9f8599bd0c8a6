"""A peer's "try again later": HTTP `Retry-After` (RFC 9110: delay-seconds or an HTTP-date) or a
vendor's own field (Telegram's `parameters.retry_after`), as seconds from now."""

from __future__ import annotations

from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from onecast.kit.clock import as_utc, utcnow

MOST = 24 * 3600.0  # a peer asking for more than a day is waited for a day, then asked again


def retry_after_seconds(value: Any, now: datetime | None = None) -> float | None:
    """Seconds to wait, or None when `value` says nothing usable."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        text = str(value).strip()
        try:
            seconds = float(text)
        except ValueError:
            try:
                when = as_utc(parsedate_to_datetime(text))
                if when is None:
                    return None
                seconds = (when - (now or utcnow())).total_seconds()
            except (TypeError, ValueError, IndexError, OverflowError):
                return None
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), MOST)
