"""Adaptors: Email2SMS (mail to <number>@<domain> is sent on as an SMS)."""
from __future__ import annotations

from fastapi import APIRouter, Request, Response

from onecast.inbound_email import service
from onecast.inbound_email.schemas import Email2SmsIn, Email2SmsOut
from onecast.kit.auth import SpaceAuth
from onecast.kit.errors import problem_responses
from onecast.kit.routing import CheckedRoute
from onecast.kit.state import get_db

router = APIRouter(route_class=CheckedRoute, prefix="/apispaces/{apiSpaceId}/adaptors", tags=["Adaptors"],
                   responses=problem_responses(400, 401, 404))


@router.get("/email2sms", response_model=Email2SmsOut, description="The space's Email2SMS adaptor.")
async def get_email2sms(request: Request, principal: SpaceAuth) -> dict:
    async with get_db(request).read() as session:
        return service.adaptor_view(await service.get_adaptor(session, principal.space_id))


@router.put("/email2sms", response_model=Email2SmsOut, responses=problem_responses(409),
            description="Create or replace the Email2SMS adaptor: mail from an allowed sender to "
                        "<number>@<domain> (received by the inbound SMTP listener) is sent on as an SMS.")
async def put_email2sms(request: Request, principal: SpaceAuth, body: Email2SmsIn) -> dict:
    async with get_db(request).transaction() as session:
        return service.adaptor_view(await service.put_adaptor(session, principal.space_id, body))


@router.delete("/email2sms", status_code=204)
async def delete_email2sms(request: Request, principal: SpaceAuth) -> Response:
    async with get_db(request).transaction() as session:
        await service.delete_adaptor(session, principal.space_id)
    return Response(status_code=204)
