"""POST /profiles/export: the profiles matching a query, as a file download."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from onecast.kit.auth import SpaceAuth
from onecast.kit.errors import problem_responses
from onecast.kit.routing import CheckedRoute
from onecast.kit.state import get_db
from onecast.profiles.exports import service
from onecast.profiles.query import MAX_FIELD_LENGTH, check_field, parse_query_string

router = APIRouter(route_class=CheckedRoute, prefix="/apispaces/{apiSpaceId}", tags=["Profiles"],
                   responses=problem_responses(400, 401, 404))
MEDIA = {"json": "application/json", "ndjson": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}


class ExportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: str = Field(default="", max_length=20_000,
                       description="Conditions as GET /profiles takes them, e.g. `country=UK&age=>30`; empty: all")
    format: Literal["json", "ndjson", "csv"] = "json"
    fields: list[Annotated[str, StringConstraints(max_length=MAX_FIELD_LENGTH)]] | None = Field(
        default=None, max_length=500, description="Fields to include (plus id); default all. CSV columns follow it")
    includeDeleted: bool = False


@router.post("/profiles/export", summary="Export the result of a profile query as a file",
             response_class=StreamingResponse,
             responses={200: {"content": {m.split(";")[0]: {} for m in MEDIA.values()},
                              "description": "The file (Content-Disposition: attachment)"}})
async def export_profiles(request: Request, principal: SpaceAuth, body: ExportIn) -> StreamingResponse:
    conditions = parse_query_string(body.query)
    fields = [check_field(f) for f in body.fields] if body.fields is not None else None
    db = get_db(request)

    def docs():
        return service.matching(db, principal.space_id, conditions, include_deleted=body.includeDeleted)

    header = None
    if body.format == "csv":
        header = ["id", *[f for f in fields if f != "id"]] if fields is not None else await service.columns(docs())
    return StreamingResponse(service.render(body.format, docs(), fields, header), media_type=MEDIA[body.format],
                             headers={"Content-Disposition": f'attachment; filename="profiles.{body.format}"'})
