"""One LISTEN connection per server process on PostgreSQL, running while this process has at
least one socket open: every committed notice of every process reaches the local hub."""
from __future__ import annotations

import asyncio
import json

import asyncpg
import structlog
from sqlalchemy import select

from onecast.realtime.hub import HUB
from onecast.realtime.models import LargeNotice
from onecast.realtime.notify import CHANNEL

log = structlog.get_logger("onecast.realtime")


def _dsn(db) -> str:
    return db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class Listener:
    def __init__(self, db) -> None:
        self.db = db
        self.users = 0
        self._conn: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task] = set()

    async def acquire(self) -> None:
        async with self._lock:
            self.users += 1
            if self._conn is None or self._conn.is_closed():
                self._conn = await asyncpg.connect(_dsn(self.db))
                await self._conn.add_listener(CHANNEL, self._on_notify)

    async def release(self) -> None:
        async with self._lock:
            self.users -= 1
            if self.users <= 0 and self._conn is not None:
                conn, self._conn = self._conn, None
                try:
                    await conn.close(timeout=5)
                except Exception as exc:  # closing a broken connection: nothing left to do
                    log.warning("listener_close_failed", error=repr(exc))

    def _on_notify(self, _conn, _pid, _channel, payload: str) -> None:
        notice = json.loads(payload)
        if "ref" in notice:
            task = asyncio.get_running_loop().create_task(self._deliver_large(notice["ref"]))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return
        HUB.deliver(notice)

    async def _deliver_large(self, ref: int) -> None:
        async with self.db.read() as session:
            body = (await session.execute(select(LargeNotice.body).where(LargeNotice.id == ref))).scalar_one_or_none()
        if body is not None:
            HUB.deliver(body)


_LISTENERS: dict[int, Listener] = {}


def listener_for(db) -> Listener | None:
    """None on SQLite, where the one server process delivers to its hub directly."""
    if db.is_sqlite:
        return None
    listener = _LISTENERS.get(id(db))
    if listener is None:
        listener = _LISTENERS[id(db)] = Listener(db)
    return listener
