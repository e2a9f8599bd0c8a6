"""Every compatibility surface authenticates with an Onecast API key carried its own way
(Bird `AccessKey`, Messaging API `x-api-key`, HTTP Basic); this turns the raw key into the
principal exactly as the Bearer scheme does, per-key rate limit included."""
from __future__ import annotations

from fastapi import Request

from onecast.kit.auth import Principal, enforce_key_rate, lookup_key
from onecast.kit.errors import Problem
from onecast.kit.idempotency import claim


def unauthorized(detail: str, scheme: str) -> Problem:
    return Problem(401, "Unauthorized", detail, headers={"WWW-Authenticate": scheme})


async def principal_for_key(request: Request, raw_key: str | None, scheme: str, how: str) -> Principal:
    """401 (with `how` to authenticate) when the key is missing or unknown; 429 over the key's rate.
    Claims the request's Idempotency-Key for the key."""
    if not raw_key:
        raise unauthorized(f"Missing API key: {how}", scheme)
    principal = await lookup_key(request, raw_key)
    if principal is None:
        raise unauthorized("Invalid or revoked API key", scheme)
    enforce_key_rate(request, principal)
    request.state.principal = principal
    request.state.api_key = raw_key
    request.state.key_rate_checked = True  # a request re-dispatched inside the app is not counted twice
    await claim(request, principal.idempotency_scope)
    return principal
