"""OAuth 2.0 access tokens for a Google service account: a JWT signed with the account's key is
exchanged at its token URI (RFC 7523 JWT bearer grant); the token is reused until shortly
before it expires, by every provider instance of the process (a channel edit makes a new one)."""
from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from onecast.kit.ids import hash_secret

GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_LIFETIME = 3600
REFRESH_MARGIN = 60.0  # seconds before expiry when a fresh token is fetched


class TokenError(Exception):
    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


def load_service_account(raw: Any) -> dict[str, Any]:
    """The service-account JSON as downloaded from the Google Cloud console (object or string)."""
    account = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(account, dict):
        raise ValueError("serviceAccount must be the service-account JSON")
    missing = [k for k in ("client_email", "private_key") if not account.get(k)]
    if missing:
        raise ValueError(f"serviceAccount lacks {', '.join(missing)}")
    return account


@dataclass
class _Cached:
    token: str | None = None
    expires: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


_CACHE: dict[tuple[str, str, str, str], _Cached] = {}  # per (token URL, signing key, scope)


class ServiceAccountToken:
    def __init__(self, account: dict[str, Any], http: httpx.AsyncClient, *, token_url: str | None = None,
                 scope: str = FCM_SCOPE, clock: Callable[[], float] = time.monotonic) -> None:
        self.email = account["client_email"]
        self.key_id = account.get("private_key_id")
        self.token_url = token_url or account.get("token_uri") or GOOGLE_TOKEN_URI
        self.scope = scope
        self._key = load_pem_private_key(account["private_key"].encode(), password=None)
        self._http = http
        self._clock = clock
        self._cached = _CACHE.setdefault((self.token_url, self.email, hash_secret(account["private_key"]), scope),
                                         _Cached())

    def assertion(self) -> str:
        now = int(time.time())
        claims = {"iss": self.email, "scope": self.scope, "aud": self.token_url, "iat": now,
                  "exp": now + ASSERTION_LIFETIME}
        headers = {"kid": self.key_id} if self.key_id else None
        return jwt.encode(claims, self._key, algorithm="RS256", headers=headers)

    def invalidate(self, token: str) -> None:
        if self._cached.token == token:
            self._cached.token = None

    async def get(self) -> str:
        cached = self._cached
        async with cached.lock:  # concurrent sends share one exchange
            if cached.token is None or self._clock() >= cached.expires:
                await self._exchange()
            return cached.token

    async def _exchange(self) -> None:
        try:
            response = await self._http.post(self.token_url, data={"grant_type": JWT_BEARER,
                                                                   "assertion": self.assertion()})
        except httpx.HTTPError as exc:
            raise TokenError(f"token endpoint unreachable: {exc!r}", transient=True) from exc
        if response.status_code != 200:
            raise TokenError(f"token endpoint answered {response.status_code}: {response.text[:300]}",
                             transient=response.status_code >= 500 or response.status_code == 429)
        body = response.json()
        lifetime = float(body.get("expires_in", 3600))
        self._cached.token = body["access_token"]
        self._cached.expires = self._clock() + max(lifetime - REFRESH_MARGIN, lifetime / 2)
