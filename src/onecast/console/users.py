"""Console users: argon2id password hashes (argon2-cffi picks the salt and parameters, hashing runs
off the event loop: console.passwords). A password change or disabling ends the user's logins."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.console import login_throttle, session_store
from onecast.console.models import ConsoleSession, ConsoleUser
from onecast.console.passwords import hash_password, verify_password
from onecast.kit.clock import utcnow
from onecast.kit.errors import Problem, invalid, not_found
from onecast.kit.ids import new_id

MIN_PASSWORD = 8
MAX_USERNAME = 200


class LoginRefused(Exception):
    """Why a login failed: `reason` for the log, `message` for the person at the login form."""

    def __init__(self, reason: str, message: str = "Wrong user name or password") -> None:
        super().__init__(reason)
        self.reason, self.message = reason, message


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise invalid("password", f"must be at least {MIN_PASSWORD} characters")


def could_exist(username: str) -> bool:
    """Whether a stored user can have this name (else no query: PostgreSQL refuses NUL in text)."""
    return 0 < len(username) <= MAX_USERNAME and "\x00" not in username and username.isprintable()


async def create_user(session: AsyncSession, username: str, password: str) -> ConsoleUser:
    username = username.strip()
    if not could_exist(username):
        raise invalid("username", f"must be 1 to {MAX_USERNAME} printable characters")
    _check_password(password)
    if await find_user(session, username) is not None:
        raise Problem(409, "UserExists", f"A console user {username!r} exists")
    user = ConsoleUser(id=new_id(), username=username, password_hash=await hash_password(password),
                       created_on=utcnow())
    session.add(user)
    await session.flush()
    return user


async def find_user(session: AsyncSession, username: str, *, lock: bool = False) -> ConsoleUser | None:
    if not could_exist(username):
        return None
    stmt = select(ConsoleUser).where(ConsoleUser.username == username)
    return (await session.execute(stmt.with_for_update() if lock else stmt)).scalar_one_or_none()


async def _existing(session: AsyncSession, username: str) -> ConsoleUser:
    user = await find_user(session, username, lock=True)
    if user is None:
        raise not_found(f"Console user {username!r}")
    return user


async def authenticate(db, username: str, password: str) -> ConsoleUser:
    """The user whose name and password these are; else raises LoginRefused. No database
    connection is held while the hash is checked (checks may queue: console.passwords)."""
    async with db.read() as session:
        user = await find_user(session, username.strip())
    if not await verify_password(user.password_hash if user else None, password):
        raise LoginRefused("unknown_user" if user is None else "wrong_password")
    if user.disabled_on is not None:  # told only to someone who knows the password
        raise LoginRefused("disabled", "This console user is disabled: ask an operator to enable it")
    return user


async def change_password(session: AsyncSession, username: str, password: str) -> int:
    """Set a new password; ends every login of the user and lifts a lock on the account.
    Returns how many logins ended."""
    _check_password(password)
    user = await _existing(session, username)
    user.password_hash = await hash_password(password)
    await login_throttle.forget_user(session, user.username)
    return await session_store.end_user_sessions(session, user.id, user.username)


async def set_disabled(session: AsyncSession, username: str, disabled: bool) -> int:
    """Disable (ends every login at once) or enable a user. Returns how many logins ended."""
    user = await _existing(session, username)
    if not disabled:
        user.disabled_on = None
        return 0
    user.disabled_on = user.disabled_on or utcnow()
    return await session_store.end_user_sessions(session, user.id, user.username)


async def list_users(session: AsyncSession) -> list[tuple[ConsoleUser, int]]:
    """Every user with its number of live logins."""
    live = (select(ConsoleSession.user_id, func.count().label("n")).where(ConsoleSession.expires_on > utcnow())
            .group_by(ConsoleSession.user_id).subquery())
    rows = await session.execute(select(ConsoleUser, func.coalesce(live.c.n, 0))
                                 .outerjoin(live, live.c.user_id == ConsoleUser.id).order_by(ConsoleUser.username))
    return [(user, count) for user, count in rows.all()]
