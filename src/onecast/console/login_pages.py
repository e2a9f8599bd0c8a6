"""Log in with a console user's password or an API key (throttled: console.login_throttle); log out."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from onecast.console import login_throttle, session_store, users
from onecast.console.render import HERE, page, redirect
from onecast.console.routing import ConsoleRoute
from onecast.console.session import (
    check_csrf,
    current_viewer,
    load_session,
    read_session,
    write_session,
)
from onecast.kit.auth import lookup_key
from onecast.kit.clock import utcnow
from onecast.kit.errors import not_found
from onecast.kit.state import get_db, get_settings

log = structlog.get_logger("onecast.console")
router = APIRouter(route_class=ConsoleRoute)
STATIC = {p.name: p for p in (HERE / "static").iterdir() if p.is_file()}


@router.get("/static/{name}")
async def static(name: str) -> FileResponse:
    path: Path | None = STATIC.get(name)
    if path is None:
        raise not_found("File")
    return FileResponse(path, headers={"Cache-Control": "public, max-age=3600"})


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> RedirectResponse:
    await current_viewer(request)
    return redirect("/console/spaces")


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request) -> HTMLResponse:
    await load_session(request)
    return page(request, "login.html")


def _refused(request: Request, attempt: login_throttle.Attempt, **fields: object) -> HTMLResponse:
    """429 while the user name or address is locked: the password was not even checked."""
    wait = attempt.retry_after
    until = (utcnow() + timedelta(seconds=wait)).strftime("%H:%M:%S")
    log_failure(request, "locked", retry_after=wait, **fields)
    response = page(request, "login.html", 429,
                    error=f"Too many failed logins for this user name or from this address: try again in "
                          f"{_duration(wait)} (after {until} UTC)")
    response.headers["Retry-After"] = str(wait)
    return response


def _duration(seconds: int) -> str:
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


def log_failure(request: Request, reason: str, **fields: object) -> None:
    """Every failed login, with who and from where; never what was typed as the secret."""
    log.warning("console_login_failed", reason=reason, address=client_address(request), **fields)


def client_address(request: Request) -> str:
    """See login_throttle: behind a proxy, uvicorn's FORWARDED_ALLOW_IPS decides what this is."""
    return request.client.host if request.client else "unknown"


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    await check_csrf(request)
    form = await request.form()
    username, password = str(form.get("username") or "").strip(), str(form.get("password") or "")
    api_key = str(form.get("api_key") or "").strip()
    db = get_db(request)
    named = {"method": "api_key"} if api_key else {"method": "password",
                                                   "username": login_throttle.clean_key(username)}
    attempt = await login_throttle.begin(db, None if api_key else username, client_address(request))
    if attempt.locked:
        return _refused(request, attempt, **named)
    if api_key:
        principal = await lookup_key(request, api_key)
        if principal is None:
            log_failure(request, "bad_api_key", **named)
            return page(request, "login.html", 401, error="That API key is not valid (or was revoked)")
        user_id, key_id, target = None, principal.key_id, f"/console/spaces/{principal.space_id}/messages"
    else:
        try:
            user = await users.authenticate(db, username, password)
        except users.LoginRefused as refused:
            log_failure(request, refused.reason, **named)
            return page(request, "login.html", 401, error=refused.message)
        user_id, key_id, target = user.id, None, "/console/spaces"
    previous = read_session(request).get("row")
    async with db.transaction() as session:
        await login_throttle.succeeded(session, attempt)
        if previous:  # a new login replaces the one this browser had
            await session_store.end(session, previous)
        token, row = await session_store.start(session, hours=get_settings(request).console_session_hours,
                                               user_id=user_id, key_id=key_id)
    response = redirect(target)
    write_session(request, response, {"sid": token, "row": row.id, "csrf": row.csrf})
    return response


@router.post("/logout")
async def logout(request: Request) -> RedirectResponse:
    await check_csrf(request)
    row = read_session(request).get("row")
    if row:
        async with get_db(request).transaction() as session:
            await session_store.end(session, row)
    response = redirect("/console/login")
    write_session(request, response, {})
    return response
