"""/apispaces/{apiSpaceId}/push (API space management: any key of the account). Credentials go
in, metadata comes out: private keys and service accounts are never returned."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from onecast.kit.errors import problem_responses
from onecast.kit.routing import CheckedRoute
from onecast.kit.state import get_db
from onecast.spacepush import service
from onecast.spacepush.schemas import (
    APP_ID,
    ApnsCertIn,
    ApnsCertOut,
    ApnsCertPublicOut,
    ApnsKeyOut,
    ApnsTokenIn,
    ApnsTokenOut,
    Environment,
    FcmIn,
    FcmOut,
    PushConfigOut,
)
from onecast.spaces.endpoints import ManagedSpace, SpaceId

router = APIRouter(route_class=CheckedRoute, tags=["API spaces"], responses=problem_responses(400, 401, 404))
AppId = Annotated[str, Path(max_length=255, pattern=APP_ID)]
Env = Annotated[Environment, Path()]


@router.get("/apispaces/{apiSpaceId}/push", response_model=PushConfigOut,
            summary="The API space's push configuration (metadata only)")
async def get_push(request: Request, principal: ManagedSpace, apiSpaceId: SpaceId) -> dict:
    async with get_db(request).read() as session:
        return await service.view(session, apiSpaceId)


@router.put("/apispaces/{apiSpaceId}/push/fcm/{package}", response_model=FcmOut,
            summary="Set the FCM service account of an Android package")
async def put_fcm(request: Request, principal: ManagedSpace, apiSpaceId: SpaceId,
                  package: AppId, body: FcmIn) -> dict:
    async with get_db(request).transaction() as session:
        return service.fcm_view(await service.put_fcm(session, apiSpaceId, package, body.model_dump()))


@router.delete("/apispaces/{apiSpaceId}/push/fcm/{package}", status_code=204,
               summary="Remove an Android package's FCM credentials")
async def delete_fcm(request: Request, principal: ManagedSpace, apiSpaceId: SpaceId,
                     package: AppId) -> Response:
    async with get_db(request).transaction() as session:
        await service.remove(session, apiSpaceId, service.FCM, package)
    return Response(status_code=204)


@router.put("/apispaces/{apiSpaceId}/push/apnstoken", response_model=ApnsTokenOut,
            summary="Set the APNs token authentication key (.p8)")
async def put_apns_token(request: Request, principal: ManagedSpace, apiSpaceId: SpaceId,
                         body: ApnsTokenIn) -> dict:
    async with get_db(request).transaction() as session:
        return service.apns_token_view(await service.put_apns_token(session, apiSpaceId, body.model_dump()))


@router.delete("/apispaces/{apiSpaceId}/push/apnstoken", status_code=204,
               summary="Remove the APNs token authentication key")
async def delete_apns_token(request: Request, principal: ManagedSpace, apiSpaceId: SpaceId) -> Response:
    async with get_db(request).transaction() as session:
        await service.remove(session, apiSpaceId, service.APNS_TOKEN)
    return Response(status_code=204)


@router.get("/apispaces/{apiSpaceId}/push/apnstoken/key", response_model=ApnsKeyOut,
            summary="The APNs token key's public key and fingerprint")
async def get_apns_key(request: Request, principal: ManagedSpace, apiSpaceId: SpaceId) -> dict:
    async with get_db(request).read() as session:
        return service.apns_key_view(await service.get(session, apiSpaceId, service.APNS_TOKEN))


@router.put("/apispaces/{apiSpaceId}/push/apns", response_model=ApnsCertOut,
            summary="Set the APNs certificate of a bundle id and environment")
async def put_apns_cert(request: Request, principal: ManagedSpace, apiSpaceId: SpaceId,
                        body: ApnsCertIn) -> dict:
    async with get_db(request).transaction() as session:
        return service.apns_cert_view(await service.put_apns_cert(session, apiSpaceId, body.model_dump()))


@router.delete("/apispaces/{apiSpaceId}/push/apns/{bundleId}/{environment}", status_code=204,
               summary="Remove a bundle id's APNs certificate")
async def delete_apns_cert(request: Request, principal: ManagedSpace, apiSpaceId: SpaceId,
                           bundleId: AppId, environment: Env) -> Response:
    async with get_db(request).transaction() as session:
        await service.remove(session, apiSpaceId, service.APNS_CERT, bundleId, environment)
    return Response(status_code=204)


@router.get("/apispaces/{apiSpaceId}/push/apns/{bundleId}/{environment}/cert", response_model=ApnsCertPublicOut,
            summary="A bundle id's APNs certificate (public part)")
async def get_apns_cert(request: Request, principal: ManagedSpace, apiSpaceId: SpaceId,
                        bundleId: AppId, environment: Env) -> dict:
    async with get_db(request).read() as session:
        return service.apns_cert_public(await service.get(session, apiSpaceId, service.APNS_CERT, bundleId,
                                                          environment))
