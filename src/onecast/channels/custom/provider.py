"""The `custom_http` provider for custom channels: POSTs the rendered message as JSON to the
customer's URL, signed the Standard Webhooks way (`webhook-id`, `webhook-timestamp`,
`webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`). Receipts come back
through POST /messages/{id}/statuses/{status}, replies through POST /messages/inbounds.

Channel config: url, secret (`whsec_<base64>` or plain text), idField, ratePerSecond.
A 2xx answer is `sent` (its JSON may give `id`, the customer's message id, and `status`:
delivered or read); 408, 429 and 5xx are retried; other answers fail permanently."""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from typing import Any

from onecast.channels.base import OutboundMessage, Receipt, SendResult
from onecast.channels.types import address_field
from onecast.channels.vendor_http import HttpProvider, http_failure, json_of
from onecast.kit.clock import iso
from onecast.kit.ssrf import AddressGuard

RECEIPTS = {"delivered": ("delivered",), "read": ("delivered", "read")}


def secret_bytes(secret: str) -> bytes:
    if secret.startswith("whsec_"):
        try:
            return base64.b64decode(secret[len("whsec_"):], validate=True)
        except (binascii.Error, ValueError):
            pass
    return secret.encode()


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def rendered(message: OutboundMessage) -> dict[str, Any]:
    payload = {
        "messageId": message.message_id, "apiSpaceId": message.space_id, "channel": message.channel,
        "to": {address_field("custom", message.config): message.address}, "address": message.address,
        "title": message.title, "body": message.body, "customBody": message.custom_body,
        "messageParts": message.parts, "metadata": message.metadata, "attempt": message.attempt,
        "expiresOn": iso(message.expires_on) if message.expires_on else None,
    }
    return {k: v for k, v in payload.items() if v not in (None, [], {})}


class CustomHttpProvider(HttpProvider):
    name = "custom_http"
    required = ("url", "secret")

    async def send(self, message: OutboundMessage) -> SendResult:
        problem = self.misconfigured()
        if problem is not None:
            return problem
        body = json.dumps(rendered(message), separators=(",", ":")).encode()
        timestamp = int(time.time())
        headers = {"content-type": "application/json", "webhook-id": message.message_id,
                   "webhook-timestamp": str(timestamp),
                   "webhook-signature": sign(str(self.config["secret"]), message.message_id, timestamp, body)}
        response = await self.request("POST", str(self.config["url"]), content=body, headers=headers)
        if isinstance(response, SendResult):
            return response
        if not response.is_success:
            return http_failure(response, "CustomEndpointRejected", f"the endpoint answered {response.status_code}: "
                                                                    f"{response.text[:300]}")
        answer = json_of(response)
        receipts = tuple(Receipt(s, {"provider": "custom_http"}) for s in RECEIPTS.get(answer.get("status"), ()))
        return SendResult(ok=True, provider_message_id=str(answer.get("id") or message.message_id),
                          details={"httpStatus": response.status_code}, receipts=receipts)


def create(config: dict[str, Any], db: Any, guard: AddressGuard | None = None) -> CustomHttpProvider:
    return CustomHttpProvider(config, db, guard)
