"""Channels configured per space, and which provider serves a rule."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.channels.models import Channel
from onecast.channels.registry import provider_names, validate_config
from onecast.channels.types import BUILTIN_TYPES, CUSTOM_TYPE
from onecast.kit.clock import iso, utcnow
from onecast.kit.errors import Problem, invalid, not_found
from onecast.kit.ids import new_id
from onecast.kit.ssrf import AddressGuard, refuse_internal_urls, string_fields


@dataclass(frozen=True)
class ResolvedChannel:
    channel: str  # the id named in `rules`
    type: str
    provider: str
    key: tuple[str, int]  # identifies the provider instance (channel row and revision)
    config: dict[str, Any]

    def as_plan_entry(self, address: str) -> dict[str, Any]:
        return {"channel": self.channel, "type": self.type, "provider": self.provider,
                "key": list(self.key), "address": address}


SERVER_FILE_KEYS = frozenset({"caFile"})


def sandbox_for(channel_type: str) -> ResolvedChannel:
    return ResolvedChannel(channel_type, channel_type, "sandbox", ("sandbox", 0), {})


async def enabled_channels(session: AsyncSession, space_id: str) -> list[Channel]:
    rows = await session.execute(select(Channel).where(Channel.space_id == space_id, Channel.enabled.is_(True))
                                 .order_by(Channel.created_on))
    channels = list(rows.scalars())
    from onecast.spacepush.service import implicit_channel  # the space's push credentials serve nativePush

    implicit = await implicit_channel(session, space_id, channels)
    return channels + [implicit] if implicit is not None else channels


def resolve(rule: str, channels: list[Channel]) -> ResolvedChannel | None:
    """A rule names a configured channel id, else the first channel of that type; a built-in
    type with nothing configured is served by the sandbox."""
    match = next((c for c in channels if c.channel_id == rule), None)
    if match is None:
        match = next((c for c in channels if c.type == rule), None)
    if match is not None:
        return ResolvedChannel(rule, match.type, match.provider, (match.id, match.revision), match.config)
    if rule in BUILTIN_TYPES:
        return sandbox_for(rule)
    return None


def channel_view(channel: Channel) -> dict[str, Any]:
    return {"id": channel.channel_id, "type": channel.type, "provider": channel.provider, "name": channel.name,
            "config": channel.config, "enabled": channel.enabled, "sandbox": channel.provider == "sandbox",
            "_createdOn": iso(channel.created_on), "_updatedOn": iso(channel.updated_on)}


def implicit_view(channel: ResolvedChannel, name: str) -> dict[str, Any]:
    """A type nothing configured serves: the sandbox, or (nativePush) the space's push credentials."""
    return {"id": channel.channel, "type": channel.type, "provider": channel.provider, "name": name,
            "config": {}, "enabled": True, "sandbox": channel.provider == "sandbox", "implicit": True}


def _check(channel_type: str, provider: str, config: dict[str, Any] | None = None,
           guard: AddressGuard | None = None) -> dict[str, Any]:
    """The config to store (its URLs normalised), or a 400 naming what is wrong."""
    if channel_type not in BUILTIN_TYPES and channel_type != CUSTOM_TYPE:
        raise invalid("type", f"unknown channel type {channel_type!r}; one of {', '.join(BUILTIN_TYPES)}, custom")
    if provider not in provider_names():
        raise invalid("provider", f"unknown provider {provider!r}; available: {', '.join(provider_names())}")
    try:
        validate_config(provider, config or {})
    except ValueError as exc:
        raise invalid(f"config.{getattr(exc, 'field', '')}".rstrip("."), str(exc), "ChannelConfigInvalid") from None
    # url, baseUrl, tokenUrl: the server will call them (SMTP and SMPP hosts are the operator's, unchecked)
    checked = refuse_internal_urls(guard or AddressGuard(), config or {}, "config.")
    # A file on the server (a CA bundle) is the operator's to name (ONECAST_PUSH_CA_FILE), not an API client's.
    server_files = string_fields(config or {}, SERVER_FILE_KEYS)
    if server_files:
        raise invalid(f"config.{server_files[0][0]}", "names a file on the server; the operator sets it with "
                      "ONECAST_PUSH_CA_FILE", "ChannelConfigInvalid")
    return checked


async def get_channel(session: AsyncSession, space_id: str, channel_id: str, *, lock: bool = False) -> Channel:
    stmt = select(Channel).where(Channel.space_id == space_id, Channel.channel_id == channel_id)
    if lock:
        stmt = stmt.with_for_update()
    channel = (await session.execute(stmt)).scalar_one_or_none()
    if channel is None:
        raise not_found("Channel")
    return channel


async def list_channels(session: AsyncSession, space_id: str) -> list[dict[str, Any]]:
    rows = (await session.execute(select(Channel).where(Channel.space_id == space_id)
                                  .order_by(Channel.created_on))).scalars().all()
    configured_types = {c.type for c in rows if c.enabled}
    views = [channel_view(c) for c in rows]
    implicit_types = [t for t in BUILTIN_TYPES if t not in configured_types and all(c.channel_id != t for c in rows)]
    if not implicit_types:
        return views
    from onecast.spacepush.service import implicit_channel, serves

    # Each type resolved as a send would: the space's push credentials serve nativePush when it has some.
    implicit = await implicit_channel(session, space_id, [c for c in rows if c.enabled])
    for t in implicit_types:
        channel = resolve(t, [implicit] if implicit is not None else [])
        by_credentials = serves(channel.as_plan_entry(""))
        views.append(implicit_view(channel, implicit.name if by_credentials else f"{t} (sandbox)"))
    return views


async def create_channel(session: AsyncSession, space_id: str, data: dict[str, Any],
                         guard: AddressGuard | None = None) -> Channel:
    config = _check(data["type"], data["provider"], data.get("config"), guard)
    now = utcnow()
    channel = Channel(id=new_id(), space_id=space_id, channel_id=data["id"], type=data["type"],
                      provider=data["provider"], name=data.get("name") or data["id"],
                      config=config, enabled=data.get("enabled", True),
                      created_on=now, updated_on=now)
    session.add(channel)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise Problem(409, "ChannelExists", f"A channel with id {data['id']!r} already exists") from None
    return channel


async def update_channel(session: AsyncSession, channel: Channel, data: dict[str, Any],
                         guard: AddressGuard | None = None) -> Channel:
    config = _check(data["type"], data["provider"], data.get("config"), guard)
    channel.type, channel.provider = data["type"], data["provider"]
    channel.name = data.get("name") or channel.channel_id
    channel.config = config
    channel.enabled = data.get("enabled", True)
    channel.revision += 1
    channel.updated_on = utcnow()
    return channel
