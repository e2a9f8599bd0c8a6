"""The media retention chore (registered in onecast.background.CHORES)."""
from __future__ import annotations

from onecast.content.service import purge_expired
from onecast.content.storage import storage_for


async def purge_expired_chore(db, settings) -> None:
    await purge_expired(db, storage_for(settings), settings.content_retention_days)
