"""The sockets of this process, by (space, profile). Publishing never blocks: a socket that
cannot keep up loses its queue and is closed, so one slow client cannot stall the others. The
sockets of ended sessions (a deleted space, a revoked key, a logout) are closed the same way."""
from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

QUEUE_SIZE = 1000


class Subscription:
    def __init__(self, space_id: str, profile_id: str, session_id: str | None = None) -> None:
        self.space_id = space_id
        self.profile_id = profile_id
        self.session_id = session_id
        self.queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(QUEUE_SIZE)
        self.closing: tuple[int, str] | None = None  # (WebSocket close code, reason) once closing

    def offer(self, event: dict[str, Any]) -> None:
        if self.closing is not None:
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.close(1013, "The client fell too far behind")

    def close(self, code: int, reason: str) -> None:
        """Drop what is queued and wake the socket, which then closes with this code."""
        if self.closing is not None:
            return
        self.closing = (code, reason)
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(None)


class Hub:
    def __init__(self) -> None:
        self._subs: dict[tuple[str, str], set[Subscription]] = defaultdict(set)

    def subscribe(self, space_id: str, profile_id: str, session_id: str | None = None) -> Subscription:
        sub = Subscription(space_id, profile_id, session_id)
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
        """notice = {"space": id, "to": [profile ids], "event": envelope}, or {"space": id, "ended":
        [session ids] or None for all} (see notify.close_sockets); returns sockets reached."""
        if "ended" in notice:
            return self.close_sessions(notice["space"], notice["ended"])
        reached = 0
        for profile_id in set(notice.get("to") or []):
            for sub in list(self._subs.get((notice["space"], profile_id), ())):
                sub.offer(notice["event"])
                reached += 1
        return reached

    def close_sessions(self, space_id: str, session_ids: list[str] | None) -> int:
        """Close the sockets of these sessions of the space (None: all of the space's sockets)."""
        wanted = None if session_ids is None else set(session_ids)
        closed = 0
        for (space, _profile), subs in list(self._subs.items()):
            if space != space_id:
                continue
            for sub in list(subs):
                if wanted is None or sub.session_id in wanted:
                    sub.close(4401, "The session has ended")
                    closed += 1
        return closed


HUB = Hub()
