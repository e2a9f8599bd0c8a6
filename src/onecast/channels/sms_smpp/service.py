"""The background service (onecast.background.SERVICES) that keeps the binds of every enabled
sms_smpp channel up, so receipts and MO messages arrive even before anything is sent, and
applies receipts that arrived before their submission was known."""
from __future__ import annotations

import asyncio
from typing import Any

import structlog
from sqlalchemy import select

from onecast.channels.models import Channel
from onecast.channels.sms_smpp import link as links
from onecast.channels.sms_smpp.config import ConfigError, parse_config
from onecast.channels.sms_smpp.store import ChannelRef, DeliverSink, sweep

log = structlog.get_logger("onecast.smpp")
PROVIDER = "sms_smpp"


async def _wanted(db) -> dict[tuple[str, int], Channel]:
    async with db.read() as session:
        rows = await session.execute(select(Channel).where(Channel.provider == PROVIDER, Channel.enabled.is_(True)))
        return {(c.id, c.revision): c for c in rows.scalars()}


async def refresh(db, held: set[tuple[str, int]]) -> None:
    """Bind channels that appeared (or changed), unbind those removed or disabled."""
    wanted = await _wanted(db)
    for key in held - set(wanted):
        held.discard(key)
        await links.release(key)
    for key, channel in wanted.items():
        if key in held:
            continue
        try:
            config = parse_config(channel.config)
        except ConfigError as exc:
            log.warning("smpp_channel_config_invalid", channel=channel.id, field=exc.field, error=str(exc))
            continue
        ref = ChannelRef(channel.space_id, channel.id, channel.channel_id)
        links.acquire(key, config, lambda ref=ref: DeliverSink(db, ref))
        held.add(key)


async def run(db, settings: Any, stop: asyncio.Event) -> None:
    held: set[tuple[str, int]] = set()
    try:
        while not stop.is_set():
            try:
                await refresh(db, held)
                await sweep(db)
            except Exception as exc:  # the database may be briefly away: try again next round
                log.error("smpp_service_round_failed", error=repr(exc))
            try:
                await asyncio.wait_for(stop.wait(), settings.smpp_refresh_seconds)
            except TimeoutError:
                pass
    finally:
        for key in list(held):
            await links.release(key)
