"""Messages (search, a message's timeline and provider responses) and profiles (query language,
edit, opt-ins, message history)."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import or_, select

from onecast.channels.sandbox import service as sandbox
from onecast.console.access import visible_space
from onecast.console.forms import back, fields, flash, problem_text
from onecast.console.render import page
from onecast.console.routing import ConsoleRoute
from onecast.console.session import Viewer, current_viewer, writer
from onecast.kit.clock import as_utc
from onecast.kit.errors import Problem, not_found
from onecast.kit.state import get_db
from onecast.messages import history as message_history
from onecast.messages import service as messages
from onecast.messages.models import Message
from onecast.profiles import service as profiles
from onecast.profiles.query import parse_query_string

router = APIRouter(route_class=ConsoleRoute)
Reader = Annotated[Viewer, Depends(current_viewer)]
Writer = Annotated[Viewer, Depends(writer)]
SpaceId = Annotated[str, Path(max_length=64)]
PAGE = 50
STATUSES = ["processing", "retrying", "sent", "delivered", "read", "failed", "expired", "filtered", "received"]
FILTERS = ("status", "channel", "direction", "profile", "text", "before")


def _search(space_id: str, params: dict[str, str]):
    stmt = select(Message).where(Message.space_id == space_id, Message.deleted_on.is_(None))
    if params.get("status"):
        stmt = stmt.where(Message.status == params["status"])
    if params.get("channel"):
        stmt = stmt.where(Message.channel == params["channel"])
    if params.get("direction"):
        stmt = stmt.where(Message.direction == params["direction"])
    if params.get("profile"):
        stmt = stmt.where(Message.profile_id == params["profile"])
    if params.get("text"):
        pattern = f"%{params['text']}%"
        stmt = stmt.where(or_(Message.body.ilike(pattern), Message.title.ilike(pattern), Message.id == params["text"]))
    if params.get("before"):
        try:
            stmt = stmt.where(Message.created_on < as_utc(datetime.fromisoformat(params["before"])))
        except ValueError:
            pass
    return stmt.order_by(Message.created_on.desc(), Message.id.desc()).limit(PAGE + 1)


@router.get("/spaces/{space_id}/messages", response_class=HTMLResponse)
async def messages_page(request: Request, viewer: Reader, space_id: SpaceId) -> HTMLResponse:
    params = {k: request.query_params.get(k, "").strip()[:200] for k in FILTERS}
    async with get_db(request).read() as session:
        space = await visible_space(session, viewer, space_id)
        rows = list((await session.execute(_search(space_id, params))).scalars())
    older = rows[PAGE - 1].created_on.isoformat() if len(rows) > PAGE else None
    template = "messages_rows.html" if request.headers.get("HX-Request") else "messages.html"
    return page(request, template, viewer=viewer, space=space, messages=rows[:PAGE], params=params,
                statuses=STATUSES, older=older, **flash(request))


@router.get("/spaces/{space_id}/messages/{message_id}", response_class=HTMLResponse)
async def message_page(request: Request, viewer: Reader, space_id: SpaceId,
                       message_id: Annotated[str, Path(max_length=64)]) -> HTMLResponse:
    async with get_db(request).read() as session:
        space = await visible_space(session, viewer, space_id)
        message = (await session.execute(select(Message).where(
            Message.id == message_id, Message.space_id == space_id, Message.deleted_on.is_(None)))).scalar_one_or_none()
        if message is None:
            raise not_found("Message")
        events = await messages.status_history(session, message.id)
        if request.headers.get("HX-Request") and request.query_params.get("part") == "live":
            return page(request, "message_live.html", viewer=viewer, space=space, message=message, events=events)
        deliveries = await sandbox.list_deliveries(session, space_id, message_id=message.id)
    return page(request, "message.html", viewer=viewer, space=space, message=message, events=events,
                deliveries=deliveries, **flash(request))


@router.get("/spaces/{space_id}/profiles", response_class=HTMLResponse)
async def profiles_page(request: Request, viewer: Reader, space_id: SpaceId) -> HTMLResponse:
    query = request.query_params.get("q", "").strip()
    error = None
    found: list[dict] = []
    async with get_db(request).read() as session:
        space = await visible_space(session, viewer, space_id)
        try:
            found = await profiles.query_profiles(session, space_id, parse_query_string(query, "q"), limit=100)
        except Problem as exc:
            error = problem_text(exc)
    return page(request, "profiles.html", viewer=viewer, space=space, profiles=found, q=query,
                **{**flash(request), **({"error": error} if error else {})})


ProfileId = Annotated[str, Path(max_length=255)]


@router.get("/spaces/{space_id}/profiles/{profile_id}", response_class=HTMLResponse)
async def profile_page(request: Request, viewer: Reader, space_id: SpaceId, profile_id: ProfileId) -> HTMLResponse:
    return await _profile_page(request, viewer, space_id, profile_id)


async def _profile_page(request: Request, viewer: Viewer, space_id: str, profile_id: str, *,
                        edited: str | None = None, error: str | None = None) -> HTMLResponse:
    """The profile; after a refused edit, with the user's text as typed (422), not the stored one."""
    async with get_db(request).read() as session:
        space = await visible_space(session, viewer, space_id)
        profile = await profiles.require_profile(session, space_id, profile_id)
        doc = await profiles.document(session, profile)
        sent, _cursor = await message_history.history(session, space_id, profile_id, channel=None, direction=None,
                                                      before=None, limit=100, cursor=None)
    stored = json.dumps(dict(profile.data or {}), indent=2, sort_keys=True)
    shown = {**flash(request), **({"error": error} if error else {})}
    return page(request, "profile.html", 422 if error else 200, viewer=viewer, space=space, profile=profile,
                doc=doc, data_json=stored if edited is None else edited, history=sent, **shown)


@router.post("/spaces/{space_id}/profiles/{profile_id}")
async def edit_profile(request: Request, viewer: Writer, space_id: SpaceId, profile_id: ProfileId) -> Response:
    form = await fields(request)
    here = f"/console/spaces/{space_id}/profiles/{profile_id}"
    typed = form.get("data") or "{}"
    try:
        data = json.loads(typed)
        if not isinstance(data, dict):
            raise ValueError("The fields must be a JSON object, like {\"name\": \"Ann\"}")
        async with get_db(request).transaction() as session:
            space = await visible_space(session, viewer, space_id)
            profile = await profiles.require_profile(session, space_id, profile_id, lock=True)
            await profiles.replace_profile(session, profile, data, viewer.principal(space_id, space.account_id).actor)
    except json.JSONDecodeError as exc:  # the user's edits stay in the box, with where it went wrong
        return await _profile_page(request, viewer, space_id, profile_id, edited=typed,
                                   error=f"The fields are not valid JSON: {exc.msg} at line {exc.lineno}, "
                                         f"column {exc.colno}")
    except ValueError as exc:
        return await _profile_page(request, viewer, space_id, profile_id, edited=typed, error=str(exc))
    except Problem as exc:
        return await _profile_page(request, viewer, space_id, profile_id, edited=typed, error=problem_text(exc))
    return await back(request, here, notice="Profile saved")


@router.post("/spaces/{space_id}/profiles/{profile_id}/optins")
async def edit_opt_ins(request: Request, viewer: Writer, space_id: SpaceId, profile_id: ProfileId) -> Response:
    form = await fields(request)
    here = f"/console/spaces/{space_id}/profiles/{profile_id}"
    channel, value = form.get("channel", ""), form.get("value") == "in"
    try:
        async with get_db(request).transaction() as session:
            space = await visible_space(session, viewer, space_id)
            profile = await profiles.require_profile(session, space_id, profile_id, lock=True)
            await profiles.set_opt_ins(session, profile, [channel], value,
                                       viewer.principal(space_id, space.account_id).actor)
    except Problem as exc:
        return await back(request, here, error=problem_text(exc))
    return await back(request, here, notice=f"Opted {'in to' if value else 'out of'} {channel}")
