"""The console's housekeeping, run by the worker (onecast.background.CHORES)."""
from __future__ import annotations

from onecast.console import login_throttle, session_store


async def purge_chore(db, settings) -> None:
    """Expired logins and failure counters nobody has added to for an hour."""
    await session_store.purge_expired(db)
    await login_throttle.purge_stale(db)
