"""Throttling console logins per user name and per client address, with growing locks.

The counters live in the database (console_login_failures), so every API process sees the same
ones. An attempt counts as a failure when it starts (one short write transaction, rows locked) and
only a success takes it back: parallel guesses cannot all slip in before the first one fails. From
`free` failures on, the key is locked for 2, 4, 8 ... seconds after its last attempt, at most
MAX_LOCK; while locked every attempt is refused without checking the password, the right one too.
Failures are forgotten an hour (WINDOW) after the last attempt.

The client address is `request.client.host`: behind a reverse proxy, uvicorn's proxy headers
handling (FORWARDED_ALLOW_IPS, see docs/console.md) decides whether it is the proxy's or the client's."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.console.models import ConsoleLoginFailures
from onecast.kit.clock import utcnow

USER, ADDRESS = "user", "address"
# Free failures before the first lock: more for an address, which a whole office may share.
FREE = {USER: 5, ADDRESS: 10}
MAX_LOCK = 15 * 60
WINDOW = timedelta(hours=1)
KEY_LENGTH = 200


@dataclass(frozen=True)
class Attempt:
    keys: tuple[tuple[str, str], ...]
    retry_after: int = 0  # > 0: refused, locked for this many more seconds

    @property
    def locked(self) -> bool:
        return self.retry_after > 0


def lock_seconds(scope: str, failures: int) -> int:
    if failures < FREE[scope]:
        return 0
    return min(2 ** min(failures - FREE[scope] + 1, 20), MAX_LOCK)


def _remaining(row: ConsoleLoginFailures, now: datetime) -> int:
    if now - row.last_attempt_on > WINDOW:
        return 0
    ends = row.last_attempt_on + timedelta(seconds=lock_seconds(row.scope, row.failures))
    return max(0, math.ceil((ends - now).total_seconds()))


def clean_key(text: str) -> str:
    """Any text a client sends, storable as a key on both databases (no NUL, no lone surrogate)."""
    return text.encode("utf-8", "replace").decode().replace("\x00", "\ufffd")[:KEY_LENGTH]


def keys_for(username: str | None, address: str) -> tuple[tuple[str, str], ...]:
    """Locked in this order by every attempt (user, then address): no deadlock between two."""
    user = ((USER, clean_key(username)),) if username else ()
    return (*user, (ADDRESS, clean_key(address)))


async def _locked_row(session: AsyncSession, scope: str, key: str) -> ConsoleLoginFailures:
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    await session.execute(insert(ConsoleLoginFailures).values(scope=scope, key=key, failures=0,
                                                              last_attempt_on=utcnow()).on_conflict_do_nothing())
    return (await session.execute(
        select(ConsoleLoginFailures).where(ConsoleLoginFailures.scope == scope, ConsoleLoginFailures.key == key)
        .with_for_update().execution_options(populate_existing=True))).scalar_one()


async def begin(db, username: str | None, address: str) -> Attempt:
    """Count an attempt against the user name (None for an API key login) and the address,
    unless one of them is locked: then nothing is counted and `retry_after` says for how long."""
    keys = keys_for(username, address)
    async with db.transaction() as session:
        rows = [await _locked_row(session, scope, key) for scope, key in keys]
        now = utcnow()
        wait = max(_remaining(row, now) for row in rows)
        if wait:
            return Attempt(keys, wait)
        for row in rows:
            row.failures = (0 if now - row.last_attempt_on > WINDOW else row.failures) + 1
            row.last_attempt_on = now
    return Attempt(keys)


async def succeeded(session: AsyncSession, attempt: Attempt) -> None:
    """The right credentials: the user name starts afresh; the address only takes back this
    attempt (a login of one's own must not clear failures guessing others' passwords)."""
    for scope, key in attempt.keys:
        where = (ConsoleLoginFailures.scope == scope, ConsoleLoginFailures.key == key)
        if scope == USER:
            await session.execute(delete(ConsoleLoginFailures).where(*where))
        else:
            await session.execute(update(ConsoleLoginFailures).where(*where, ConsoleLoginFailures.failures > 0)
                                  .values(failures=ConsoleLoginFailures.failures - 1))


async def forget_user(session: AsyncSession, username: str) -> None:
    """An operator set a new password: the account is no longer locked."""
    await session.execute(delete(ConsoleLoginFailures).where(ConsoleLoginFailures.scope == USER,
                                                             ConsoleLoginFailures.key == clean_key(username)))


async def purge_stale(db) -> int:
    async with db.transaction() as session:
        result = await session.execute(delete(ConsoleLoginFailures).where(
            ConsoleLoginFailures.last_attempt_on < utcnow() - WINDOW))
        return result.rowcount or 0
