"""Real `onecast api` server processes for tests that need a socket or a browser, and a
WebSocket client that waits for named events."""
from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager

import websockets

from tests.support.processes import running_onecast


@contextmanager
def running_api(database_url: str, **env_extra: str) -> Iterator[str]:
    """Yield the base URL of a fresh `onecast api` process on this database (tests.support.processes)."""
    with running_onecast("api", database_url, env=env_extra) as server:
        yield server.base


class EventSocket:
    """An app user's socket; `next(name)` returns the next event of that name (others are kept)."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.seen: list[dict] = []

    @classmethod
    async def open(cls, base: str, space_id: str, token: str) -> EventSocket:
        url = base.replace("http://", "ws://") + f"/apispaces/{space_id}/socket?token={token}"
        sock = cls(await websockets.connect(url))
        info = await sock.next("socket.info")
        assert info["apiSpaceId"] == space_id
        return sock

    async def next(self, name: str, timeout: float = 15.0) -> dict:
        for i, event in enumerate(self.seen):
            if event["name"] == name:
                return self.seen.pop(i)
        async with asyncio.timeout(timeout):
            while True:
                event = json.loads(await self.connection.recv())
                if event["name"] == name:
                    return event
                self.seen.append(event)

    async def close(self) -> None:
        await self.connection.close()
