"""Identifiers and secrets."""
from __future__ import annotations

import hashlib
import secrets
import uuid


def new_id() -> str:
    return str(uuid.uuid4())


def new_api_key() -> str:
    # A recognisable prefix lets secret scanners find leaked keys.
    return "onecast_" + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
