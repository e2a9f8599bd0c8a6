"""Push devices on profiles over HTTP. Comapi registers devices through SDK sessions
(`POST /sessions` with `push`); these keyed endpoints let a backend do the same, and the
reference's `DELETE .../profiles/{id}/devices/{deviceId}` and `POST .../profiles/devices/push/validation`."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse

from onecast.devices import service
from onecast.devices.schemas import DeviceIn, DeviceOut, ValidationIn, ValidationOut
from onecast.kit.auth import SpaceAuth
from onecast.kit.errors import problem_responses
from onecast.kit.routing import CheckedRoute
from onecast.kit.ssrf import AddressGuard
from onecast.kit.state import get_db, get_settings

router = APIRouter(route_class=CheckedRoute, prefix="/apispaces/{apiSpaceId}", tags=["Push devices"],
                   responses=problem_responses(400, 401, 404))

ProfileId = Annotated[str, Path(min_length=1, max_length=255, pattern=r"^[^/\x00-\x1f\x7f]+$",
                                description="The profile id")]
DeviceId = Annotated[str, Path(min_length=1, max_length=255, pattern=r"^[^/\x00-\x1f\x7f]+$",
                               description="The app's id for the device (the SDK's deviceId)")]


@router.post("/profiles/devices/push/validation", response_model=list[ValidationOut],
             summary="How many push devices each profile has, and for which apps")
async def validate_push(request: Request, principal: SpaceAuth, body: ValidationIn) -> list[dict]:
    async with get_db(request).read() as session:
        return await service.summaries(session, principal.space_id, body.ids)


@router.get("/profiles/{profileId}/devices", response_model=list[DeviceOut], response_model_by_alias=True,
            summary="The profile's push devices")
async def list_devices(request: Request, principal: SpaceAuth, profileId: ProfileId) -> list[dict]:
    async with get_db(request).read() as session:
        return [service.device_view(d) for d in await service.list_devices(session, principal.space_id, profileId)]


@router.put("/profiles/{profileId}/devices/{deviceId}", response_model=DeviceOut, response_model_by_alias=True,
            responses={201: {"model": DeviceOut, "description": "Registered a new device"}},
            summary="Register (or replace) a device's push registration",
            description="Creates the profile when it does not exist yet. A token already registered on "
                        "another profile or device of this API space moves here.")
async def register_device(request: Request, principal: SpaceAuth, profileId: ProfileId,
                          deviceId: DeviceId, body: DeviceIn) -> JSONResponse:
    async with get_db(request).transaction() as session:
        device, created = await service.register_device(session, principal.space_id, profileId, deviceId, body,
                                                        principal.actor, AddressGuard.from_settings(get_settings(request)))
        view = service.device_view(device)
    return JSONResponse(view, status_code=201 if created else 200)


@router.get("/profiles/{profileId}/devices/{deviceId}", response_model=DeviceOut, response_model_by_alias=True)
async def get_device(request: Request, principal: SpaceAuth, profileId: ProfileId,
                     deviceId: DeviceId) -> dict:
    async with get_db(request).read() as session:
        return service.device_view(await service.require_device(session, principal.space_id, profileId, deviceId))


@router.delete("/profiles/{profileId}/devices/{deviceId}", status_code=204, summary="Remove a device")
async def delete_device(request: Request, principal: SpaceAuth, profileId: ProfileId,
                        deviceId: DeviceId) -> Response:
    async with get_db(request).transaction() as session:
        device = await service.require_device(session, principal.space_id, profileId, deviceId, lock=True)
        await service.remove_device(session, device)
    return Response(status_code=204)
