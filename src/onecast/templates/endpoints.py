"""Templates over HTTP (One API §1.7): list, create, read, replace, delete; ETag / If-Match."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from onecast.kit.auth import SpaceAuth
from onecast.kit.clock import iso
from onecast.kit.errors import problem_responses
from onecast.kit.etag import check_if_match
from onecast.kit.routing import CheckedRoute
from onecast.kit.state import get_db, get_settings
from onecast.templates import service
from onecast.templates.models import Template
from onecast.templates.schemas import ApprovalStatus, TemplateIn, TemplateOut, TemplateUpdate

router = APIRouter(route_class=CheckedRoute, prefix="/apispaces/{apiSpaceId}", tags=["Templates"],
                   responses=problem_responses(400, 401, 404))

TemplateId = Annotated[str, Path(min_length=1, max_length=100, description="The template id")]
IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=1000,
                                       description="Apply only if the template's ETag is one of these")]
DOC = {"model": TemplateOut, "description": "The template; its ETag is in the `ETag` header"}


def _response(doc: dict, template: Template, status: int = 200) -> JSONResponse:
    return JSONResponse(doc, status_code=status, headers={
        "ETag": service.etag(template), "Last-Modified": iso(template.updated_on) or ""})


@router.get("/templates", response_model=list[TemplateOut],
            description="Templates ordered by id. `channelId`/`channelStatus` keep those with such an approval "
                        "(WhatsApp/HSM). The next page's cursor is in `X-Next-Cursor` and a `Link: rel=next`.")
async def list_templates(
    request: Request, response: Response, principal: SpaceAuth,
    includeDeleted: bool = False,
    channelId: Annotated[str | None, Query(max_length=100)] = None,
    channelStatus: ApprovalStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> list[dict]:
    async with get_db(request).read() as session:
        docs, next_cursor = await service.list_templates(
            session, principal.space_id, include_deleted=includeDeleted, limit=limit, after=cursor,
            channel_id=channelId, channel_status=channelStatus)
    if next_cursor:
        response.headers["X-Next-Cursor"] = next_cursor
        response.headers["Link"] = f'<{request.url.include_query_params(cursor=next_cursor)}>; rel="next"'
    return docs


@router.post("/templates", status_code=201, responses={201: DOC, **problem_responses(409)},
             description="Create a template. Every text is Liquid; syntax errors and variables outside "
                         "profile, profileId, data, metadata and to are refused with 400. The variables "
                         "it reads are listed in `variables`.")
async def create_template(request: Request, principal: SpaceAuth, body: TemplateIn) -> JSONResponse:
    async with get_db(request).transaction() as session:
        template = await service.create_template(session, get_settings(request), principal.space_id, body,
                                                  principal.actor)
        doc = await service.view(session, template)
    return _response(doc, template, 201)


@router.get("/templates/{templateId}", responses={200: DOC})
async def get_template(request: Request, principal: SpaceAuth, templateId: TemplateId,
                       includeDeleted: bool = False) -> JSONResponse:
    async with get_db(request).read() as session:
        template = await service.get_template(session, principal.space_id, templateId,
                                              include_deleted=includeDeleted)
        doc = await service.view(session, template)
    return _response(doc, template)


@router.put("/templates/{templateId}", responses={200: DOC, **problem_responses(412)},
            description="Replace the template; without `approved` its approvals are kept.")
async def replace_template(request: Request, principal: SpaceAuth, templateId: TemplateId,
                           body: TemplateUpdate, if_match: IfMatch = None) -> JSONResponse:
    async with get_db(request).transaction() as session:
        template = await service.get_template(session, principal.space_id, templateId, lock=True)
        check_if_match(if_match, service.etag(template))
        await service.update_template(session, get_settings(request), template, body, principal.actor)
        doc = await service.view(session, template)
    return _response(doc, template)


@router.delete("/templates/{templateId}", status_code=204, responses=problem_responses(412))
async def delete_template(request: Request, principal: SpaceAuth, templateId: TemplateId,
                          if_match: IfMatch = None) -> Response:
    async with get_db(request).transaction() as session:
        template = await service.get_template(session, principal.space_id, templateId, lock=True)
        check_if_match(if_match, service.etag(template))
        await service.delete_template(session, template, principal.actor)
    return Response(status_code=204)
