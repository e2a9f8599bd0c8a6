"""argon2id hashing off the event loop. One check costs ~64 MiB and a fraction of a second of CPU:
on the loop, a burst of logins would stall every tenant's API, and unbounded in threads it would
take all the memory and cores. So at most HASHING_AT_ONCE run, each in a worker thread (argon2
releases the GIL); other logins wait their turn without blocking anything else."""
from __future__ import annotations

import anyio
from anyio.lowlevel import RunVar
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

HASHING_AT_ONCE = 2
_hasher = PasswordHasher()
_limiter: RunVar[anyio.CapacityLimiter] = RunVar("onecast_argon2_limiter")  # one per event loop
# Verifying against this when the user does not exist keeps a wrong name as slow as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password")


def _slots() -> anyio.CapacityLimiter:
    try:
        return _limiter.get()
    except LookupError:
        limiter = anyio.CapacityLimiter(HASHING_AT_ONCE)
        _limiter.set(limiter)
        return limiter


def _matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hasher.hash, password, limiter=_slots())


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; None (no such user) costs the same and never matches."""
    matches = await anyio.to_thread.run_sync(_matches, password_hash or _DUMMY_HASH, password, limiter=_slots())
    return matches and password_hash is not None
