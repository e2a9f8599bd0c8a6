"""Log in with a console user's password or an API key; log out."""
from __future__ import annotations

import secrets
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from onecast.console import users
from onecast.console.render import HERE, page, redirect
from onecast.console.session import check_csrf, current_viewer, read_session, write_session
from onecast.kit.auth import lookup_key
from onecast.kit.errors import not_found
from onecast.kit.routing import CheckedRoute
from onecast.kit.state import get_db

router = APIRouter(route_class=CheckedRoute)
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
    return page(request, "login.html")


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    await check_csrf(request)
    form = await request.form()
    username, password = str(form.get("username") or ""), str(form.get("password") or "")
    api_key = str(form.get("api_key") or "").strip()
    session: dict = {"csrf": secrets.token_urlsafe(32)}  # a new token at login: no session fixation
    if api_key:
        principal = await lookup_key(request, api_key)
        if principal is None:
            return page(request, "login.html", 401, error="That API key is not valid (or was revoked)")
        session["key"] = principal.key_id
        target = f"/console/spaces/{principal.space_id}/messages"
    else:
        async with get_db(request).read() as db:
            user = await users.authenticate(db, username, password)
        if user is None:
            return page(request, "login.html", 401, error="Wrong user name or password")
        session["user"] = user.id
        target = "/console/spaces"
    response = redirect(target)
    write_session(request, response, session)
    return response


@router.post("/logout")
async def logout(request: Request) -> RedirectResponse:
    await check_csrf(request)
    read_session(request)
    response = redirect("/console/login")
    write_session(request, response, {})
    return response
