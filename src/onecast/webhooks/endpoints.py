"""Webhooks over HTTP (One API §3): configuration, the event catalogue, deliveries and replay.
Fixed paths (/webhooks/availableevents, ...) come before /webhooks/{webhookId}."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from onecast.kit.auth import SpaceAuth
from onecast.kit.errors import invalid, problem_responses
from onecast.kit.etag import check_if_match
from onecast.kit.routing import CheckedRoute
from onecast.kit.state import get_db, get_settings
from onecast.webhooks import catalogue, service
from onecast.webhooks.models import Webhook
from onecast.webhooks.schemas import DeliveryOut, EventTypeOut, ReplayIn, ReplayOut, TemplateOut, WebhookIn, WebhookOut

router = APIRouter(route_class=CheckedRoute, prefix="/apispaces/{apiSpaceId}", tags=["Webhooks"],
                   responses=problem_responses(400, 401, 404))

WebhookId = Annotated[str, Path(min_length=1, max_length=64, description="The webhook id")]
IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=1000,
                                       description="Apply only if the webhook's ETag is one of these")]
IncludeDeleted = Annotated[bool, Query(alias="includeDeleted", description="Also return deleted webhooks")]
DOC = {"model": WebhookOut, "description": "The webhook; its ETag is in the `ETag` header"}
ENVELOPE_SCHEMA = {
    "type": "object",
    "properties": {"eventId": {"type": "string"}, "apiSpaceId": {"type": "string"}, "name": {"type": "string"},
                   "payload": {"type": "object"}, "revision": {"type": "integer"},
                   "timestamp": {"type": "string", "format": "date-time"}},
    "required": ["eventId", "apiSpaceId", "name", "payload", "revision", "timestamp"],
}


def _doc(hook: Webhook, status: int = 200) -> JSONResponse:
    return JSONResponse(service.view(hook), status_code=status, headers={"ETag": service.etag(hook)})


@router.get("/webhooks", response_model=list[WebhookOut], summary="List webhook configurations")
async def list_webhooks(request: Request, principal: SpaceAuth, include_deleted: IncludeDeleted = False,
                        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                        skip: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> JSONResponse:
    async with get_db(request).read() as session:
        hooks = await service.list_hooks(session, principal.space_id, include_deleted=include_deleted,
                                         limit=limit, skip=skip)
    return JSONResponse([service.view(h) for h in hooks])


@router.post("/webhooks", status_code=201, summary="Create a webhook configuration",
             responses={201: DOC})
async def create_webhook(request: Request, principal: SpaceAuth, body: WebhookIn) -> JSONResponse:
    async with get_db(request).transaction() as session:
        hook = await service.create(session, get_settings(request), principal.space_id, body, principal.actor)
    return _doc(hook, 201)


@router.get("/webhooks/availableevents", response_model=list[EventTypeOut], response_model_exclude_none=True,
            summary="Event types a webhook can subscribe to, with their filters")
async def available_events(principal: SpaceAuth,
                           includeSchemas: bool = False) -> list[dict]:
    out = []
    for kind in catalogue.EVENT_TYPES:
        item = {"type": kind.type, "description": kind.description,
                "filters": [{"name": f.name, "path": f.path, "required": f.required, "description": f.description}
                            for f in kind.filters]}
        if includeSchemas:
            item["schema"] = ENVELOPE_SCHEMA
        out.append(item)
    return out


def _templates() -> list[dict]:
    return [{"name": t.name, "description": t.description, "events": list(t.events)} for t in catalogue.templates()]


@router.get("/accesstokens/availabletemplates", response_model=list[TemplateOut],
            summary="Templates of event types to start a webhook from")
async def available_templates(principal: SpaceAuth) -> list[dict]:
    return _templates()


@router.get("/webhooks/availabletemplates", response_model=list[TemplateOut],
            summary="Templates of event types to start a webhook from (newer path)")
async def available_templates_webhooks(principal: SpaceAuth) -> list[dict]:
    return _templates()


@router.get("/webhooks/{webhookId}", responses={200: DOC}, summary="Get a webhook configuration")
async def get_webhook(request: Request, principal: SpaceAuth, webhookId: WebhookId,
                      include_deleted: IncludeDeleted = False) -> JSONResponse:
    async with get_db(request).read() as session:
        hook = await service.get(session, principal.space_id, webhookId, include_deleted=include_deleted)
    return _doc(hook)


@router.put("/webhooks/{webhookId}", responses={200: DOC, **problem_responses(412)},
            summary="Replace a webhook configuration (a new secret starts a rotation)")
async def put_webhook(request: Request, principal: SpaceAuth, webhookId: WebhookId,
                      body: WebhookIn, if_match: IfMatch = None) -> JSONResponse:
    async with get_db(request).transaction() as session:
        hook = await service.get(session, principal.space_id, webhookId, lock=True)
        check_if_match(if_match, service.etag(hook))
        await service.update(session, get_settings(request), hook, body, principal.actor)
    return _doc(hook)


@router.delete("/webhooks/{webhookId}", status_code=204, responses=problem_responses(412),
               summary="Delete a webhook configuration")
async def delete_webhook(request: Request, principal: SpaceAuth, webhookId: WebhookId,
                         if_match: IfMatch = None) -> Response:
    async with get_db(request).transaction() as session:
        hook = await service.get(session, principal.space_id, webhookId, lock=True)
        check_if_match(if_match, service.etag(hook))
        await service.delete(session, hook, principal.actor)
    return Response(status_code=204)


@router.get("/webhooks/{webhookId}/deliveries", response_model=list[DeliveryOut],
            summary="Deliveries to a webhook, newest first",
            description="Status, attempts, last response code and latency of each delivery, with every attempt. "
                        "The next page's cursor is in the `X-Next-Cursor` header and a `Link: rel=next` header.")
async def list_deliveries(
    request: Request, response: Response, principal: SpaceAuth, webhookId: WebhookId,
    status: Annotated[str | None, Query(max_length=9, pattern="^(pending|delivered|dead)$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
) -> list[dict]:
    if cursor is not None and not cursor.isdigit():
        raise invalid("cursor", "is not a cursor this API returned", "InvalidCursor")
    async with get_db(request).read() as session:
        hook = await service.get(session, principal.space_id, webhookId, include_deleted=True)
        rows, next_cursor = await service.deliveries(session, hook, status=status, limit=limit,
                                                     cursor=int(cursor) if cursor else None)
    if next_cursor is not None:
        response.headers["X-Next-Cursor"] = str(next_cursor)
        response.headers["Link"] = f'<{request.url.include_query_params(cursor=next_cursor)}>; rel="next"'
    return rows


@router.post("/webhooks/{webhookId}/replay", status_code=202, response_model=ReplayOut,
             summary="Deliver past events again, by event id or time range")
async def replay(request: Request, principal: SpaceAuth, webhookId: WebhookId,
                 body: ReplayIn) -> dict:
    async with get_db(request).transaction() as session:
        hook = await service.get(session, principal.space_id, webhookId)
        ids = await service.replay(session, get_settings(request), hook, event_id=body.eventId,
                                   start=body.from_, end=body.to)
    return {"replayed": len(ids), "deliveryIds": ids}
