"""The customer's app receiving Messaging API callbacks (seed 003 `/api/v1/message/receive`):
records each InBoundWrapper with its `x-verify-token`, answers 200 (or `fail_with`). On
`/api/v1/contact/info` it records each InBoundContact and answers `contact_info` (a
ContactInfoUpdate; the document's example unless set)."""
from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


class Receiver:
    def __init__(self) -> None:
        self.received: list[tuple[str | None, dict]] = []
        self.headers: list[dict[str, str]] = []
        self.fail_with: int | None = None
        self.contacts: list[tuple[str | None, dict]] = []
        self.contact_info: dict = {"email": "", "name": "John Doe", "mobile": 919988776655, "profileId": "C34567",
                                   "labels": [{"format": "MM/DD/YY", "name": "Customer Type", "type": "TEXT",
                                               "value": "Platinum"}]}
        self.app = Starlette(routes=[Route("/api/v1/message/receive", self.receive, methods=["POST"]),
                                     Route("/api/v1/contact/info", self.info, methods=["POST"])])

    async def info(self, request: Request) -> JSONResponse:
        self.contacts.append((request.headers.get("x-verify-token"), await request.json()))
        return JSONResponse(self.contact_info)

    async def receive(self, request: Request) -> JSONResponse:
        if self.fail_with:
            return JSONResponse({"error": "down"}, status_code=self.fail_with)
        body = await request.json()
        self.headers.append(dict(request.headers))
        self.received.append((request.headers.get("x-verify-token"), body))
        return JSONResponse(body)  # the doc's response schema is the InBoundWrapper echoed
