"""The JWTs of app users: verifying the space backend's login tokens, issuing session and
anonymous tokens signed with the space's own session secret (HS256, PyJWT)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import jwt

from onecast.appusers.models import SpaceAuthConfig
from onecast.kit.clock import utcnow
from onecast.kit.errors import unauthorized
from onecast.kit.text import text_errors

ANON_ISSUER = "onecast:anonymous"
SESSION_ISSUER = "onecast:session"
ANON_PREFIX = "anon_"


def session_audience(space_id: str) -> str:
    return f"onecast:{space_id}"


def issue_session_token(config: SpaceAuthConfig, session_id: str, profile_id: str, expires_on: datetime) -> str:
    claims = {"iss": SESSION_ISSUER, "aud": session_audience(config.space_id), "sub": profile_id,
              "sid": session_id, "spc": config.space_id, "iat": utcnow(), "exp": expires_on}
    return jwt.encode(claims, config.session_secret, algorithm="HS256")


def issue_anonymous_token(config: SpaceAuthConfig, user_id: str, nonce: str, lifetime: timedelta) -> str:
    now = utcnow()
    claims = {"iss": ANON_ISSUER, "aud": session_audience(config.space_id), "sub": ANON_PREFIX + user_id,
              "nonce": nonce, "iat": now, "exp": now + lifetime}
    return jwt.encode(claims, config.session_secret, algorithm="HS256")


def unverified_claims(token: str) -> dict[str, Any] | None:
    """The claims, or None when the token is not a JWT whose text keeps kit.text's rule (its
    claims reach database queries, and the HTTP layer sees only the base64 of them)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    return claims if isinstance(claims, dict) and not text_errors(claims) else None


def verify_session_token(config: SpaceAuthConfig, token: str) -> dict[str, Any]:
    try:
        return jwt.decode(token, config.session_secret, algorithms=["HS256"], issuer=SESSION_ISSUER,
                          audience=session_audience(config.space_id), options={"require": ["exp", "sub", "sid"]})
    except jwt.PyJWTError as exc:
        raise unauthorized(f"Invalid session token: {exc}") from None


def verify_login_token(config: SpaceAuthConfig, token: str) -> tuple[str, str]:
    """(profile id, nonce) from the JWT a client presents to start a session: either the
    anonymous token Onecast issued, or one signed by the space's backend with the shared secret."""
    claims = unverified_claims(token)
    if claims is None:
        raise unauthorized("authenticationToken is not a JWT")
    try:
        if claims.get("iss") == ANON_ISSUER:
            verified = jwt.decode(token, config.session_secret, algorithms=["HS256"], issuer=ANON_ISSUER,
                                  audience=session_audience(config.space_id),
                                  options={"require": ["exp", "sub", "nonce"]})
            return str(verified["sub"]), str(verified["nonce"])
        if not config.shared_secret:
            raise unauthorized("The API space has no auth config (PUT /apispaces/{id}/auth)")
        verified = jwt.decode(token, config.shared_secret.encode("utf-8"), algorithms=["HS256"],
                              issuer=config.issuer or None, audience=config.audience or None,
                              options={"require": ["exp", "nonce"], "verify_aud": bool(config.audience),
                                       "verify_iss": bool(config.issuer)})
    except jwt.PyJWTError as exc:
        raise unauthorized(f"Invalid authenticationToken: {exc}") from None
    user_id = verified.get(config.id_claim or "sub")
    if not isinstance(user_id, str) or not user_id or len(user_id) > 200 or "/" in user_id:
        raise unauthorized(f"authenticationToken: claim {config.id_claim!r} must be a non-empty id")
    return user_id, str(verified["nonce"])
