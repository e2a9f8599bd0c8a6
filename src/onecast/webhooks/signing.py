"""Signatures a receiver can check: Standard Webhooks (`webhook-id`, `webhook-timestamp`,
`webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>`, one per live secret during a
rotation) and the seed API's `X-Comapi-Signature` (hex HMAC-SHA1 of the body)."""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def signing_key(secret: str) -> bytes:
    """`whsec_<base64>` secrets sign with the decoded bytes (as the Standard Webhooks libraries
    expect); any other secret a client chose signs with its UTF-8 bytes."""
    if secret.startswith(SECRET_PREFIX):
        try:
            return base64.b64decode(secret[len(SECRET_PREFIX):], validate=True)
        except binascii.Error:
            pass
    return secret.encode()


def valid_whsec(secret: str) -> bool:
    if not secret.startswith(SECRET_PREFIX):
        return True
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX):], validate=True)
    except binascii.Error:
        return False
    return 16 <= len(key) <= 64


def standard_signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(signing_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def comapi_signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def signed_headers(current: str, previous: list[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    signatures = [standard_signature(s, msg_id, timestamp, body) for s in [current, *previous]]
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signatures),
        "X-Comapi-Signature": comapi_signature(current, body),
    }
