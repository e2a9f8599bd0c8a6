"""HTTP side of the vendor webhooks: loading the channel a URL names (/webhooks/{vendor}/{space}/
{channel}) and reading the JSON body; and Meta's pair of endpoints (WhatsApp Cloud API and
Messenger share them): `GET` answers the subscription check with `hub.challenge`, `POST` takes
notifications signed with the app secret (`X-Hub-Signature-256`)."""
from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import PlainTextResponse
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.channels import webhook_kit as kit
from onecast.channels.models import Channel
from onecast.kit.errors import Problem, problem_responses
from onecast.kit.routing import CheckedRoute
from onecast.kit.state import get_db
from onecast.kit.text import clean, might_break_rule

Processor = Callable[[AsyncSession, Channel, dict[str, Any]], Awaitable[dict[str, int]]]
SpaceId = Annotated[str, Path(max_length=64)]
ChannelId = Annotated[str, Path(max_length=100)]


async def load_channel(request: Request, space_id: str, channel_id: str, providers: set[str]) -> Channel:
    async with get_db(request).read() as session:
        return await kit.webhook_channel(session, space_id, channel_id, providers)


def parse_json(raw: bytes) -> dict[str, Any]:
    """The notification, its text cleaned (kit.text.clean): a vendor cannot change what its user
    wrote and retries what we refuse, so a NUL is dropped and a lone surrogate becomes U+FFFD."""
    try:
        payload = json.loads(raw)
    except ValueError:
        raise Problem(400, "InvalidJson", "the notification body is not JSON") from None
    if not isinstance(payload, dict):
        raise Problem(400, "InvalidJson", "the notification body must be a JSON object")
    return clean(payload) if might_break_rule(raw) else payload


async def handle(request: Request, channel: Channel, payload: dict[str, Any], process: Processor) -> dict[str, int]:
    async with get_db(request).transaction() as session:
        fresh = await session.get(Channel, channel.id)
        return await process(session, fresh, payload)


def meta_router(vendor: str, providers: set[str], process: Processor, tag: str) -> APIRouter:
    router = APIRouter(route_class=CheckedRoute, prefix=f"/webhooks/{vendor}/{{apiSpaceId}}/{{channelId}}", tags=[tag],
                       responses=problem_responses(400, 401, 403, 404))

    @router.get("", response_class=PlainTextResponse, openapi_extra=kit.PUBLIC,
                description=f"Meta's subscription check for the {tag} webhook: answers `hub.challenge` when "
                            "`hub.verify_token` is the channel's `verifyToken`.")
    async def verify(request: Request, apiSpaceId: SpaceId, channelId: ChannelId,
                     mode: Annotated[str | None, Query(alias="hub.mode", max_length=50)] = None,
                     token: Annotated[str | None, Query(alias="hub.verify_token", max_length=500)] = None,
                     challenge: Annotated[str | None, Query(alias="hub.challenge", max_length=500)] = None,
                     ) -> PlainTextResponse:
        channel = await load_channel(request, apiSpaceId, channelId, providers)
        return PlainTextResponse(kit.hub_challenge(channel.config, mode, token, challenge))

    @router.post("", openapi_extra=kit.PUBLIC,
                 description=f"{tag} notifications, signed with the app secret (`X-Hub-Signature-256`).")
    async def notify(request: Request, apiSpaceId: SpaceId, channelId: ChannelId,
                     signature: Annotated[str | None, Header(alias="X-Hub-Signature-256", max_length=200)] = None,
                     ) -> dict[str, int]:
        channel = await load_channel(request, apiSpaceId, channelId, providers)
        raw = await request.body()
        kit.require_hub_signature(channel.config.get("appSecret"), raw, signature)
        return await handle(request, channel, parse_json(raw), process)

    return router
