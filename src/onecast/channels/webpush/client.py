"""Sending one message to one browser subscription: the JSON payload is encrypted to the
subscription's keys (aes128gcm, via http_ece) and POSTed to its endpoint with a VAPID
Authorization header (via py_vapid)."""
from __future__ import annotations

import base64
import json
import os
import time
from typing import Any
from urllib.parse import urlsplit

import http_ece
import httpx
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from onecast.channels.push.content import DeviceResult, PushContent, PushTarget, deep_merge
from onecast.kit.ssrf import AddressGuard

DEFAULT_TTL = 24 * 3600
VAPID_LIFETIME = 12 * 3600  # RFC 8292: at most 24 hours
RECORD_SIZE = 4096
MAX_PLAINTEXT = RECORD_SIZE - 16 - 1 - 86  # tag, delimiter, aes128gcm header with a 65-byte key id


def b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def webpush_payload(content: PushContent) -> dict[str, Any]:
    """What the service worker's `push` event gets (`event.data.json()`)."""
    payload: dict[str, Any] = {"messageId": content.message_id, "title": content.title, "body": content.body,
                               "silent": content.silent, "image": content.image}  # showNotification's `image`
    link = content.deep_link("webPush")
    if link:
        payload["deepLink"] = link
    if "webPush" in content.data:
        payload["data"] = content.data["webPush"]
    return deep_merge({k: v for k, v in payload.items() if v is not None}, content.custom.get("webPush"))


def encrypt(plaintext: bytes, keys: dict[str, str]) -> bytes:
    """RFC 8291: ECDH with a fresh key pair against the subscription's p256dh, mixed with its
    auth secret; one aes128gcm record whose header carries our public key."""
    return http_ece.encrypt(plaintext, salt=os.urandom(16), private_key=ec.generate_private_key(ec.SECP256R1()),
                            dh=b64url_decode(keys["p256dh"]), auth_secret=b64url_decode(keys["auth"]),
                            version="aes128gcm", rs=RECORD_SIZE)


class WebPushClient:
    """Config: `vapidPrivateKey` (base64url raw key or PEM/DER), `subject` (a mailto: or https:
    contact), optional `ttl` seconds (default 86400) when the message has no expiresOn, and
    `allowHttpEndpoints` (default false: push services are https; plain http is for local peers)."""

    platform = "webPush"

    def __init__(self, config: dict[str, Any], guard: AddressGuard | None = None) -> None:
        key, subject = config.get("vapidPrivateKey"), config.get("subject")
        if not key or not subject:
            raise ValueError("webPush needs vapidPrivateKey and subject")
        self.vapid = Vapid02.from_pem(key.encode()) if "-----BEGIN" in key else Vapid02.from_string(key)
        self.subject = subject
        self.default_ttl = int(config.get("ttl") or DEFAULT_TTL)
        self.allow_http = config.get("allowHttpEndpoints") is True
        self._signed: dict[str, tuple[float, str]] = {}
        # the endpoint is the browser's subscription, registered through the API
        self.http = (guard or AddressGuard()).client(timeout=httpx.Timeout(15.0, connect=5.0))

    def authorization(self, endpoint: str) -> str:
        """`vapid t=<JWT>,k=<public key>` for the endpoint's origin, reused until half its life."""
        parts = urlsplit(endpoint)
        audience = f"{parts.scheme}://{parts.netloc}"
        cached = self._signed.get(audience)
        if cached and time.time() < cached[0]:
            return cached[1]
        expires = int(time.time()) + VAPID_LIFETIME
        header = self.vapid.sign({"aud": audience, "sub": self.subject, "exp": expires})["Authorization"]
        self._signed[audience] = (time.time() + VAPID_LIFETIME / 2, header)
        return header

    async def send(self, target: PushTarget, content: PushContent) -> DeviceResult:
        if not (target.token.startswith("https://") or self.allow_http):
            return DeviceResult("rejected", code="InsecureEndpoint",
                                error="the subscription's endpoint is not https (allowHttpEndpoints is off)")
        plaintext = json.dumps(webpush_payload(content), separators=(",", ":")).encode()
        if len(plaintext) > MAX_PLAINTEXT:
            return DeviceResult("rejected", code="PayloadTooLarge", error=f"a Web Push payload holds at most "
                                                                          f"{MAX_PLAINTEXT} bytes, this one {len(plaintext)}")
        ttl = content.ttl_seconds()
        headers = {"Authorization": self.authorization(target.token), "Content-Encoding": "aes128gcm",
                   "Content-Type": "application/octet-stream",
                   "TTL": str(self.default_ttl if ttl is None else ttl),
                   "Urgency": "normal" if content.silent else "high"}
        try:
            response = await self.http.post(target.token, content=encrypt(plaintext, target.keys), headers=headers)
        except httpx.HTTPError as exc:
            return DeviceResult("retry", code="WebPushUnreachable", error=repr(exc))
        status = response.status_code
        if status in (200, 201, 202):
            return DeviceResult("accepted", provider_id=response.headers.get("location"))
        error = f"the push service answered {status}: {response.text[:200]}"
        if status in (404, 410):
            return DeviceResult("gone", code="SubscriptionGone", error=error)
        if status == 429 or status >= 500:
            return DeviceResult("retry", code=f"HTTP{status}", error=error,
                                retry_after=response.headers.get("retry-after"))
        return DeviceResult("rejected", code=f"HTTP{status}", error=error)

    async def close(self) -> None:
        await self.http.aclose()
