"""The customer's app receiving Messaging API callbacks (seed 003 `/api/v1/message/receive`):
records each InBoundWrapper with its `x-verify-token`, answers 200 (or `fail_with`)."""
from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


class Receiver:
    def __init__(self) -> None:
        self.received: list[tuple[str | None, dict]] = []
        self.fail_with: int | None = None
        self.app = Starlette(routes=[Route("/api/v1/message/receive", self.receive, methods=["POST"])])

    async def receive(self, request: Request) -> JSONResponse:
        if self.fail_with:
            return JSONResponse({"error": "down"}, status_code=self.fail_with)
        body = await request.json()
        self.received.append((request.headers.get("x-verify-token"), body))
        return JSONResponse(body)  # the doc's response schema is the InBoundWrapper echoed
