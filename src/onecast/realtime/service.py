"""Live sockets in the database, so any process can tell whether an app user is online."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.kit.clock import utcnow
from onecast.kit.ids import new_id
from onecast.realtime.models import LargeNotice, SocketConnection

HEARTBEAT_SECONDS = 30.0
# A socket not seen for this long belongs to a process that died: it no longer counts.
STALE_AFTER = timedelta(seconds=HEARTBEAT_SECONDS * 3)


async def connected(session: AsyncSession, space_id: str, profile_id: str) -> str:
    now = utcnow()
    socket_id = new_id()
    session.add(SocketConnection(id=socket_id, space_id=space_id, profile_id=profile_id, connected_on=now,
                                 seen_on=now))
    return socket_id


async def seen(session: AsyncSession, socket_id: str) -> None:
    await session.execute(update(SocketConnection).where(SocketConnection.id == socket_id).values(seen_on=utcnow()))


async def disconnected(session: AsyncSession, socket_id: str) -> None:
    await session.execute(delete(SocketConnection).where(SocketConnection.id == socket_id))


async def online(session: AsyncSession, space_id: str, profile_ids: list[str]) -> dict[str, dict]:
    """profile id -> {"connections": n, "since": first connected, "seen": last seen} for the online ones."""
    rows = await session.execute(
        select(SocketConnection.profile_id, func.count(), func.min(SocketConnection.connected_on),
               func.max(SocketConnection.seen_on))
        .where(SocketConnection.space_id == space_id, SocketConnection.profile_id.in_(profile_ids),
               SocketConnection.seen_on > utcnow() - STALE_AFTER)
        .group_by(SocketConnection.profile_id))
    return {p: {"connections": n, "since": since, "seen": seen_on} for p, n, since, seen_on in rows.all()}


async def purge_chore(db, settings) -> None:
    """Forget sockets of dead processes and large notices every listener has had time to read."""
    async with db.transaction() as session:
        await session.execute(delete(SocketConnection).where(SocketConnection.seen_on < utcnow() - STALE_AFTER))
        await session.execute(delete(LargeNotice).where(LargeNotice.created_on < utcnow() - timedelta(hours=1)))
