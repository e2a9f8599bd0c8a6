"""Per-channel send rate: `config.ratePerSecond` of a channel, else
ONECAST_CHANNEL_RATE_PER_SECOND (0: unlimited). A short wait is slept in place; a long one hands
the job back to the outbox for later, so throttled channels never hold every delivery slot."""
from __future__ import annotations

import asyncio
from typing import Any

from onecast.kit.ratelimit import BucketMap

LONGEST_SLEEP = 1.0


def channel_rate(config: dict[str, Any], default: float) -> float:
    value = config.get("ratePerSecond")
    return float(value) if isinstance(value, (int, float)) and value > 0 else default


async def wait_for_slot(buckets: BucketMap, channel_key: object, rate: float) -> float:
    """0.0 once the send may go ahead; otherwise the seconds after which to try again."""
    if rate <= 0:
        return 0.0
    burst = max(1.0, rate)
    while (wait := buckets.take(channel_key, rate, burst)) > 0:
        if wait > LONGEST_SLEEP:
            return wait
        await asyncio.sleep(wait)
    return 0.0
