"""Wake sleeping background loops when work for them is committed, so they need not poll.

A write transaction that adds rows to a watched table (a new ORM object, or a Core INSERT /
UPDATE on that table) names a topic; once it commits, every `Waiter` of that topic in this
process is woken. On PostgreSQL the transaction also sends `NOTIFY onecast_wake, '<topic>'`,
delivered only if it commits, and `listen` (a background service of the worker process) turns
those into wakes here, so an API process wakes the workers of other processes. On SQLite the
wake is in-process only; a writer in another process is seen at the waiter's safety-net poll.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Iterable

import structlog
from sqlalchemy import event, text
from sqlalchemy.orm import Session

log = structlog.get_logger("onecast.wake")
CHANNEL = "onecast_wake"
OUTBOX = "outbox"
WEBHOOKS = "webhooks"
IMPORTS = "imports"
VERIFY = "verify"
# table name -> topic; the tables whose new rows are work for a background loop (other work says
# so with `wake_on_commit`)
WATCHED: dict[str, str] = {
    "delivery_outbox": OUTBOX,
    "webhook_outbox": WEBHOOKS,
    "webhook_deliveries": WEBHOOKS,
    "verify_requests": VERIFY,
}
_TOPICS = "wake_topics"  # session.info key: the topics of the transaction in progress


class Waiter:
    """One loop's wake-up flag. Clear it *before* looking for work, then `sleep`: a commit in
    between sets it, so no wake is lost."""

    def __init__(self, hub: WakeHub, topic: str) -> None:
        self.hub, self.topic = hub, topic
        self.flag = asyncio.Event()
        self.sleeping = False  # inside `sleep` (tests and diagnostics)
        hub._waiters[topic].add(self)

    def clear(self) -> None:
        self.flag.clear()

    async def sleep(self, seconds: float, *others: asyncio.Future) -> None:
        """Until woken, `seconds` passed or one of `others` finished."""
        woken = asyncio.ensure_future(self.flag.wait())
        self.sleeping = True
        try:
            await asyncio.wait([woken, *others], timeout=max(0.0, seconds), return_when=asyncio.FIRST_COMPLETED)
        finally:
            self.sleeping = False
            woken.cancel()

    def close(self) -> None:
        self.hub._waiters[self.topic].discard(self)


class WakeHub:
    """The waiters of one Database (one per process)."""

    def __init__(self) -> None:
        self._waiters: dict[str, set[Waiter]] = defaultdict(set)

    def waiter(self, topic: str) -> Waiter:
        return Waiter(self, topic)

    def wake(self, topics: Iterable[str]) -> None:
        for topic in topics:
            for waiter in self._waiters.get(topic, ()):
                waiter.flag.set()


def wake_on_commit(session, topic: str) -> None:  # a Session or an AsyncSession
    """Work that is not a new row of a watched table (a started import): wake `topic` if the
    transaction commits."""
    session.info.setdefault(_TOPICS, set()).add(topic)


class WakingSession(Session):
    """The write sessions' class: it records the topics its transaction touches (events below)."""


def _topics(session: Session) -> set[str]:
    return session.info.setdefault(_TOPICS, set())


def _note_objects(session: Session, objects: Iterable[object]) -> None:
    for obj in objects:
        topic = WATCHED.get(getattr(obj, "__tablename__", ""))
        if topic is not None:
            _topics(session).add(topic)


@event.listens_for(WakingSession, "after_flush")
def _after_flush(session: Session, _context) -> None:
    _note_objects(session, session.new)


@event.listens_for(WakingSession, "do_orm_execute")
def _core_write(state) -> None:
    if state.is_insert or state.is_update:
        table = getattr(state.statement, "table", None)
        topic = WATCHED.get(getattr(table, "name", ""))
        if topic is not None:
            _topics(state.session).add(topic)


@event.listens_for(WakingSession, "before_commit")
def _before_commit(session: Session) -> None:
    _note_objects(session, session.new)  # added but not flushed yet: the commit flushes them
    topics = session.info.get(_TOPICS)
    if topics and not session.in_nested_transaction() and session.get_bind().dialect.name == "postgresql":
        for topic in sorted(topics):
            session.execute(text("SELECT pg_notify(:channel, :topic)"), {"channel": CHANNEL, "topic": topic})


@event.listens_for(WakingSession, "after_commit")
def _after_commit(session: Session) -> None:
    topics = session.info.pop(_TOPICS, None)
    hub = session.info.get("wake")
    if topics and hub is not None:
        hub.wake(topics)


@event.listens_for(WakingSession, "after_rollback")
def _after_rollback(session: Session) -> None:
    if not session.in_transaction():
        session.info.pop(_TOPICS, None)


async def listen(db, settings, stop: asyncio.Event) -> None:
    """A background service: on PostgreSQL, LISTEN for other processes' commits and wake this
    process's waiters; reconnects after a lost connection (the safety-net polls cover the gap)."""
    if db.is_sqlite:
        return
    import asyncpg

    dsn = settings.database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    while not stop.is_set():
        conn = None
        try:
            conn = await asyncpg.connect(dsn)
            lost = asyncio.Event()
            conn.add_termination_listener(lambda _conn, lost=lost: lost.set())
            await conn.add_listener(CHANNEL, lambda _c, _pid, _channel, topic: db.wake.wake([topic]))
            db.wake.wake(WATCHED.values())  # what was committed while not listening
            stopping = asyncio.ensure_future(stop.wait())
            gone = asyncio.ensure_future(lost.wait())
            try:
                await asyncio.wait([stopping, gone], return_when=asyncio.FIRST_COMPLETED)
            finally:
                stopping.cancel()
                gone.cancel()
        except Exception as exc:  # the database is away: try again shortly
            log.warning("wake_listen_failed", error=repr(exc))
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)
        finally:
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()
