"""Console users: argon2id password hashes (argon2-cffi picks the salt and parameters)."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.console.models import ConsoleUser
from onecast.kit.clock import utcnow
from onecast.kit.errors import Problem, invalid
from onecast.kit.ids import new_id

_hasher = PasswordHasher()
# Verifying against this when the user does not exist keeps a wrong name as slow as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password")
MIN_PASSWORD = 8


async def create_user(session: AsyncSession, username: str, password: str) -> ConsoleUser:
    username = username.strip()
    if not username or len(username) > 200:
        raise invalid("username", "must be 1 to 200 characters")
    if len(password) < MIN_PASSWORD:
        raise invalid("password", f"must be at least {MIN_PASSWORD} characters")
    if await find_user(session, username) is not None:
        raise Problem(409, "UserExists", f"A console user {username!r} exists")
    user = ConsoleUser(id=new_id(), username=username, password_hash=_hasher.hash(password), created_on=utcnow())
    session.add(user)
    await session.flush()
    return user


async def find_user(session: AsyncSession, username: str) -> ConsoleUser | None:
    return (await session.execute(select(ConsoleUser).where(ConsoleUser.username == username))).scalar_one_or_none()


async def authenticate(session: AsyncSession, username: str, password: str) -> ConsoleUser | None:
    user = await find_user(session, username.strip())
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    return user
