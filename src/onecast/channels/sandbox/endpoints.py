"""The sandbox as a device simulator: what was sent, and the recipient's answers."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from onecast.channels.sandbox import service
from onecast.channels.sandbox.schemas import SandboxDeliveryOut, SandboxInboundIn, SandboxReceiptIn, SandboxSettingsIn
from onecast.channels.service import enabled_channels, resolve
from onecast.kit.auth import SpaceAuth
from onecast.kit.errors import invalid, problem_responses
from onecast.kit.routing import CheckedRoute
from onecast.kit.state import get_db
from onecast.messages import inbound as inbounds
from onecast.messages import service as messages
from onecast.messages.schemas import InboundIn, InboundOut, MessageOut
from onecast.messages.views import inbound_view, message_view

router = APIRouter(route_class=CheckedRoute, prefix="/apispaces/{apiSpaceId}/sandbox", tags=["Sandbox"],
                   responses=problem_responses(400, 401, 404))


@router.get("/settings", response_model=SandboxSettingsIn)
async def get_settings(request: Request, principal: SpaceAuth) -> dict:
    async with get_db(request).read() as session:
        return await service.get_settings(session, principal.space_id)


@router.put("/settings", response_model=SandboxSettingsIn)
async def put_settings(request: Request, principal: SpaceAuth, body: SandboxSettingsIn) -> dict:
    async with get_db(request).transaction() as session:
        return await service.put_settings(session, principal.space_id, body.model_dump())


@router.get("/messages", response_model=list[SandboxDeliveryOut],
            description="What the sandbox provider sent, newest first.")
async def list_deliveries(
    request: Request, principal: SpaceAuth,
    address: Annotated[str | None, Query(max_length=320)] = None,
    channel: Annotated[str | None, Query(max_length=100)] = None,
    messageId: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict]:
    async with get_db(request).read() as session:
        rows = await service.list_deliveries(session, principal.space_id, address=address, channel=channel,
                                             message_id=messageId, limit=limit)
        return [service.delivery_view(r) for r in rows]


@router.post("/messages/{messageId}/receipts", response_model=MessageOut, responses=problem_responses(409),
             description="Make the simulated recipient's device report delivered, read, failed or expired.")
async def post_receipt(request: Request, principal: SpaceAuth, messageId: Annotated[str, Path(max_length=64)],
                       body: SandboxReceiptIn) -> dict:
    details = {"sandbox": True, **({"reason": body.reason} if body.reason else {})}
    async with get_db(request).transaction() as session:
        current = await messages.get_message(session, principal.space_id, messageId)
        message = await messages.post_status(session, principal, messageId, body.status,
                                             current.channel or "sandbox", details, None)
        return message_view(message, await messages.status_history(session, message.id))


@router.post("/inbound", status_code=201, response_model=InboundOut,
             description="A simulated recipient writes to you on a channel.")
async def post_inbound(request: Request, principal: SpaceAuth, body: SandboxInboundIn) -> dict:
    async with get_db(request).transaction() as session:
        channel = resolve(body.channel, await enabled_channels(session, principal.space_id))
        if channel is None:
            raise invalid("channel", f"there is no channel {body.channel!r} in this API space", "UnknownChannel")
        inbound = InboundIn.model_validate({
            "channel": body.channel, "from": inbounds.inbound_from_address(channel.type, body.from_),
            "body": body.body, "title": body.title, "conversationId": body.conversationId})
        message = await inbounds.receive_inbound(session, principal.space_id, principal.actor, inbound)
        return inbound_view(message, await messages.status_history(session, message.id))
