"""Teams and their chat config: members, app messaging (welcome, replyAs), settings (close and
out-of-hours messages, working hours) and the other channels' configs."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.chat.models import ChatTeam
from onecast.kit.clock import utcnow
from onecast.kit.errors import invalid, not_found

DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
DAY_GROUPS = {"Weekend": {"Saturday", "Sunday"}, "Monday to Friday": set(DAYS[:5])}
APP_MESSAGING = "appMessaging"
CHANNEL_CONFIGS = ("sms", "fbMessenger", "email", APP_MESSAGING)


def conversation_prefix(team: ChatTeam) -> str:
    """Chat conversations are `{Team_Name}_{profileId}` (spaces become underscores)."""
    return team.name.replace(" ", "_") + "_"


def conversation_id_for(team: ChatTeam, profile_id: str) -> str:
    return conversation_prefix(team) + profile_id.replace(" ", "_")


async def get_team(session: AsyncSession, space_id: str, team_id: str, *, lock: bool = False) -> ChatTeam:
    stmt = select(ChatTeam).where(ChatTeam.space_id == space_id, ChatTeam.id == team_id)
    if lock:
        stmt = stmt.with_for_update()
    team = (await session.execute(stmt)).scalar_one_or_none()
    if team is None:
        raise not_found("Team")
    return team


async def teams(session: AsyncSession, space_id: str) -> list[ChatTeam]:
    return list((await session.execute(select(ChatTeam).where(ChatTeam.space_id == space_id)
                                       .order_by(ChatTeam.id))).scalars())


async def team_for_conversation(session: AsyncSession, space_id: str, conversation_id: str
                                ) -> tuple[ChatTeam, str] | None:
    """The team whose name prefixes the conversation id (the longest), and the profile id after it."""
    best = None
    for team in await teams(session, space_id):
        prefix = conversation_prefix(team)
        if conversation_id.startswith(prefix) and len(conversation_id) > len(prefix):
            if best is None or len(prefix) > len(conversation_prefix(best)):
                best = team
    return (best, conversation_id[len(conversation_prefix(best)):]) if best else None


async def team_for_channel(session: AsyncSession, space_id: str, channel: str) -> ChatTeam | None:
    """The first team (by id) that configured this channel for chat."""
    for team in await teams(session, space_id):
        if channel in (team.channels or {}):
            return team
    return None


def config_view(team: ChatTeam) -> dict[str, Any]:
    channels = dict(team.channels or {})
    if APP_MESSAGING in channels:
        channels["appMessagingConfig"] = channels.pop(APP_MESSAGING)
    return {"teamId": team.id, "name": team.name, "isPublic": team.is_public, "channels": channels,
            "settings": team.settings}


def team_view(team: ChatTeam) -> dict[str, Any]:
    return {"id": team.id, "name": team.name, "members": team.members or [], "isPublic": team.is_public}


async def put_team(session: AsyncSession, space_id: str, team_id: str, name: str, members: list[dict],
                   is_public: bool | None = None) -> ChatTeam:
    """`is_public` None: a new team is unpublished, an existing one keeps its state."""
    team = await session.get(ChatTeam, (space_id, team_id), with_for_update=True)
    clash = (await session.execute(select(ChatTeam.id).where(
        ChatTeam.space_id == space_id, ChatTeam.name == name, ChatTeam.id != team_id))).first()
    if clash is not None:
        raise invalid("name", f"the team {clash[0]!r} has this name; chat conversation ids need unique names")
    if team is None:
        team = ChatTeam(space_id=space_id, id=team_id, name=name, members=members, channels={}, settings=None,
                        is_public=bool(is_public), revision=1, updated_on=utcnow())
        session.add(team)
    else:
        team.name, team.members = name, members
        if is_public is not None:
            team.is_public = is_public
        _touch(team)
    await session.flush()
    return team


def _touch(team: ChatTeam) -> None:
    team.revision += 1
    team.updated_on = utcnow()


async def delete_team(session: AsyncSession, space_id: str, team_id: str) -> None:
    await session.delete(await get_team(session, space_id, team_id, lock=True))


async def set_channel(session: AsyncSession, space_id: str, team_id: str, channel: str,
                      config: dict[str, Any] | None) -> ChatTeam:
    team = await get_team(session, space_id, team_id, lock=True)
    channels = dict(team.channels or {})
    if config is None:
        channels.pop(channel, None)
    else:
        channels[channel] = config
    team.channels = channels
    _touch(team)
    return team


async def set_settings(session: AsyncSession, space_id: str, team_id: str, settings: dict | None) -> ChatTeam:
    if settings is not None:
        try:
            ZoneInfo(settings.get("timezone") or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            raise invalid("timezone", "is not an IANA time zone") from None
    team = await get_team(session, space_id, team_id, lock=True)
    team.settings = settings
    _touch(team)
    return team


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def in_working_hours(settings: dict[str, Any] | None, at: datetime | None = None) -> bool:
    """No working hours configured means always open."""
    hours = (settings or {}).get("workingHours") or []
    if not hours:
        return True
    local = (at or utcnow()).astimezone(ZoneInfo((settings or {}).get("timezone") or "UTC"))
    day, now = DAYS[local.weekday()], local.hour * 60 + local.minute
    for window in hours:
        days = DAY_GROUPS.get(window["days"], {window["days"]})
        if day in days and _minutes(window["from"]) <= now < _minutes(window["to"]):
            return True
    return False


def members(team: ChatTeam) -> set[str]:
    return {m["username"] for m in team.members or []}
