"""Database engine, sessions and transactions for SQLite and PostgreSQL.

SQLite writers take the lock up front (`BEGIN IMMEDIATE`): the default deferred mode lets two
transactions read, then one loses its update when it tries to write.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, DateTime, MetaData, event, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from onecast.kit.clock import as_utc
from onecast.kit.wake import WakeHub, WakingSession

if TYPE_CHECKING:
    from onecast.config import Settings
    from onecast.kit.idempotency import PendingKey

JSONDoc = JSON().with_variant(JSONB(), "postgresql")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Timezone-aware on the way out, whatever the backend stored."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        return as_utc(value)

    def process_result_value(self, value: datetime | None, dialect):
        return as_utc(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def make_engine(async_url: str, *, pool_size: int = 10, sqlite_writer: bool = True) -> AsyncEngine:
    if async_url.startswith("sqlite"):
        # Writers queue on one in-process lock, so one writer connection (and thread) is
        # enough; every extra aiosqlite thread only adds GIL contention.
        engine = create_async_engine(async_url, connect_args={"timeout": 60}, pool_size=2 if sqlite_writer else 5,
                                     max_overflow=2 if sqlite_writer else 5)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_connect(dbapi_connection, _record):
            # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite would defer it).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=60000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE" if sqlite_writer else "BEGIN")

        return engine
    return create_async_engine(async_url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


class Database:
    """One engine and session factory per process.

    On SQLite, writers in this process queue on an asyncio lock instead of in SQLite's busy
    handler, which sleeps up to 100 ms per try; readers use deferred transactions, which WAL
    lets run beside the writer.
    """

    def __init__(self, async_url: str, settings: Settings | None = None) -> None:
        self.url = async_url
        # Every session carries the process's settings: work with no request at hand (the send
        # path of the worker, inbound rules, email-to-SMS) reads them with `settings_of(session)`.
        info = {"settings": settings} if settings is not None else {}
        # Commits that add work wake this process's background loops (kit.wake).
        self.wake = WakeHub()
        self.engine = make_engine(async_url)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False,
                                               info={**info, "wake": self.wake}, sync_session_class=WakingSession)
        self._write_lock = asyncio.Lock() if self.is_sqlite else None
        self.read_engine = make_engine(async_url, sqlite_writer=False) if self.is_sqlite else self.engine
        self.read_sessionmaker = async_sessionmaker(self.read_engine, expire_on_commit=False, autoflush=False,
                                                    info=info or None)

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose work commits on success and rolls back on any error."""
        if self._write_lock is None:
            async with self.sessionmaker() as session:
                async with session.begin():
                    yield session
                    await _mark_request_applied(session)
                _run_after_commit(session)
            return
        async with self._write_lock, self.sessionmaker() as session, session.begin():
            yield session
            await _mark_request_applied(session)
        _run_after_commit(session)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A read-only session: a consistent snapshot that takes no write lock."""
        async with self.read_sessionmaker() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()


# The Idempotency-Key of the request running in this context (set by the idempotency middleware,
# claimed once the caller authenticated): each write transaction marks a claimed key "applied" in
# the same commit, so a retry after a crash between the commit and the stored answer never
# applies it twice.
idempotency_claim: ContextVar[PendingKey | None] = ContextVar("idempotency_claim", default=None)


async def _mark_request_applied(session: AsyncSession) -> None:
    claim = idempotency_claim.get()
    if claim is not None and claim.scope is not None:
        await session.execute(text("UPDATE idempotency_keys SET state = 'applied' "
                                   "WHERE scope = :scope AND key = :key AND state = 'pending'"),
                              {"scope": claim.scope, "key": claim.key})


def settings_of(session: AsyncSession) -> Settings:
    """The settings of the Database that made `session` (the defaults for one made without)."""
    from onecast.config import Settings

    return session.info.get("settings") or Settings()


def after_commit(session: AsyncSession, callback: Callable[[], None]) -> None:
    """Run `callback` once the transaction of `session` has committed (never on rollback):
    for side effects such as metrics that must not count work that was undone."""
    session.info.setdefault("after_commit", []).append(callback)


def _run_after_commit(session: AsyncSession) -> None:
    for callback in session.info.pop("after_commit", ()):
        callback()
