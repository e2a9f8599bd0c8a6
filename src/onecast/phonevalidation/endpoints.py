"""Phone number validation (One API OAS-pnv): offline, no table."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from onecast.kit.auth import SpaceAuth
from onecast.kit.errors import problem_responses
from onecast.kit.routing import CheckedRoute
from onecast.phonevalidation import service
from onecast.phonevalidation.schemas import SingleValidation

router = APIRouter(route_class=CheckedRoute, prefix="/apispaces/{apiSpaceId}", tags=["Phone number validation"],
                   responses=problem_responses(400, 401, 404))


@router.get("/phonevalidation/single", response_model=SingleValidation, response_model_exclude_none=False,
            description="Validates one number: valid, type, country, carrier where known, E.164. "
                        "`status` is BadNumber, CountryMismatch or On (valid); no live network lookup is made.")
async def validate_single(
    _principal: SpaceAuth,
    phoneNumber: Annotated[str, Query(min_length=1, max_length=64,
                                      description="International, or local with countryCode")],
    countryCode: Annotated[str | None, Query(max_length=3, description="ISO 3166-1 alpha-2 or alpha-3")] = None,
) -> dict:
    return service.view(service.validate(phoneNumber, countryCode))
