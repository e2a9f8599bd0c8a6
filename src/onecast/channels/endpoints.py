from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from onecast.channels import service
from onecast.channels.schemas import CHANNEL_ID_PATTERN, ChannelIn, ChannelOut, ChannelUpdate
from onecast.kit.auth import SpaceAuth
from onecast.kit.errors import invalid, problem_responses
from onecast.kit.etag import IfMatch, check_if_match, etag_for
from onecast.kit.routing import CheckedRoute
from onecast.kit.ssrf import AddressGuard
from onecast.kit.state import get_db, get_settings

router = APIRouter(route_class=CheckedRoute, prefix="/apispaces/{apiSpaceId}", tags=["Channels"],
                   responses=problem_responses(400, 401, 404))
ChannelId = Annotated[str, Path(max_length=100, pattern=CHANNEL_ID_PATTERN)]


@router.get("/channels", response_model=list[ChannelOut],
            description="Configured channels, and the sandbox serving every type not configured yet.")
async def list_channels(request: Request, principal: SpaceAuth) -> list[dict]:
    async with get_db(request).read() as session:
        return await service.list_channels(session, principal.space_id)


@router.post("/channels", status_code=201, response_model=ChannelOut, responses=problem_responses(409))
async def create_channel(request: Request, response: Response, principal: SpaceAuth, body: ChannelIn) -> dict:
    async with get_db(request).transaction() as session:
        channel = await service.create_channel(session, principal.space_id, body.model_dump(),
                                               AddressGuard.from_settings(get_settings(request)))
        response.headers["ETag"] = etag_for(channel.id, channel.revision)
        return service.channel_view(channel)


@router.get("/channels/{channelId}", response_model=ChannelOut)
async def get_channel(request: Request, response: Response, principal: SpaceAuth, channelId: ChannelId) -> dict:
    async with get_db(request).read() as session:
        channel = await service.get_channel(session, principal.space_id, channelId)
        response.headers["ETag"] = etag_for(channel.id, channel.revision)
        return service.channel_view(channel)


@router.put("/channels/{channelId}", response_model=ChannelOut, responses=problem_responses(412))
async def update_channel(request: Request, response: Response, principal: SpaceAuth, channelId: ChannelId,
                         body: ChannelUpdate, if_match: IfMatch = None) -> dict:
    if body.id is not None and body.id != channelId:
        raise invalid("id", "does not match the channel id in the path")
    async with get_db(request).transaction() as session:
        channel = await service.get_channel(session, principal.space_id, channelId, lock=True)
        check_if_match(if_match, etag_for(channel.id, channel.revision))
        await service.update_channel(session, channel, body.model_dump(exclude={"id"}),
                                     AddressGuard.from_settings(get_settings(request)))
        response.headers["ETag"] = etag_for(channel.id, channel.revision)
        return service.channel_view(channel)


@router.delete("/channels/{channelId}", status_code=204, responses=problem_responses(412))
async def delete_channel(request: Request, principal: SpaceAuth, channelId: ChannelId,
                         if_match: IfMatch = None) -> Response:
    async with get_db(request).transaction() as session:
        channel = await service.get_channel(session, principal.space_id, channelId, lock=True)
        check_if_match(if_match, etag_for(channel.id, channel.revision))
        await session.delete(channel)
    return Response(status_code=204)
