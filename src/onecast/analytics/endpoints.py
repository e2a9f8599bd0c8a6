"""Analytics over HTTP (One API OAS-anl): GET with from/to (to exclusive), by and timezone."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from onecast.analytics import service
from onecast.analytics.buckets import UNITS, Window, window
from onecast.analytics.schemas import (ConversationMessageAnalytics, MessageAnalytics, SessionAnalytics,
                                       SmsInboundAnalytics, SmsOutboundAnalytics, SmsTrackingAnalytics,
                                       SmsVerifyAnalytics)
from onecast.kit.auth import SpaceAuth
from onecast.kit.errors import problem_responses
from onecast.kit.state import get_db

router = APIRouter(prefix="/apispaces/{apiSpaceId}/analytics", tags=["Analytics"],
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


async def _report(request: Request, space_id: str, win: Window, report: Report) -> list[dict[str, Any]]:
    async with get_db(request).read() as session:
        return await report(session, space_id, win)


@router.get("/messages", response_model=list[MessageAnalytics],
            description="Outbound messages by status and channel (and their SMS segments), inbound by channel, "
                        "per bucket of their creation time; statuses are the current ones.")
async def messages(request: Request, principal: SpaceAuth, win: Win) -> list[dict]:
    return await _report(request, principal.space_id, win, service.messages)


@router.get("/sms/outbound", response_model=list[SmsOutboundAnalytics])
async def sms_outbound(request: Request, principal: SpaceAuth, win: Win) -> list[dict]:
    return await _report(request, principal.space_id, win, service.sms_outbound)


@router.get("/sms/inbound", response_model=list[SmsInboundAnalytics])
async def sms_inbound(request: Request, principal: SpaceAuth, win: Win) -> list[dict]:
    return await _report(request, principal.space_id, win, service.sms_inbound)


@router.get("/sms/tracking", response_model=list[SmsTrackingAnalytics],
            description="Clicks on short links (`interaction.click` events) and tracked links sent.")
async def sms_tracking(request: Request, principal: SpaceAuth, win: Win) -> list[dict]:
    return await _report(request, principal.space_id, win, service.sms_tracking)


@router.get("/sms/verify", response_model=list[SmsVerifyAnalytics],
            description="Verify requests by outcome, per bucket of their creation time.")
async def sms_verify(request: Request, principal: SpaceAuth, win: Win) -> list[dict]:
    return await _report(request, principal.space_id, win, service.sms_verify)


@router.get("/sessions", response_model=list[SessionAnalytics],
            description="Sessions started (by platform and sdkType) and ended (`session.start` / `session.end`).")
async def sessions(request: Request, principal: SpaceAuth, win: Win) -> list[dict]:
    return await _report(request, principal.space_id, win, service.sessions)


@router.get("/conversationmessages", response_model=list[ConversationMessageAnalytics],
            description="Conversation messages sent, delivered and read (conversationMessage.* events).")
async def conversation_messages(request: Request, principal: SpaceAuth, win: Win) -> list[dict]:
    return await _report(request, principal.space_id, win, service.conversation_messages)
