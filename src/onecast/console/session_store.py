"""Console logins kept in the database (table console_sessions): the cookie holds a random token,
the row says whose login it is and its CSRF token. Logout deletes the row, as do a password change
and disabling the user (for all of that user's rows), so a copied cookie stops working at once, in
every API process."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.appusers import service as appusers
from onecast.console.models import ConsoleSession, ConsoleUser
from onecast.kit.clock import utcnow

TOUCH_EVERY = timedelta(minutes=1)  # last_seen_on is a hint for operators: not a write per page view
AGENT_PROVIDER = "console"  # app-user sessions the console mints for its agents (see chat_pages)


def session_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def agent_device(row_id: str) -> str:
    """How the app-user sessions minted for one console login are told apart from the others'."""
    return f"console-session:{row_id[:32]}"


async def start(session: AsyncSession, *, hours: int, user_id: str | None = None,
                key_id: str | None = None) -> tuple[str, ConsoleSession]:
    """A new login: (the token for the cookie, its row)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = ConsoleSession(id=session_id(token), user_id=user_id, key_id=key_id, csrf=secrets.token_urlsafe(32),
                         created_on=now, last_seen_on=now, expires_on=now + timedelta(hours=hours))
    session.add(row)
    await session.flush()
    return token, row


async def find(session: AsyncSession, token: str) -> ConsoleSession | None:
    row = await session.get(ConsoleSession, session_id(token))
    if row is None or row.expires_on <= utcnow():
        return None
    return row


def needs_touch(row: ConsoleSession, now: datetime) -> bool:
    return now - row.last_seen_on >= TOUCH_EVERY


async def touch(session: AsyncSession, row_id: str) -> None:
    await session.execute(update(ConsoleSession).where(ConsoleSession.id == row_id).values(last_seen_on=utcnow()))


async def set_flash(session: AsyncSession, row_id: str, flash: dict[str, str]) -> None:
    await session.execute(update(ConsoleSession).where(ConsoleSession.id == row_id).values(flash=flash))


async def take_flash(session: AsyncSession, row_id: str) -> None:
    await session.execute(update(ConsoleSession).where(ConsoleSession.id == row_id).values(flash=None))


def agent_profile(username: str | None, key_id: str | None) -> str:
    """The profile a viewer acts as in the agent inbox: the user name, or the API key's id."""
    return username if username is not None else f"key:{key_id}"


async def end(session: AsyncSession, row_id: str) -> None:
    """Logout: the login and the app-user sessions its chat pages were given (see chat_pages)."""
    row = await session.get(ConsoleSession, row_id, with_for_update=True)
    if row is None:
        return
    user = await session.get(ConsoleUser, row.user_id) if row.user_id else None
    await session.delete(row)
    await appusers.end_agent_sessions(session, AGENT_PROVIDER, agent_profile(user and user.username, row.key_id),
                                      agent_device(row_id))


async def end_user_sessions(session: AsyncSession, user_id: str, username: str) -> int:
    """Every login of a user (password changed, user disabled) and the agent sessions minted for it."""
    result = await session.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user_id))
    await appusers.end_agent_sessions(session, AGENT_PROVIDER, username)
    return result.rowcount or 0


async def purge_expired(db) -> int:
    async with db.transaction() as session:
        result = await session.execute(delete(ConsoleSession).where(ConsoleSession.expires_on <= utcnow()))
        return result.rowcount or 0
