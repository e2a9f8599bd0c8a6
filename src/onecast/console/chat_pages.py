"""The agent inbox: the space's chats, and a chat's messages with reply, assign-to-me and close.
Live: the pages open the app-user WebSocket with a session minted for the logged-in agent's
profile, and refresh their fragments when a conversation event arrives."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from onecast.appusers import service as appusers
from onecast.appusers.auth import Caller
from onecast.chat import service as chats
from onecast.chat.models import Chat
from onecast.chat.schemas import ChatMessagePost
from onecast.console import session_store
from onecast.console.access import visible_space
from onecast.console.forms import back, fields, flash, problem_text
from onecast.console.render import page
from onecast.console.routing import ConsoleRoute
from onecast.console.session import Viewer, current_viewer, writer
from onecast.conversations import service as conversations
from onecast.kit.errors import Problem, invalid
from onecast.kit.state import get_db

router = APIRouter(route_class=ConsoleRoute)
Reader = Annotated[Viewer, Depends(current_viewer)]
Writer = Annotated[Viewer, Depends(writer)]
SpaceId = Annotated[str, Path(max_length=64)]
ChatId = Annotated[str, Path(max_length=255)]

def _caller(viewer: Viewer, space_id: str) -> Caller:
    """Agents act through the server, naming themselves, as with an API key on /chats."""
    return Caller(space_id=space_id, key_id=f"console:{viewer.agent}")


async def _socket_path(request: Request, viewer: Viewer, space_id: str) -> str:
    async with get_db(request).transaction() as session:
        # One per console login, so its logout ends it (session_store.end).
        token = await appusers.agent_session_token(session, space_id, viewer.agent, session_store.AGENT_PROVIDER,
                                                   viewer.key_id, session_store.agent_device(viewer.session_id))
    return f"/apispaces/{space_id}/socket?token={token}"


async def _rows(request: Request, viewer: Viewer, space_id: str):
    async with get_db(request).read() as session:
        space = await visible_space(session, viewer, space_id)
        rows = list((await session.execute(select(Chat).where(Chat.space_id == space_id, Chat.deleted_on.is_(None))
                                           .order_by(Chat.updated_on.desc()).limit(200))).scalars())
        newest = await conversations.last_messages(session, space_id, {
            c.id: (c.conversation_id, c.closed_on if c.status == "closed" else None) for c in rows})
    return space, rows, {c.id: newest.get(c.id) for c in rows}


@router.get("/spaces/{space_id}/chats", response_class=HTMLResponse)
async def chats_page(request: Request, viewer: Reader, space_id: SpaceId) -> HTMLResponse:
    space, rows, last = await _rows(request, viewer, space_id)
    template = "chats_rows.html" if request.headers.get("HX-Request") else "chats.html"
    socket = None if template == "chats_rows.html" else await _socket_path(request, viewer, space_id)
    return page(request, template, viewer=viewer, space=space, chats=rows, last=last, socket=socket,
                **flash(request))


async def _chat(request: Request, viewer: Viewer, space_id: str, chat_id: str, template: str,
                **extra: object) -> HTMLResponse:
    async with get_db(request).read() as session:
        space = await visible_space(session, viewer, space_id)
        chat = await chats.get(session, _caller(viewer, space_id), chat_id)
        history = await conversations.messages_backward(session, _caller(viewer, space_id), chat.conversation_id,
                                                        None, 200)
    return page(request, template, viewer=viewer, space=space, chat=chat, me=viewer.agent,
                messages=list(reversed(history["messages"])), **extra)


@router.get("/spaces/{space_id}/chats/{chat_id}", response_class=HTMLResponse)
async def chat_page(request: Request, viewer: Reader, space_id: SpaceId, chat_id: ChatId) -> HTMLResponse:
    if request.headers.get("HX-Request"):
        part = "chat_header.html" if request.query_params.get("part") == "header" else "chat_messages.html"
        return await _chat(request, viewer, space_id, chat_id, part)
    async with get_db(request).read() as session:
        await visible_space(session, viewer, space_id)
    return await _chat(request, viewer, space_id, chat_id, "chat.html",
                       socket=await _socket_path(request, viewer, space_id), **flash(request))


@router.post("/spaces/{space_id}/chats/{chat_id}/reply")
async def reply(request: Request, viewer: Writer, space_id: SpaceId, chat_id: ChatId) -> Response:
    form = await fields(request)
    here = f"/console/spaces/{space_id}/chats/{chat_id}"
    try:
        text = form.get("body") or ""
        if not text:  # fields() strips: a reply of spaces is no reply
            raise invalid("body", "write something before sending")
        body = ChatMessagePost.model_validate({"parts": [{"type": "text/plain", "data": text,
                                                          "size": len(text.encode())}],
                                               "from": {"profileId": viewer.agent}})
        async with get_db(request).transaction() as session:
            await visible_space(session, viewer, space_id)
            caller = _caller(viewer, space_id)
            chat = await chats.get(session, caller, chat_id, lock=True)
            await chats.send(session, caller, chat, body.model_dump(mode="json", by_alias=True, exclude_none=True))
    except (Problem, ValidationError) as exc:
        return await back(request, here, error=problem_text(exc))
    if request.headers.get("HX-Request"):
        return await _chat(request, viewer, space_id, chat_id, "chat_messages.html")
    return await back(request, here, notice="Reply sent")


@router.post("/spaces/{space_id}/chats/{chat_id}/assign")
async def assign_to_me(request: Request, viewer: Writer, space_id: SpaceId, chat_id: ChatId) -> Response:
    here = f"/console/spaces/{space_id}/chats/{chat_id}"
    try:
        async with get_db(request).transaction() as session:
            await visible_space(session, viewer, space_id)
            caller = _caller(viewer, space_id)
            chat = await chats.get(session, caller, chat_id)
            await chats.assign(session, caller, chat_id, chat.team_id, viewer.agent)
    except Problem as exc:
        return await back(request, here, error=problem_text(exc))
    return await back(request, here, notice="Assigned to you")


@router.post("/spaces/{space_id}/chats/{chat_id}/close")
async def close(request: Request, viewer: Writer, space_id: SpaceId, chat_id: ChatId) -> Response:
    here = f"/console/spaces/{space_id}/chats/{chat_id}"
    try:
        async with get_db(request).transaction() as session:
            await visible_space(session, viewer, space_id)
            await chats.close(session, _caller(viewer, space_id), chat_id, False)
    except Problem as exc:
        return await back(request, here, error=problem_text(exc))
    return await back(request, here, notice="Chat closed")
