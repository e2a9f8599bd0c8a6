"""Token buckets: per API key (requests) and per channel (sends). In-process: with several
processes each enforces the limit on its own share of the traffic."""
from __future__ import annotations

import time


class TokenBucket:
    """`rate` tokens a second, at most `burst` saved up."""

    def __init__(self, rate: float, burst: float, now: float | None = None) -> None:
        self.rate = rate
        self.burst = max(burst, 1.0)
        self.tokens = self.burst
        self.stamp = time.monotonic() if now is None else now

    def _refill(self, now: float) -> None:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def take(self, now: float | None = None) -> float:
        """Take a token: 0.0 when granted, else the seconds until one is available (nothing taken)."""
        now = time.monotonic() if now is None else now
        self._refill(now)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


class BucketMap:
    """One bucket per key, created on first use; the oldest are forgotten past `max_keys`."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self.max_keys = max_keys
        self._buckets: dict[object, TokenBucket] = {}

    def take(self, key: object, rate: float, burst: float) -> float:
        bucket = self._buckets.get(key)
        if bucket is None or bucket.rate != rate or bucket.burst != max(burst, 1.0):
            if len(self._buckets) >= self.max_keys:
                self._buckets.pop(next(iter(self._buckets)))
            bucket = self._buckets[key] = TokenBucket(rate, burst)
        return bucket.take()
