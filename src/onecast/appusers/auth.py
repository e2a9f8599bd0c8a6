"""Who calls an app-messaging endpoint: the space's server (an API key, full access) or an app
user (a session token, acting as its profile). Another space's key or token gets 404."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials

from onecast.appusers import service, tokens
from onecast.kit.auth import bearer, lookup_key
from onecast.kit.errors import not_found, unauthorized
from onecast.kit.idempotency import claim, key_scope
from onecast.kit.state import get_db


@dataclass(frozen=True)
class Caller:
    space_id: str
    profile_id: str | None = None  # None: the space's server, holding an API key
    session_id: str | None = None
    key_id: str | None = None
    account_id: str = ""

    @property
    def is_server(self) -> bool:
        return self.profile_id is None

    @property
    def actor(self) -> str:
        return f"access:{self.key_id}" if self.is_server else f"session:{self.profile_id}"

    @property
    def idempotency_scope(self) -> str:
        if self.is_server:
            return key_scope(self.account_id, self.space_id, self.key_id or "")
        return service.session_scope(self.account_id, self.space_id, self.session_id or "")


async def caller_from_token(request: Request, token: str, space_id: str) -> Caller:
    """An API key or a session token; raises 401 (invalid) or 404 (another space's)."""
    if not token:
        raise unauthorized("Missing credentials: send 'Authorization: Bearer <API key or session token>'")
    claims = tokens.unverified_claims(token) if token.count(".") == 2 else None
    if claims is None:
        principal = await lookup_key(request, token)
        if principal is None:
            raise unauthorized("Invalid or revoked API key")
        if principal.space_id != space_id:
            raise not_found("API space")
        return Caller(space_id=space_id, key_id=principal.key_id, account_id=principal.account_id)
    token_space = claims.get("spc")
    if not isinstance(token_space, str):
        raise unauthorized("Not a session token")
    async with get_db(request).read() as session:
        config = await service.get_config(session, token_space)
        if config is None:
            raise unauthorized("Invalid session token")
        verified = tokens.verify_session_token(config, token)
        if token_space != space_id:
            raise not_found("API space")
        live = await service.live_session_of_account(session, verified["sid"])
    if live is None:
        raise unauthorized("The session has ended or expired, or its API space was deleted")
    app_session, account_id = live
    return Caller(space_id=space_id, profile_id=app_session.profile_id, session_id=app_session.id,
                  account_id=account_id)


async def space_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    apiSpaceId: Annotated[str, Path(description="The API space id", max_length=64)],
) -> Caller:
    caller = await caller_from_token(request, credentials.credentials if credentials else "", apiSpaceId)
    await claim(request, caller.idempotency_scope)
    return caller


CallerAuth = Annotated[Caller, Depends(space_caller)]
