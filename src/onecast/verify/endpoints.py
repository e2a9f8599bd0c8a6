"""Verify over HTTP (reference §9.1): POST /verify sends a code, PUT /verify/{id}/validate checks it."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from onecast.kit.auth import SpaceAuth
from onecast.kit.errors import problem_responses
from onecast.kit.routing import CheckedRoute
from onecast.kit.state import get_db, get_settings
from onecast.verify import service
from onecast.verify.schemas import ValidateIn, ValidateOut, VerifyCreated, VerifyIn

router = APIRouter(route_class=CheckedRoute, prefix="/apispaces/{apiSpaceId}", tags=["Verify"],
                   responses=problem_responses(400, 401, 404))
RequestId = Annotated[str, Path(min_length=1, max_length=64, description="The requestId of POST /verify")]


@router.post("/verify", status_code=201, response_model=VerifyCreated, responses=problem_responses(429),
             description="Create a code and send it by SMS (`body` must contain {{code}}). At most one code per "
                         "number every few seconds and a few per hour (429 `Throttled`).")
async def create_verify(request: Request, principal: SpaceAuth, body: VerifyIn) -> dict:
    async with get_db(request).transaction() as session:
        verify, number_status = await service.create(session, principal, get_settings(request), body)
        return service.created_view(verify, number_status)


@router.put("/verify/{requestId}/validate", response_model=ValidateOut,
            responses={204: {"description": "Unknown requestId, or its code was already verified (single use)"}},
            description="Check a code: CodeVerified, CodeNotVerified, CodeLocked (too many wrong codes) or "
                        "CodeExpired.")
async def validate_verify(request: Request, principal: SpaceAuth, requestId: RequestId,
                          body: ValidateIn) -> dict | Response:
    settings = get_settings(request)
    async with get_db(request).transaction() as session:
        outcome = await service.validate(session, settings, principal.space_id, requestId, body.code)
        if outcome is None:
            return Response(status_code=204)
        return service.validate_view(*outcome, settings)
