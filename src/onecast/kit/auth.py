"""API key authentication and tenant scoping.

A key belongs to one API space. Any other space's resources answer 404, never 403, so a key
cannot learn what exists elsewhere.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select

from onecast.kit.errors import Problem, not_found, unauthorized
from onecast.kit.idempotency import claim, key_scope
from onecast.kit.ids import hash_secret
from onecast.kit.state import get_db

bearer = HTTPBearer(auto_error=False, description="An Onecast API key")


@dataclass(frozen=True)
class Principal:
    key_id: str
    space_id: str
    account_id: str

    @property
    def actor(self) -> str:
        return f"access:{self.key_id}"

    @property
    def idempotency_scope(self) -> str:
        return key_scope(self.account_id, self.space_id, self.key_id)


class KeyCache:
    """Valid keys remembered for a few seconds, so a request costs no key lookup. The process
    that revokes a key or deletes a space clears it at once; other processes within the TTL."""

    def __init__(self, ttl: float = 2.0) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[float, Principal]] = {}

    def get(self, key_hash: str) -> Principal | None:
        entry = self._entries.get(key_hash)
        if entry is None or time.monotonic() - entry[0] > self.ttl:
            return None
        return entry[1]

    def put(self, key_hash: str, principal: Principal) -> None:
        if len(self._entries) > 10_000:
            self._entries.clear()
        self._entries[key_hash] = (time.monotonic(), principal)

    def clear(self) -> None:
        self._entries.clear()


def key_cache(request: Request) -> KeyCache:
    return request.app.state.key_cache


async def lookup_key(request: Request, raw_key: str) -> Principal | None:
    from onecast.spaces.models import ApiKey, ApiSpace

    key_hash = hash_secret(raw_key)
    cached = key_cache(request).get(key_hash)
    if cached is not None:
        return cached
    async with get_db(request).read() as session:
        row = (await session.execute(
            select(ApiKey.id, ApiKey.space_id, ApiSpace.account_id)
            .join(ApiSpace, ApiSpace.id == ApiKey.space_id)
            .where(ApiKey.key_hash == key_hash, ApiKey.revoked_on.is_(None), ApiSpace.deleted_on.is_(None))
        )).first()
    if row is None:
        return None
    principal = Principal(row[0], row[1], row[2])
    key_cache(request).put(key_hash, principal)
    return principal


async def authenticated(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None or not credentials.credentials:
        raise unauthorized("Missing API key: send 'Authorization: Bearer <key>'")
    principal = await lookup_key(request, credentials.credentials)
    if principal is None:
        raise unauthorized("Invalid or revoked API key")
    if not getattr(request.state, "key_rate_checked", False):  # compat/cpaas already counted this request
        enforce_key_rate(request, principal)
    request.state.principal = principal
    await claim(request, principal.idempotency_scope)
    return principal


def enforce_key_rate(request: Request, principal: Principal) -> None:
    """429 with Retry-After when the key is over ONECAST_KEY_RATE_PER_SECOND (0: no limit).
    Every way of authenticating with an API key must call this."""
    settings = request.app.state.settings
    if settings.key_rate_per_second <= 0:
        return
    wait = request.app.state.key_buckets.take(principal.key_id, settings.key_rate_per_second,
                                              settings.key_rate_burst or settings.key_rate_per_second)
    if wait > 0:
        from onecast.observability.metrics import RATE_LIMITED

        RATE_LIMITED.inc()
        raise Problem(429, "TooManyRequests",
                      f"This API key is limited to {settings.key_rate_per_second:g} requests a second",
                      headers={"Retry-After": str(max(1, math.ceil(wait)))})


async def space_principal(
    principal: Annotated[Principal, Depends(authenticated)],
    apiSpaceId: Annotated[str, Path(description="The API space id", max_length=64)],
) -> Principal:
    if apiSpaceId != principal.space_id:
        raise not_found("API space")
    return principal


SpaceAuth = Annotated[Principal, Depends(space_principal)]
KeyAuth = Annotated[Principal, Depends(authenticated)]
