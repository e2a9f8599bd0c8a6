"""The console's login session: a signed cookie (HttpOnly, SameSite=Lax, path /console) holding the
token of a login kept server-side (console.session_store), whose row says who is logged in and
holds the CSRF token that every form and htmx request must send back. Before login, the cookie
holds an anonymous visitor's CSRF token for the login form."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from fastapi import HTTPException, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from onecast.config import Settings
from onecast.console import session_store
from onecast.kit.auth import Principal
from onecast.kit.clock import utcnow
from onecast.kit.idempotency import claim, key_scope, principal_scope
from onecast.kit.state import get_db, get_settings

COOKIE = "onecast_console"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True)
class Viewer:
    """Who is looking: a console user (every space) or an API key (its own space only)."""

    name: str
    user_id: str | None = None
    key_id: str | None = None
    key_space_id: str | None = None
    key_account_id: str | None = None
    session_id: str | None = None  # the login's row in console_sessions

    @property
    def agent(self) -> str:
        return session_store.agent_profile(self.name if self.user_id else None, self.key_id)

    def can_see(self, space_id: str) -> bool:
        return self.key_space_id is None or self.key_space_id == space_id

    @property
    def idempotency_scope(self) -> str:
        if self.key_id:
            return key_scope(self.key_account_id or "", self.key_space_id or "", self.key_id)
        return principal_scope("*", "*", f"user:{self.user_id}")  # a console user sees every space

    def principal(self, space_id: str, account_id: str) -> Principal:
        """Whom services record as the actor of a console change."""
        if self.key_id:
            return Principal(self.key_id, space_id, account_id)
        return Principal(f"console:{self.name}", space_id, account_id)


def _secret(settings: Settings) -> str:
    if settings.console_secret:
        return settings.console_secret
    # Derived from the key that encrypts secrets at rest: stable across restarts and processes.
    from onecast.kit.secrets import key_file_for, read_key_file

    keys = [k for k in settings.secret_keys.split(",") if k.strip()] if settings.secret_keys else []
    material = (keys or read_key_file(key_file_for(settings), create=True))[0]
    return hmac.new(material.encode(), b"onecast-console-session", hashlib.sha256).hexdigest()


def _serializer(request: Request) -> URLSafeTimedSerializer:
    app_state = request.app.state
    serializer = getattr(app_state, "console_serializer", None)
    if serializer is None:
        serializer = URLSafeTimedSerializer(_secret(get_settings(request)), salt="onecast-console")
        app_state.console_serializer = serializer
    return serializer


def _cookie(request: Request) -> dict:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return {}
    try:
        data = _serializer(request).loads(raw, max_age=get_settings(request).console_session_hours * 3600)
    except BadSignature:
        return {}
    return data if isinstance(data, dict) else {}


async def load_session(request: Request) -> dict:
    """The request's session, read once: a login (`sid` in the cookie, the rest from its row in
    console_sessions; a logged-out or ended one reads as no login) or an anonymous visitor's CSRF."""
    if "console_session" in request.scope:
        return request.scope["console_session"]
    cookie = _cookie(request)
    data: dict = {}
    if isinstance(cookie.get("sid"), str):
        async with get_db(request).read() as db:
            row = await session_store.find(db, cookie["sid"])
        if row is not None:
            data = {"sid": cookie["sid"], "row": row.id, "csrf": row.csrf, "user": row.user_id, "key": row.key_id}
            # A page, not a form post or an htmx fragment, shows the last form's notice, once.
            shows_flash = bool(row.flash) and request.method == "GET" and not request.headers.get("HX-Request")
            if shows_flash:
                data["flash"] = row.flash
            if shows_flash or session_store.needs_touch(row, utcnow()):
                async with get_db(request).transaction() as db:
                    await session_store.touch(db, row.id)
                    if shows_flash:
                        await session_store.take_flash(db, row.id)
    elif isinstance(cookie.get("csrf"), str):
        data = {"csrf": cookie["csrf"]}
    request.scope["console_session"] = data
    return data


def read_session(request: Request) -> dict:
    """The session `load_session` read for this request (every console route loads it first)."""
    return request.scope["console_session"]


def write_session(request: Request, response: Response, data: dict) -> None:
    """The cookie carries a login's token (`sid`) or an anonymous visitor's CSRF token."""
    request.scope["console_session"] = data
    cookie = {"sid": data["sid"]} if data.get("sid") else {k: v for k, v in data.items() if k == "csrf"}
    response.set_cookie(COOKIE, _serializer(request).dumps(cookie), httponly=True, samesite="lax", path="/console",
                        secure=request.url.scheme == "https",
                        max_age=get_settings(request).console_session_hours * 3600)


def csrf_token(request: Request) -> str:
    """The session's token; a new anonymous session gets one (see `ensure_session`)."""
    session = read_session(request)
    if not session.get("csrf"):
        session["csrf"] = secrets.token_urlsafe(32)
        request.scope["console_session_dirty"] = True
    return session["csrf"]


def ensure_session(request: Request, response: Response) -> None:
    """Persist a session whose CSRF token was just made, so the next POST can present it."""
    if request.scope.pop("console_session_dirty", False):
        write_session(request, response, read_session(request))


async def check_csrf(request: Request) -> None:
    expected = (await load_session(request)).get("csrf")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        sent = form.get(CSRF_FIELD)
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(expected, sent):
        raise HTTPException(403, "The form is stale or did not come from the console: reload the page")


def login_redirect(request: Request) -> HTTPException:
    headers = {"Location": "/console/login"}
    if request.headers.get("HX-Request"):
        headers["HX-Redirect"] = "/console/login"
    return HTTPException(303, "Log in first", headers=headers)


async def current_viewer(request: Request) -> Viewer:
    """The logged-in viewer, checked against the database on every request (a logout, a revoked
    key, a disabled user ends the session at once); else a redirect to the login page."""
    from onecast.console.models import ConsoleUser
    from onecast.spaces.models import ApiKey, ApiSpace

    session = await load_session(request)
    async with get_db(request).read() as db:
        if session.get("user"):
            user = await db.get(ConsoleUser, session["user"])
            if user is not None and user.disabled_on is None:
                return Viewer(name=user.username, user_id=user.id, session_id=session["row"])
        elif session.get("key"):
            row = (await db.execute(
                select(ApiKey.id, ApiKey.space_id, ApiSpace.account_id, ApiKey.prefix)
                .join(ApiSpace, ApiSpace.id == ApiKey.space_id)
                .where(ApiKey.id == session["key"], ApiKey.revoked_on.is_(None), ApiSpace.deleted_on.is_(None))
            )).first()
            if row is not None:
                return Viewer(name=f"key {row[3]}…", key_id=row[0], key_space_id=row[1], key_account_id=row[2],
                              session_id=session["row"])
    raise login_redirect(request)


async def writer(request: Request) -> Viewer:
    """A logged-in viewer whose POST carries the session's CSRF token."""
    viewer = await current_viewer(request)
    await check_csrf(request)
    await claim(request, viewer.idempotency_scope)
    return viewer
