"""Analytics over HTTP (One API OAS-anl): GET with from/to (to exclusive), by and timezone."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from onecast.analytics import service
from onecast.analytics.buckets import UNITS, Window, window
from onecast.analytics.schemas import (
    ConversationMessageAnalytics,
    MessageAnalytics,
    SessionAnalytics,
    SmsInboundAnalytics,
    SmsOutboundAnalytics,
    SmsTrackingAnalytics,
    SmsVerifyAnalytics,
)
from onecast.kit.auth import SpaceAuth
from onecast.kit.errors import problem_responses
from onecast.kit.routing import CheckedRoute
from onecast.kit.state import get_db

router = APIRouter(route_class=CheckedRoute, prefix="/apispaces/{apiSpaceId}/analytics", tags=["Analytics"],
                   responses=problem_responses(400, 401, 404))


def analytics_window(
    start: Annotated[datetime, Query(alias="from", description="ISO 8601; naive times are UTC")],
    end: Annotated[datetime, Query(alias="to", description="ISO 8601, not included")],
    by: Annotated[str | None, Query(max_length=100, description=f"One of {', '.join(UNITS)} (default day)")] = None,
    timezone: Annotated[str | None, Query(max_length=64, description="IANA zone of the buckets (default UTC)")] = None,
) -> Window:
    return window(start, end, by, timezone)


Win = Annotated[Window, Depends(analytics_window)]
Report = Callable[[Any, str, Window], Awaitable[list[dict[str, Any]]]]

REPORTS: list[tuple[str, type[BaseModel], Report, str]] = [
    ("/messages", MessageAnalytics, service.messages,
     ("Outbound messages by status and channel (and their SMS segments), inbound by channel, per bucket of their "
      "creation time; statuses are the current ones.")),
    ("/sms/outbound", SmsOutboundAnalytics, service.sms_outbound, "SMS submitted, delivered, filtered, undeliverable."),
    ("/sms/inbound", SmsInboundAnalytics, service.sms_inbound, "SMS received."),
    ("/sms/tracking", SmsTrackingAnalytics, service.sms_tracking,
     "Clicks on short links (`interaction.click` events) and tracked links sent."),
    ("/sms/verify", SmsVerifyAnalytics, service.sms_verify, "Verify requests by outcome, per bucket of creation."),
    ("/sessions", SessionAnalytics, service.sessions,
     "Sessions started (by platform and sdkType) and ended (`session.start` / `session.end` events)."),
    ("/conversationmessages", ConversationMessageAnalytics, service.conversation_messages,
     "Conversation messages sent, delivered and read (`conversationMessage.*` events)."),
]


def _endpoint(report: Report) -> Callable[..., Awaitable[list[dict[str, Any]]]]:
    async def endpoint(request: Request, principal: SpaceAuth, win: Win) -> list[dict[str, Any]]:
        async with get_db(request).read() as session:
            return await report(session, principal.space_id, win)

    return endpoint


for _path, _model, _report, _description in REPORTS:
    router.add_api_route(_path, _endpoint(_report), methods=["GET"], response_model=list[_model],
                         name="analytics_" + _report.__name__, description=_description)
