"""What an answer means for a delivery, and when the next attempt is due."""
from __future__ import annotations

import random

DELIVERED = "delivered"
RETRY = "retry"
REJECTED = "rejected"  # not retried: the receiver refused it, or the target is not allowed
GONE = "gone"  # 410: the receiver asks us to stop; the webhook is disabled


def classify(status_code: int) -> str:
    if 200 <= status_code < 300:
        return DELIVERED
    if status_code == 410:
        return GONE
    if 400 <= status_code < 500 and status_code not in (408, 429):
        return REJECTED
    return RETRY


def parse_schedule(raw: str) -> list[float]:
    return [float(part) for part in raw.split(",") if part.strip()]


def next_delay(schedule: list[float], attempts: int, jitter: float, rng: random.Random | None = None) -> float | None:
    """Seconds until the next attempt after `attempts` failed ones; None when the schedule is spent."""
    if attempts > len(schedule):
        return None
    rng = rng or random
    return schedule[attempts - 1] * rng.uniform(1 - jitter, 1 + jitter)
