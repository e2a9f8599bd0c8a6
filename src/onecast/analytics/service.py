"""Analytics as SQL aggregates: rows are counted by GROUP BY in the database, per time slot and
channel (and status or event name); Python only arranges the aggregated groups into buckets.

Data owned by other domains is read from the platform event log (`events`), so it counts as
soon as a domain records it: `interaction.click` (link clicks), `session.start` / `session.end`,
`conversationMessage.sent|delivered|read`. Tracked links sent come from the `short_links` table
when that table is part of the schema.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.analytics.buckets import Window, dates
from onecast.channels.models import Channel
from onecast.kit.clock import utcnow
from onecast.kit.db import Base
from onecast.kit.models import Event
from onecast.messages.models import Message
from onecast.verify.models import VerifyRequest

CLICK_EVENT = "interaction.click"
SESSION_STARTED = ("session.start", "session.create")
SESSION_ENDED = ("session.end", "session.delete")
CONVERSATION_EVENTS = {"conversationMessage.sent": "sent", "conversationMessage.delivered": "delivered",
                       "conversationMessage.read": "read"}
SMS_TYPE = "sms"


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def _zero_rows(win: Window, zero: dict[str, Any]) -> dict[datetime, dict[str, Any]]:
    return {b: {**dates(b), **{k: (dict(v) if isinstance(v, dict) else v) for k, v in zero.items()}}
            for b in win.buckets()}


# --- messages ---------------------------------------------------------------------------------


async def _message_groups(session: AsyncSession, space_id: str, win: Window, *,
                          direction: str | None = None, channel_type: str | None = None) -> list[tuple]:
    """(slot, direction, channel, status, count, segments) for the window."""
    # A message nothing could deliver has no channel: it counts for the first channel of its rules.
    channel = func.coalesce(Message.channel, Message.request[("rules", 0)].as_string())
    inner = (select(win.slot(_dialect(session), Message.created_on).label("slot"), Message.direction.label("direction"),
                    channel.label("channel"), Message.status.label("status"),
                    func.coalesce(Message.segment_count, 0).label("segments"))
             .where(Message.space_id == space_id, Message.created_on >= win.start, Message.created_on < win.end))
    if direction:
        inner = inner.where(Message.direction == direction)
    rows = inner.subquery()
    stmt = select(rows.c.slot, rows.c.direction, rows.c.channel, rows.c.status, func.count(),
                  func.sum(rows.c.segments))
    if channel_type:
        configured = select(Channel.channel_id, Channel.type).where(Channel.space_id == space_id).subquery()
        stmt = (stmt.outerjoin(configured, configured.c.channel_id == rows.c.channel)
                .where(func.coalesce(configured.c.type, rows.c.channel) == channel_type))
    stmt = stmt.group_by(rows.c.slot, rows.c.direction, rows.c.channel, rows.c.status)
    return [tuple(r) for r in (await session.execute(stmt)).all()]


MESSAGE_BUCKETS = {  # outbound status -> the per-channel counters it adds to
    "processing": ("queued",), "retrying": ("queued",), "sent": ("success",),
    "delivered": ("success", "delivered"), "read": ("success", "delivered", "read"),
    "failed": ("undeliverable",), "expired": ("expired",), "filtered": ("filtered",),
}
SEGMENT_NAMES = {"queued": "queuedSegments", "success": "successSegements", "delivered": "deliveredSegements",
                 "read": "readSegements", "undeliverable": "undeliverableSegements", "expired": "expiredSegements"}


async def messages(session: AsyncSession, space_id: str, win: Window) -> list[dict[str, Any]]:
    zero: dict[str, Any] = {"attempted": 0, "failed": 0, "inbound": {}, "filtered": {}}
    for name, segments in SEGMENT_NAMES.items():
        zero[name], zero[segments] = {}, {}
    out = _zero_rows(win, zero)
    for slot, direction, channel, status, count, segments in await _message_groups(session, space_id, win):
        row = out[win.bucket_of(slot)]
        channel = channel or "unknown"
        if direction == "inbound":
            row["inbound"][channel] = row["inbound"].get(channel, 0) + count
            continue
        row["attempted"] += count
        if status == "failed":
            row["failed"] += count
        for name in MESSAGE_BUCKETS.get(status, ()):
            row[name][channel] = row[name].get(channel, 0) + count
            if name in SEGMENT_NAMES:
                row[SEGMENT_NAMES[name]][channel] = row[SEGMENT_NAMES[name]].get(channel, 0) + int(segments or 0)
    return list(out.values())


async def sms_outbound(session: AsyncSession, space_id: str, win: Window) -> list[dict[str, Any]]:
    out = _zero_rows(win, {"submitted": 0, "delivered": 0, "filtered": 0, "undeliverable": 0})
    for slot, _d, _c, status, count, _s in await _message_groups(session, space_id, win, direction="outbound",
                                                                  channel_type=SMS_TYPE):
        row = out[win.bucket_of(slot)]
        row["submitted"] += count
        if status in ("delivered", "read"):
            row["delivered"] += count
        elif status == "filtered":
            row["filtered"] += count
        elif status in ("failed", "expired"):
            row["undeliverable"] += count
    return list(out.values())


async def sms_inbound(session: AsyncSession, space_id: str, win: Window) -> list[dict[str, Any]]:
    out = _zero_rows(win, {"received": 0})
    for slot, *_rest, count, _s in await _message_groups(session, space_id, win, direction="inbound",
                                                        channel_type=SMS_TYPE):
        out[win.bucket_of(slot)]["received"] += count
    return list(out.values())


# --- verify -----------------------------------------------------------------------------------


async def sms_verify(session: AsyncSession, space_id: str, win: Window) -> list[dict[str, Any]]:
    now = utcnow()
    outcome = case((VerifyRequest.state == "verified", literal("verified")),
                   (VerifyRequest.state == "locked", literal("locked")),
                   (VerifyRequest.valid_until <= now, literal("expired")), else_=literal("notVerifed"))
    rows = (select(win.slot(_dialect(session), VerifyRequest.created_on).label("slot"), outcome.label("outcome"))
            .where(VerifyRequest.space_id == space_id, VerifyRequest.created_on >= win.start,
                   VerifyRequest.created_on < win.end)).subquery()
    out = _zero_rows(win, {"notVerifed": 0, "verified": 0, "expired": 0, "locked": 0})
    result = await session.execute(select(rows.c.slot, rows.c.outcome, func.count())
                                   .group_by(rows.c.slot, rows.c.outcome))
    for slot, name, count in result.all():
        out[win.bucket_of(slot)][name] += count
    return list(out.values())


# --- from the event log -----------------------------------------------------------------------


def _events(session: AsyncSession, space_id: str, win: Window, names: tuple[str, ...], *extra: Any):
    return (select(win.slot(_dialect(session), Event.timestamp).label("slot"), Event.name.label("name"), *extra)
            .where(Event.space_id == space_id, Event.name.in_(names), Event.timestamp >= win.start,
                   Event.timestamp < win.end)).subquery()


async def sms_tracking(session: AsyncSession, space_id: str, win: Window) -> list[dict[str, Any]]:
    out = _zero_rows(win, {"sent": 0, "clicks": 0, "uniqueClicks": 0})
    clicks = _events(session, space_id, win, (CLICK_EVENT,), Event.entity_id.label("entity"))
    # A click event's entity is the message the link was sent in: one recipient.
    result = await session.execute(select(clicks.c.slot, func.count(), func.count(clicks.c.entity.distinct()))
                                   .group_by(clicks.c.slot))
    for slot, count, unique in result.all():
        row = out[win.bucket_of(slot)]
        row["clicks"], row["uniqueClicks"] = row["clicks"] + count, row["uniqueClicks"] + unique
    links = Base.metadata.tables.get("short_links")
    if links is not None and {"space_id", "created_on"} <= set(links.c.keys()):
        sent = (select(win.slot(_dialect(session), links.c.created_on).label("slot"))
                .where(and_(links.c.space_id == space_id, links.c.created_on >= win.start,
                            links.c.created_on < win.end))).subquery()
        for slot, count in (await session.execute(select(sent.c.slot, func.count()).group_by(sent.c.slot))).all():
            out[win.bucket_of(slot)]["sent"] += count
    return list(out.values())


async def sessions(session: AsyncSession, space_id: str, win: Window) -> list[dict[str, Any]]:
    out = _zero_rows(win, {"started": {}, "ended": 0})
    rows = _events(session, space_id, win, SESSION_STARTED + SESSION_ENDED,
                   func.coalesce(Event.payload["platform"].as_string(), "unknown").label("platform"),
                   func.coalesce(Event.payload["sdkType"].as_string(), "unknown").label("sdk"))
    result = await session.execute(select(rows.c.slot, rows.c.name, rows.c.platform, rows.c.sdk, func.count())
                                   .group_by(rows.c.slot, rows.c.name, rows.c.platform, rows.c.sdk))
    for slot, name, platform, sdk, count in result.all():
        row = out[win.bucket_of(slot)]
        if name in SESSION_ENDED:
            row["ended"] += count
        else:
            by_sdk = row["started"].setdefault(platform, {})
            by_sdk[sdk] = by_sdk.get(sdk, 0) + count
    return list(out.values())


async def conversation_messages(session: AsyncSession, space_id: str, win: Window) -> list[dict[str, Any]]:
    out = _zero_rows(win, {"sent": 0, "delivered": 0, "read": 0})
    rows = _events(session, space_id, win, tuple(CONVERSATION_EVENTS))
    result = await session.execute(select(rows.c.slot, rows.c.name, func.count()).group_by(rows.c.slot, rows.c.name))
    for slot, name, count in result.all():
        out[win.bucket_of(slot)][CONVERSATION_EVENTS[name]] += count
    return list(out.values())
