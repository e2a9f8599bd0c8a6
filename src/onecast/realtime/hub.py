"""The sockets of this process, by (space, profile). Publishing never blocks: a socket that
cannot keep up loses its queue and is closed, so one slow client cannot stall the others."""
from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

QUEUE_SIZE = 1000


class Subscription:
    def __init__(self, space_id: str, profile_id: str) -> None:
        self.space_id = space_id
        self.profile_id = profile_id
        self.queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(QUEUE_SIZE)
        self.overflowed = False

    def offer(self, event: dict[str, Any]) -> None:
        if self.overflowed:
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed = True
            self.queue = asyncio.Queue(1)
            self.queue.put_nowait(None)  # wakes the socket, which then closes


class Hub:
    def __init__(self) -> None:
        self._subs: dict[tuple[str, str], set[Subscription]] = defaultdict(set)

    def subscribe(self, space_id: str, profile_id: str) -> Subscription:
        sub = Subscription(space_id, profile_id)
        self._subs[(space_id, profile_id)].add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        subs = self._subs.get((sub.space_id, sub.profile_id))
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._subs[(sub.space_id, sub.profile_id)]

    @property
    def count(self) -> int:
        return sum(len(s) for s in self._subs.values())

    def deliver(self, notice: dict[str, Any]) -> int:
        """notice = {"space": id, "to": [profile ids], "event": envelope}; returns sockets reached."""
        reached = 0
        for profile_id in set(notice.get("to") or []):
            for sub in list(self._subs.get((notice["space"], profile_id), ())):
                sub.offer(notice["event"])
                reached += 1
        return reached


HUB = Hub()
