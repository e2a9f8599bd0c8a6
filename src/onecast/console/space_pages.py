"""Spaces, their API keys (a new key is shown once) and channels (a form per provider, test send)."""
from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from onecast.channels import service as channels
from onecast.channels.builtin import PROVIDERS
from onecast.channels.schemas import ChannelIn
from onecast.console.access import visible_space, visible_spaces
from onecast.console.forms import back, fields, flash, problem_text
from onecast.console.render import page
from onecast.console.routing import ConsoleRoute
from onecast.console.session import Viewer, current_viewer, writer
from onecast.kit.auth import key_cache
from onecast.kit.errors import Problem
from onecast.kit.ssrf import AddressGuard
from onecast.kit.state import get_db
from onecast.messages import service as messages
from onecast.messages.schemas import MessageIn
from onecast.spaces import service as spaces

router = APIRouter(route_class=ConsoleRoute)
Reader = Annotated[Viewer, Depends(current_viewer)]
Writer = Annotated[Viewer, Depends(writer)]
SpaceId = Annotated[str, Path(max_length=64)]

# The fields each provider's form asks for (anything else goes in the JSON box).
PROVIDER_FORMS: dict[str, list[tuple[str, str]]] = {
    "sandbox": [],
    "email_smtp": [("host", "SMTP host"), ("port", "Port"), ("security", "starttls, tls or none"),
                   ("username", "User name"), ("password", "Password"), ("fromAddress", "From address"),
                   ("fromName", "From name")],
    "whatsapp_cloud": [("phoneNumberId", "Phone number id"), ("accessToken", "Access token"),
                       ("appSecret", "App secret")],
    "messenger": [("pageAccessToken", "Page access token"), ("appSecret", "App secret")],
    "telegram": [("botToken", "Bot token")],
    "custom_http": [("url", "Endpoint URL"), ("secret", "Signing secret")],
    "fcm": [("projectId", "Project id"), ("serviceAccount", "Service account JSON")],
    "apns": [("teamId", "Team id"), ("keyId", "Key id"), ("privateKey", "Private key (PEM)"), ("topic", "Topic")],
    "webpush": [("vapidPrivateKey", "VAPID private key"), ("subject", "Subject (mailto:)")],
}
CHANNEL_TYPES = ["sms", "mms", "email", "whatsApp", "fbMessenger", "telegram", "nativePush", "appMessaging",
                 "rcs", "custom"]
# Which `to` field a test message to a channel type addresses.
TEST_ADDRESS = {"sms": "phoneNumber", "mms": "phoneNumber", "rcs": "phoneNumber", "whatsApp": "phoneNumber",
                "email": "email", "fbMessenger": "fbMessengerId", "telegram": "telegramChatId"}


@router.get("/spaces", response_class=HTMLResponse)
async def spaces_page(request: Request, viewer: Reader) -> HTMLResponse:
    async with get_db(request).read() as session:
        found = await visible_spaces(session, viewer)
    return page(request, "spaces.html", viewer=viewer, spaces=found, **flash(request))


@router.post("/spaces", response_class=HTMLResponse)
async def create_space(request: Request, viewer: Writer) -> Response:
    if viewer.key_space_id:
        return await back(request, "/console/spaces", error="An API key cannot create spaces: log in as a console user")
    name = (await fields(request)).get("name") or "unnamed"
    async with get_db(request).transaction() as session:
        space, _key, raw = await spaces.create_account_with_space(session, name[:200])
    return await back(request, "/console/spaces", new_space_name=space.name, new_space_id=space.id, new_key=raw)


async def _keys_page(request: Request, viewer: Viewer, space_id: str) -> HTMLResponse:
    async with get_db(request).read() as session:
        space = await visible_space(session, viewer, space_id)
        keys = await spaces.list_keys(session, space_id)
    return page(request, "keys.html", viewer=viewer, space=space, keys=keys, **flash(request))


@router.get("/spaces/{space_id}/keys", response_class=HTMLResponse)
async def keys_page(request: Request, viewer: Reader, space_id: SpaceId) -> HTMLResponse:
    return await _keys_page(request, viewer, space_id)


@router.post("/spaces/{space_id}/keys", response_class=HTMLResponse)
async def create_key(request: Request, viewer: Writer, space_id: SpaceId) -> Response:
    name = (await fields(request)).get("name") or "console"
    async with get_db(request).transaction() as session:
        await visible_space(session, viewer, space_id)
        key, raw = await spaces.create_key(session, space_id, name[:200])
    # Shown once by the page the browser is sent to, so a reload does not create a second key.
    return await back(request, f"/console/spaces/{space_id}/keys", new_key=raw, new_key_id=key.id)


@router.post("/spaces/{space_id}/keys/{key_id}/revoke")
async def revoke_key(request: Request, viewer: Writer, space_id: SpaceId,
                     key_id: Annotated[str, Path(max_length=64)]) -> Response:
    async with get_db(request).transaction() as session:
        await visible_space(session, viewer, space_id)
        await spaces.revoke_key(session, space_id, key_id)
    key_cache(request).clear()
    if key_id == viewer.key_id:
        return await back(request, "/console/login")
    return await back(request, f"/console/spaces/{space_id}/keys", notice="Key revoked")


@router.get("/spaces/{space_id}/channels", response_class=HTMLResponse)
async def channels_page(request: Request, viewer: Reader, space_id: SpaceId) -> HTMLResponse:
    async with get_db(request).read() as session:
        space = await visible_space(session, viewer, space_id)
        listed = await channels.list_channels(session, space_id)
    provider = request.query_params.get("provider", "sandbox")
    return page(request, "channels.html", viewer=viewer, space=space, channels=listed,
                providers=sorted(PROVIDERS), provider=provider if provider in PROVIDERS else "sandbox",
                forms=PROVIDER_FORMS, types=CHANNEL_TYPES, test_address=TEST_ADDRESS, **flash(request))


def _channel_config(form: dict[str, str]) -> dict:
    config = json.loads(form.get("extra") or "{}")
    if not isinstance(config, dict):
        raise ValueError("the extra config must be a JSON object")
    for name, _label in PROVIDER_FORMS.get(form.get("provider", ""), []):
        value = form.get(f"config.{name}")
        if value:
            config[name] = int(value) if name == "port" and value.isdigit() else value
    return config


@router.post("/spaces/{space_id}/channels")
async def create_channel(request: Request, viewer: Writer, space_id: SpaceId) -> Response:
    form = await fields(request)
    here = f"/console/spaces/{space_id}/channels"
    try:
        body = ChannelIn.model_validate({"id": form.get("id"), "type": form.get("type"), "provider": form.get("provider"),
                                         "name": form.get("name", ""), "config": _channel_config(form)})
        async with get_db(request).transaction() as session:
            await visible_space(session, viewer, space_id)
            await channels.create_channel(session, space_id, body.model_dump(),
                                          AddressGuard.from_settings(request.app.state.settings))
    except (Problem, ValidationError) as exc:
        return await back(request, here, error=problem_text(exc))
    except ValueError as exc:
        return await back(request, here, error=f"Extra config: {exc}")
    return await back(request, here, notice=f"Channel {body.id} created")


@router.post("/spaces/{space_id}/channels/{channel_id}/test")
async def test_send(request: Request, viewer: Writer, space_id: SpaceId,
                    channel_id: Annotated[str, Path(max_length=100)]) -> Response:
    """Send a real message on one channel (rules = [channel]); follow it on the message page."""
    form = await fields(request)
    here = f"/console/spaces/{space_id}/channels"
    try:
        to = {TEST_ADDRESS.get(form.get("type", ""), "profileId"): form.get("address")}
        if form.get("profile"):  # also file it under a profile (created with this address when new)
            to.setdefault("profileId", form["profile"])
        item = MessageIn.model_validate({"to": to, "body": form.get("body") or "Test from the Onecast console",
                                         "title": "Onecast test", "rules": [channel_id]})
        async with get_db(request).transaction() as session:
            space = await visible_space(session, viewer, space_id)
            (message,) = await messages.send_many(session, viewer.principal(space_id, space.account_id), [item])
    except (Problem, ValidationError) as exc:
        return await back(request, here, error=problem_text(exc))
    return await back(request, f"/console/spaces/{space_id}/messages/{message.id}", notice="Test message sent")
