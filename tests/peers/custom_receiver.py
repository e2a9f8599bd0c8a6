"""The customer's endpoint of a custom channel: checks the Standard Webhooks signature with
its own code (webhook-id, webhook-timestamp, webhook-signature `v1,<base64 HMAC-SHA256>`)."""
from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from tests.peers.http_peer import HttpPeer, Recorded


class CustomReceiver(HttpPeer):
    def __init__(self, secret: str, answer: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.key = base64.b64decode(secret[len("whsec_"):]) if secret.startswith("whsec_") else secret.encode()
        self.answer = answer or {}
        self.accepted: list[Recorded] = []

    def signature_ok(self, request: Recorded) -> bool:
        msg_id, stamp = request.headers.get("webhook-id", ""), request.headers.get("webhook-timestamp", "")
        signed = f"{msg_id}.{stamp}.".encode() + request.raw
        expected = base64.b64encode(hmac.new(self.key, signed, hashlib.sha256).digest()).decode()
        given = [s.split(",", 1)[1] for s in request.headers.get("webhook-signature", "").split() if "," in s]
        return any(hmac.compare_digest(expected, g) for g in given)

    def route(self, request: Recorded) -> tuple[int, Any]:
        if not self.signature_ok(request):
            return 401, {"error": "bad signature"}
        self.accepted.append(request)
        return 200, self.answer
