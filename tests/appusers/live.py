"""Real `onecast api` server processes for tests that need a socket or a browser, and a
WebSocket client that waits for named events."""
from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager

import httpx
import websockets


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_api(database_url: str, **env_extra: str):
    """Yield the base URL of a fresh `onecast api` process on this database."""
    port = free_port()
    env = {**os.environ, "ONECAST_DATABASE_URL": database_url, **env_extra}
    proc = subprocess.Popen([sys.executable, "-m", "onecast.cli", "api", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                if httpx.get(base + "/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(proc.stderr.read().decode()[-2000:])
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


class EventSocket:
    """An app user's socket; `next(name)` returns the next event of that name (others are kept)."""

    def __init__(self, connection) -> None:  # noqa: ANN001
        self.connection = connection
        self.seen: list[dict] = []

    @classmethod
    async def open(cls, base: str, space_id: str, token: str) -> "EventSocket":
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
