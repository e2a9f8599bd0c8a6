"""Telegram webhook: POST /webhooks/telegram/{apiSpaceId}/{channelId}, authenticated by the
`X-Telegram-Bot-Api-Secret-Token` header (the channel's secretToken)."""
from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Header, Request

from onecast.channels import webhook_kit as kit
from onecast.channels.telegram.provider import answer_callback
from onecast.channels.telegram.webhook import process
from onecast.channels.webhook_http import ChannelId, SpaceId, handle, load_channel, parse_json
from onecast.kit.errors import Problem, problem_responses
from onecast.kit.routing import CheckedRoute
from onecast.kit.ssrf import AddressGuard
from onecast.kit.state import get_settings

router = APIRouter(route_class=CheckedRoute, prefix="/webhooks/telegram/{apiSpaceId}/{channelId}",
                   tags=["Telegram webhook"], responses=problem_responses(400, 401, 404))


@router.post("", openapi_extra=kit.PUBLIC,
             description="Telegram updates; setWebhook's secret_token must be the channel's secretToken.")
async def update(request: Request, apiSpaceId: SpaceId, channelId: ChannelId,
                 secret: Annotated[str | None, Header(alias="X-Telegram-Bot-Api-Secret-Token", max_length=256)] = None,
                 ) -> dict[str, int]:
    channel = await load_channel(request, apiSpaceId, channelId, {"telegram"})
    expected = channel.config.get("secretToken")
    if not expected or not secret or not hmac.compare_digest(str(expected), secret):
        raise Problem(401, "InvalidSecretToken", "X-Telegram-Bot-Api-Secret-Token is missing or does not match "
                                                 "the channel's secretToken")
    payload = parse_json(await request.body())
    counts = await handle(request, channel, payload, process)
    query = payload.get("callback_query")
    if isinstance(query, dict) and isinstance(query.get("id"), str) and query["id"]:  # after the commit
        await answer_callback(channel.config, query["id"], AddressGuard.from_settings(get_settings(request)))
    return counts
