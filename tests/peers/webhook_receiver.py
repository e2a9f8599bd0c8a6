"""A real HTTP receiver on loopback for webhook tests and the benchmark (uvicorn, raw ASGI).

Paths choose the answer: `/ok` 200; `/status/<code>` that code; `/script/<name>` the next code of
a script set with `script(name, [500, 200])` (then 200); `/hold/<name>` answers 200 only after
`release(name)` (a slow endpoint, or a timeout when never released). Every request is recorded
(path, headers, body) before it is answered.
"""
from __future__ import annotations

import asyncio
import socket
import time
from dataclasses import dataclass, field

import uvicorn


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)
    wall: float = field(default_factory=time.time)


class WebhookReceiver:
    def __init__(self) -> None:
        self.requests: list[Received] = []
        self._scripts: dict[str, list[int]] = {}
        self._holds: dict[str, asyncio.Event] = {}
        self._changed = asyncio.Condition()
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task | None = None
        self.port = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def script(self, name: str, codes: list[int]) -> None:
        self._scripts[name] = list(codes)

    def hold(self, name: str) -> asyncio.Event:
        return self._holds.setdefault(name, asyncio.Event())

    def release(self, name: str) -> None:
        self.hold(name).set()

    def at(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]

    async def wait_for(self, path: str, count: int = 1, timeout: float = 30.0) -> list[Received]:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(self.at(path)) >= count), timeout)
        return self.at(path)

    async def _answer(self, path: str) -> int:
        parts = path.strip("/").split("/")
        if parts[0] == "retry-after" and len(parts) > 1:  # 429 with Retry-After: <seconds>
            return 429
        if parts[0] == "status" and len(parts) > 1:
            return int(parts[1])
        if parts[0] == "script" and len(parts) > 1:
            codes = self._scripts.get(parts[1], [])
            return codes.pop(0) if codes else 200
        if parts[0] == "hold" and len(parts) > 1:
            await self.hold(parts[1]).wait()
        return 200

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        async with self._changed:
            self.requests.append(Received(scope["path"], headers, body))
            self._changed.notify_all()
        status = await self._answer(scope["path"])
        extra = [(b"retry-after", scope["path"].strip("/").split("/")[1].encode())] if status == 429 \
            and scope["path"].startswith("/retry-after/") else []
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-length", b"0"), *extra]})
        await send({"type": "http.response.body", "body": b""})

    async def start(self) -> WebhookReceiver:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self, lifespan="off", log_level="warning", access_log=False)
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            await asyncio.sleep(0.01)
        return self

    async def stop(self) -> None:
        for event in self._holds.values():
            event.set()
        if self._server is not None:
            self._server.should_exit = True
            await self._task
