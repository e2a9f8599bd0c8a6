"""App-user auth over HTTP: the space's JWT config (API key) and the session handshake
(no API key: the client proves itself with a JWT, then uses the session token)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from onecast.appusers import service
from onecast.appusers.auth import CallerAuth
from onecast.appusers.schemas import (
    AuthConfigIn,
    AuthConfigOut,
    ChallengeOut,
    SessionIn,
    SessionOut,
    SessionStarted,
    TokenOut,
)
from onecast.kit.errors import not_found, problem_responses
from onecast.kit.routing import CheckedRoute
from onecast.kit.state import get_db
from onecast.spaces.endpoints import ManagedSpace
from onecast.spaces.models import ApiSpace

router = APIRouter(route_class=CheckedRoute, prefix="/apispaces/{apiSpaceId}", tags=["App users"],
                   responses=problem_responses(400, 401, 404))
PUBLIC = {"security": []}
SpaceId = Annotated[str, Path(max_length=64, description="The API space id")]
SessionId = Annotated[str, Path(max_length=64, description="The session id")]


async def _require_space(session, space_id: str) -> None:
    space = await session.get(ApiSpace, space_id)
    if space is None or space.deleted_on is not None:
        raise not_found("API space")


# Space settings, like push credentials: any key of the space's account may read and set them (the
# key that created a space is the account's, not the new space's).
@router.get("/auth", response_model=AuthConfigOut, summary="The JWT config app users' tokens are checked with")
async def get_auth_config(request: Request, principal: ManagedSpace, apiSpaceId: SpaceId) -> dict:
    async with get_db(request).read() as session:
        return service.config_view(await service.get_config(session, apiSpaceId))


@router.put("/auth", response_model=AuthConfigOut, summary="Set issuer, audience, shared secret and id claim")
async def put_auth_config(request: Request, principal: ManagedSpace, apiSpaceId: SpaceId,
                          body: AuthConfigIn) -> dict:
    async with get_db(request).transaction() as session:
        config = await service.put_config(session, apiSpaceId, body.issuer, body.audience,
                                          body.sharedSecret, body.idClaim)
        return service.config_view(config)


@router.get("/sessions/start", response_model=ChallengeOut, openapi_extra=PUBLIC,
            summary="Start a login: a nonce the app's backend puts in the user's JWT")
async def start_auth(request: Request, apiSpaceId: SpaceId) -> dict:
    async with get_db(request).transaction() as session:
        await _require_space(session, apiSpaceId)
        return service.challenge_view(await service.start_challenge(session, apiSpaceId))


@router.get("/sessions/tokens/anon", response_model=TokenOut, openapi_extra=PUBLIC,
            summary="A JWT that starts an anonymous session (profile id `anon_<id>`)")
async def anonymous_token(
    request: Request, apiSpaceId: SpaceId,
    id: Annotated[str, Query(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")],
    nonce: Annotated[str, Query(min_length=1, max_length=100)],
) -> dict:
    async with get_db(request).transaction() as session:
        await _require_space(session, apiSpaceId)
        return {"token": await service.anonymous_token(session, apiSpaceId, id, nonce)}


@router.post("/sessions", status_code=201, response_model=SessionStarted, openapi_extra=PUBLIC,
             summary="Exchange the challenge and a JWT for a session token")
async def create_session(request: Request, apiSpaceId: SpaceId, body: SessionIn) -> dict:
    device = {"device_id": body.deviceId, "platform": body.platform, "platform_version": body.platformVersion,
              "sdk_type": body.sdkType, "sdk_version": body.sdkVersion,
              "push": body.push.model_dump(exclude_none=True) if body.push else {}}
    async with get_db(request).transaction() as session:
        await _require_space(session, apiSpaceId)
        app_session, token = await service.start_session(
            session, apiSpaceId, body.authenticationId, body.authenticationToken, device,
            request.client.host if request.client else None)
        await _register_push(session, apiSpaceId, app_session, body)
        return {"token": token, "session": service.session_view(app_session)}


async def _register_push(session, space_id: str, app_session, body: SessionIn) -> None:
    """The session's push registration becomes a device of the user's profile, so sends with
    the `nativePush` rule reach this app."""
    from onecast.devices.schemas import DeviceIn, PushRegistration
    from onecast.devices.service import register_device

    for platform in ("fcm", "apns"):
        registration = getattr(body.push, platform, None) if body.push else None
        if registration is not None:
            device = DeviceIn(push=PushRegistration(**{platform: registration}), platform=body.platform,
                              platformVersion=body.platformVersion, sdkType=body.sdkType, sdkVersion=body.sdkVersion)
            await register_device(session, space_id, app_session.profile_id, body.deviceId or f"session-{app_session.id}",
                                  device, f"session:{app_session.id}")


def _own(caller, app_session) -> None:
    if not caller.is_server and app_session.profile_id != caller.profile_id:
        raise not_found("Session")


@router.get("/sessions/{sessionId}", response_model=SessionOut, summary="A session (its own user or the server)")
async def get_session(request: Request, caller: CallerAuth, sessionId: SessionId) -> dict:
    async with get_db(request).read() as session:
        app_session = await service.get_session(session, caller.space_id, sessionId)
        _own(caller, app_session)
        return service.session_view(app_session)


@router.delete("/sessions/{sessionId}", status_code=204, summary="End a session: its token stops working")
async def end_session(request: Request, caller: CallerAuth, sessionId: SessionId) -> Response:
    async with get_db(request).transaction() as session:
        app_session = await service.get_session(session, caller.space_id, sessionId, lock=True)
        _own(caller, app_session)
        await service.end_session(session, caller.space_id, sessionId)
    return Response(status_code=204)
