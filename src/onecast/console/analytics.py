"""Sent, delivered and failed per channel over time: one GROUP BY over the status events, drawn
as inline SVG (no chart library, no script)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.analytics.buckets import Window
from onecast.console.access import visible_space
from onecast.console.render import page
from onecast.console.routing import ConsoleRoute
from onecast.console.session import Viewer, current_viewer
from onecast.kit.clock import utcnow
from onecast.kit.state import get_db
from onecast.messages.models import Message, MessageStatusEvent

router = APIRouter(route_class=ConsoleRoute)
SERIES = ("sent", "delivered", "failed")
COLOURS = {"sent": "#2f6fde", "delivered": "#17803d", "failed": "#b42318"}
WIDTH, HEIGHT, PAD = 640, 200, 32


async def counts(session: AsyncSession, space_id: str, since: datetime, hourly: bool) -> list[tuple[str, str, str, int]]:
    """(channel, bucket, status, count) for outbound messages' sent/delivered/failed events."""
    window = Window(since, utcnow(), "hour" if hourly else "day", UTC)  # the analytics API's buckets
    bucket = window.slot(session.get_bind().dialect.name, MessageStatusEvent.timestamp).label("bucket")
    channel = func.coalesce(MessageStatusEvent.channel, Message.channel, "none").label("channel")
    stmt = (select(channel, bucket, MessageStatusEvent.status, func.count())
            .join(Message, Message.id == MessageStatusEvent.message_id)
            .where(Message.space_id == space_id, Message.direction == "outbound",
                   MessageStatusEvent.status.in_(SERIES), MessageStatusEvent.timestamp >= since)
            .group_by(channel, bucket, MessageStatusEvent.status))
    return [(r[0], r[1], r[2], r[3]) for r in await session.execute(stmt)]


def buckets(since: datetime, until: datetime, hourly: bool) -> list[str]:
    step = timedelta(hours=1) if hourly else timedelta(days=1)
    fmt = "%Y-%m-%dT%H:00" if hourly else "%Y-%m-%dT00:00"  # Window.slot's labels
    current = since.replace(minute=0, second=0, microsecond=0)
    if not hourly:
        current = current.replace(hour=0)
    out = []
    while current <= until:
        out.append(current.strftime(fmt))
        current += step
    return out


def chart(labels: list[str], series: dict[str, list[int]]) -> dict[str, Any]:
    """Polylines scaled into the SVG box, with a y maximum and the first/last x labels."""
    top = max([1, *(v for values in series.values() for v in values)])
    span = max(1, len(labels) - 1)

    def point(i: int, v: int) -> str:
        return f"{PAD + i * (WIDTH - 2 * PAD) / span:.1f},{HEIGHT - PAD - v * (HEIGHT - 2 * PAD) / top:.1f}"

    lines = [{"name": name, "colour": COLOURS[name], "total": sum(values),
              "points": " ".join(point(i, v) for i, v in enumerate(values))} for name, values in series.items()]
    return {"width": WIDTH, "height": HEIGHT, "pad": PAD, "top": top, "lines": lines,
            "first": labels[0][:13].replace("T", " ") if labels else "",
            "last": labels[-1][:13].replace("T", " ") if labels else ""}


@router.get("/spaces/{space_id}/analytics", response_class=HTMLResponse)
async def analytics_page(request: Request, viewer: Annotated[Viewer, Depends(current_viewer)],
                         space_id: Annotated[str, Path(max_length=64)]) -> HTMLResponse:
    try:
        days = min(90, max(1, int(request.query_params.get("days", "7"))))
    except ValueError:
        days = 7
    hourly = days <= 2
    now = utcnow()
    since = now - timedelta(days=days)
    async with get_db(request).read() as session:
        space = await visible_space(session, viewer, space_id)
        rows = await counts(session, space_id, since, hourly)
    labels = buckets(since, now, hourly)
    index = {label: i for i, label in enumerate(labels)}
    per_channel: dict[str, dict[str, list[int]]] = {}
    for channel, bucket, status, count in rows:
        series = per_channel.setdefault(channel, {name: [0] * len(labels) for name in SERIES})
        if bucket in index:
            series[status][index[bucket]] += count
    charts = [{"channel": c, **chart(labels, s)} for c, s in sorted(per_channel.items())]
    return page(request, "analytics.html", viewer=viewer, space=space, charts=charts, days=days, hourly=hourly)
