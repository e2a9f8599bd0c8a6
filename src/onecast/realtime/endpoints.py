"""The app-user WebSocket: `/apispaces/{apiSpaceId}/socket?token=<session token>`.

The server first sends `socket.info`, then every event addressed to the user's profile
(conversation messages, statuses, typing, participants, profile updates), whichever server
process caused it. The client may send `{"name": "echo"}` as a keepalive. When the session ends
(a logout, its space deleted, the key it was minted for revoked) or expires, the socket is closed
with code 4401.
"""
from __future__ import annotations

import asyncio
import contextlib

import structlog
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from onecast.appusers import service as appusers
from onecast.appusers.auth import caller_from_token
from onecast.kit.clock import iso, utcnow
from onecast.kit.errors import Problem
from onecast.kit.ids import new_id
from onecast.kit.routing import CheckedRoute
from onecast.kit.state import get_db, get_settings
from onecast.realtime import service
from onecast.realtime.hub import HUB
from onecast.realtime.listener import listener_for

router = APIRouter(route_class=CheckedRoute)
log = structlog.get_logger("onecast.realtime")


async def _read(websocket: WebSocket) -> None:
    """Until the client goes away; answers echo keepalives."""
    while True:
        message = await websocket.receive_json()
        if isinstance(message, dict) and message.get("name") == "echo":
            await websocket.send_json({"name": "echo", "publishedOn": iso(utcnow())})


async def _write(websocket: WebSocket, sub) -> None:
    while True:
        event = await sub.queue.get()
        if event is None:  # closing: the client fell too far behind, or its session ended
            code, reason = sub.closing
            await websocket.close(code=code, reason=reason)
            return
        await websocket.send_json(event)


async def _heartbeat(db, socket_id: str) -> None:
    while True:
        await asyncio.sleep(service.HEARTBEAT_SECONDS)
        async with db.transaction() as session:
            await service.seen(session, socket_id)


async def _watch_session(db, sub, seconds: float) -> None:
    """Closes the socket once its session expired, or ended without this process hearing of it
    (an end normally closes it at once: hub.close_sessions)."""
    while True:
        await asyncio.sleep(seconds)
        async with db.read() as session:
            live = await appusers.live_session(session, sub.session_id)
        if live is None:
            sub.close(4401, "The session has ended")


@router.websocket("/apispaces/{apiSpaceId}/socket")
async def socket(websocket: WebSocket, apiSpaceId: str, token: str = "") -> None:
    try:
        caller = await caller_from_token(websocket, token, apiSpaceId)  # type: ignore[arg-type]
    except Problem as problem:
        await websocket.close(code=4000 + problem.status, reason=problem.detail[:120])
        return
    if caller.is_server:
        await websocket.close(code=4401, reason="The socket takes an app user's session token")
        return
    db = get_db(websocket)  # type: ignore[arg-type]
    await websocket.accept()
    listener = listener_for(db)
    if listener is not None:
        await listener.acquire()  # listening before socket.info: nothing after it is missed
    sub = HUB.subscribe(caller.space_id, caller.profile_id, caller.session_id)
    async with db.transaction() as session:
        socket_id = await service.connected(session, caller.space_id, caller.profile_id)
        # Checked again once subscribed: an end committed since the token was checked is either
        # seen here or reaches the subscription.
        if await appusers.live_session(session, caller.session_id) is None:
            sub.close(4401, "The session has ended")
    tasks = []
    try:
        await websocket.send_json({"eventId": new_id(), "name": "socket.info", "socketId": socket_id,
                                   "apiSpaceId": caller.space_id, "profileId": caller.profile_id,
                                   "context": {"createdBy": "user"}, "publishedOn": iso(utcnow())})
        tasks = [asyncio.create_task(_read(websocket)), asyncio.create_task(_write(websocket, sub)),
                 asyncio.create_task(_heartbeat(db, socket_id)),
                 asyncio.create_task(_watch_session(db, sub, get_settings(websocket).socket_recheck_seconds))]
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if not task.cancelled() and task.exception() is not None \
                    and not isinstance(task.exception(), WebSocketDisconnect):
                log.info("socket_closed", error=repr(task.exception()))
    except WebSocketDisconnect:
        pass
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task
        HUB.unsubscribe(sub)
        if listener is not None:
            await listener.release()
        async with db.transaction() as session:
            await service.disconnected(session, socket_id)
