"""Presence: agents are away, available (connected, not away) or offline (no socket); app users
are online while they have a socket open on any server process."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.chat.models import AgentPresence
from onecast.kit.clock import iso, utcnow
from onecast.kit.events import record_event
from onecast.realtime import service as sockets


async def set_away(session: AsyncSession, space_id: str, profile_id: str, away: bool) -> None:
    row = await session.get(AgentPresence, (space_id, profile_id), with_for_update=True)
    if row is None:
        row = AgentPresence(space_id=space_id, profile_id=profile_id, away=away, updated_on=utcnow())
        session.add(row)
    elif row.away == away:
        return
    row.away, row.updated_on = away, utcnow()
    # Chat presence events carry only the profile id (One API webhooks).
    record_event(session, space_id, "presence.away" if away else "presence.available", profile_id,
                 {"profileId": profile_id})


async def agents(session: AsyncSession, space_id: str, profile_ids: list[str], status: str | None
                 ) -> list[dict[str, Any]]:
    rows = await session.execute(select(AgentPresence).where(AgentPresence.space_id == space_id,
                                                             AgentPresence.profile_id.in_(profile_ids)))
    flags = {r.profile_id: r for r in rows.scalars()}
    online = await sockets.online(session, space_id, profile_ids)
    out = []
    for profile_id in profile_ids:
        flag, live = flags.get(profile_id), online.get(profile_id)
        away = bool(flag and flag.away)
        state = "offline" if live is None else "away" if away else "available"
        if status and state != status:
            continue
        stamps = [t for t in (flag.updated_on if flag else None, live["since"] if live else None) if t]
        out.append({"profileId": profile_id, "status": state, "isAway": away, "isConnected": live is not None,
                    "lastUpdatedOn": iso(max(stamps)) if stamps else None})
    return out


async def app_users(session: AsyncSession, space_id: str, profile_ids: list[str]) -> list[dict[str, Any]]:
    online = await sockets.online(session, space_id, profile_ids)
    return [{"profileId": p, "status": "online" if p in online else "offline",
             "lastUpdatedOn": iso(online[p]["seen"]) if p in online else None,
             "createdOn": iso(online[p]["since"]) if p in online else None} for p in profile_ids]
