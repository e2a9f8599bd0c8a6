"""GET/PUT /apispaces/{apiSpaceId}/retention (API space management: any key of the account)."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from onecast.kit.errors import problem_responses
from onecast.kit.routing import CheckedRoute
from onecast.kit.state import get_db
from onecast.retention import service
from onecast.spaces.endpoints import ManagedSpace, SpaceId

router = APIRouter(route_class=CheckedRoute, tags=["API spaces"], responses=problem_responses(400, 401, 404))
Days = Field(default=None, ge=1, le=36500, description="Days to keep; null: for ever")


class RetentionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    messagesDays: int | None = Days
    eventsDays: int | None = Days
    mode: Literal["delete", "anonymise"] = Field(
        default="delete", description="What happens to old messages: `delete`, or `anonymise` (content, addresses "
                                       "and profile link removed; channel, status and times kept)")


class RetentionOut(RetentionIn):
    apiSpaceId: str
    updatedOn: str | None
    lastRunOn: str | None


@router.get("/apispaces/{apiSpaceId}/retention", response_model=RetentionOut,
            summary="The API space's data retention configuration")
async def get_retention(request: Request, principal: ManagedSpace, apiSpaceId: SpaceId) -> dict:
    from onecast.retention.models import RetentionPolicy

    async with get_db(request).read() as session:
        return service.view(apiSpaceId, await session.get(RetentionPolicy, apiSpaceId))


@router.put("/apispaces/{apiSpaceId}/retention", response_model=RetentionOut,
            summary="Update the API space's data retention configuration",
            description="Applied by the worker every few minutes; messages still being delivered are kept.")
async def put_retention(request: Request, principal: ManagedSpace, apiSpaceId: SpaceId,
                        body: RetentionIn) -> dict:
    async with get_db(request).transaction() as session:
        return service.view(apiSpaceId, await service.put(session, apiSpaceId, body.model_dump()))
