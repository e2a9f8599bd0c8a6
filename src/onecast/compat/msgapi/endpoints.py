"""The Messaging APIs v1.0 (seed 003) over the core: `/api/v1/...`, `x-api-key` (+ `x-api-id`),
answers in the API's envelopes. Callbacks (InBoundWrapper with `x-verify-token`) go to the URL
set with POST /api/v1/config/webhook; see dispatch.py."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from onecast.compat.msgapi import envelope, service
from onecast.compat.msgapi.auth import MsgApiAuth
from onecast.compat.msgapi.envelope import MsgApiProblem, as_envelope
from onecast.compat.msgapi.schemas import (
    ContactPrefsUpdate,
    DigitalEventDto,
    DigitalObjectDto,
    OutBoundMsg,
    SessionQueueAssignment,
    SessionStatusClose,
    WebhookUrlRequest,
)
from onecast.kit.errors import Problem, problem_responses
from onecast.kit.routing import CheckedRoute
from onecast.kit.state import get_db
from onecast.kit.text import UnstorableText, decode_json

router = APIRouter(route_class=CheckedRoute, prefix="/api/v1", tags=["Messaging APIs v1.0 (compat)"],
                   responses=problem_responses(400, 401, 404))
ENVELOPE = {200: {"description": "The API's response envelope", "content": {"application/json": {"schema": {
    "type": "object", "required": ["status", "statusKey", "message", "timestamp"], "additionalProperties": True,
    "properties": {"status": {"type": "integer"}, "statusKey": {"type": "string"}, "message": {"type": "string"},
                   "timestamp": {"type": "integer"}, "results": {"type": "array"}, "data": {}}}}}}}
MAX_BODY = 1_000_000


def _body(model: type[BaseModel]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": model.model_json_schema()}}}}


async def _parse(request: Request, model: type[BaseModel]) -> Any:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise MsgApiProblem(413, "PAYLOAD_TOO_LARGE", "The request body is over 1 MB")
    try:
        data = decode_json(raw, loc=())
    except (ValueError, UnicodeDecodeError):
        raise MsgApiProblem(400, "INVALID_JSON", "The request body is not valid JSON") from None
    except UnstorableText as exc:
        raise _invalid_fields(exc) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _invalid_fields(exc) from None


def _invalid_fields(exc: ValidationError | UnstorableText) -> MsgApiProblem:
    errors = [{"field": ".".join(str(p) for p in e["loc"]) or "body", "message": e["msg"]} for e in exc.errors()]
    return MsgApiProblem(400, "INVALID_FIELD", "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5]),
                         errors=errors)


@asynccontextmanager
async def _write(request: Request) -> AsyncIterator[Any]:
    """A write transaction whose core errors answer in the API's envelope."""
    try:
        async with get_db(request).transaction() as session:
            yield session
    except Problem as exc:
        raise as_envelope(exc) from None


def _ok(status: int = 200, **kw: Any) -> JSONResponse:
    return JSONResponse(envelope.ok(**kw), status_code=status)


@router.get("/config/channels", responses=ENVELOPE, summary="Channels List")
async def config_channels(request: Request, principal: MsgApiAuth,
                          sandbox: bool = False,
                          sabdnox: Annotated[bool, Query(description="The doc's spelling of `sandbox`")] = False,
                          ) -> JSONResponse:
    async with get_db(request).read() as session:
        results = await service.list_channels(session, principal.space_id, sandbox or sabdnox)
    return _ok(results=results, meta={})


@router.get("/config/global/vars", responses=ENVELOPE, summary="Global Vars")
async def global_vars(principal: MsgApiAuth,
                      channelId: Annotated[str | None, Query(max_length=100)] = None) -> JSONResponse:
    return _ok(results=[])  # Onecast has no global variables: template data and profiles carry values


@router.get("/config/tmpl/hsm", responses=ENVELOPE, summary="HSM Templates")
async def hsm_templates(request: Request, principal: MsgApiAuth,
                        channelId: Annotated[str | None, Query(max_length=100)] = None,
                        channelStatus: Annotated[str | None, Query(max_length=40)] = None) -> JSONResponse:
    async with get_db(request).read() as session:
        results = await service.list_templates(session, principal.space_id, channelId, channelStatus)
    return _ok(results=results)


@router.post("/config/webhook", responses=ENVELOPE, openapi_extra=_body(WebhookUrlRequest), summary="Set Webhook")
async def set_webhook(request: Request, principal: MsgApiAuth) -> JSONResponse:
    body = await _parse(request, WebhookUrlRequest)
    async with _write(request) as session:
        app = await service.set_webhook(session, principal, body.url)
    return _ok(data=app)


@router.post("/contact/prefs/lang", responses=ENVELOPE, openapi_extra=_body(ContactPrefsUpdate),
             summary="Contact Preferences")
async def contact_prefs(request: Request, principal: MsgApiAuth) -> JSONResponse:
    body = await _parse(request, ContactPrefsUpdate)
    async with _write(request) as session:
        event = await service.contact_lang(session, principal, body)
    return _ok(results=[event], meta={})


@router.post("/data/push", responses=ENVELOPE, openapi_extra=_body(DigitalObjectDto), summary="Push Customer Data")
async def data_push(request: Request, principal: MsgApiAuth) -> JSONResponse:
    body = await _parse(request, DigitalObjectDto)
    async with _write(request) as session:
        data = await service.push_data(session, principal, body)
    return _ok(data=data)


@router.post("/event/push", responses=ENVELOPE, openapi_extra=_body(DigitalEventDto), summary="Push Customer Event")
async def event_push(request: Request, principal: MsgApiAuth) -> JSONResponse:
    body = await _parse(request, DigitalEventDto)
    async with _write(request) as session:
        data = await service.push_event(session, principal, body)
    return _ok(data=data)


@router.post("/message/send", responses=ENVELOPE, openapi_extra=_body(OutBoundMsg), summary="Send Message")
async def message_send(request: Request, principal: MsgApiAuth) -> JSONResponse:
    body = await _parse(request, OutBoundMsg)
    async with _write(request) as session:
        data = await service.send(session, principal, body)
    return _ok(data=data)


async def _session_action(request: Request, principal, action: str) -> JSONResponse:
    body = await _parse(request, SessionQueueAssignment if action == "routing" else SessionStatusClose)
    async with _write(request) as session:
        event = await service.session_action(session, principal, action, body)
    return _ok(results=[event], meta={})


@router.post("/session/close", responses=ENVELOPE, openapi_extra=_body(SessionStatusClose), summary="Session Close")
async def session_close(request: Request, principal: MsgApiAuth) -> JSONResponse:
    return await _session_action(request, principal, "close")


@router.post("/session/resolve", responses=ENVELOPE, openapi_extra=_body(SessionStatusClose),
             summary="Session Resolve")
async def session_resolve(request: Request, principal: MsgApiAuth) -> JSONResponse:
    return await _session_action(request, principal, "resolve")


@router.post("/session/routing", responses=ENVELOPE, openapi_extra=_body(SessionQueueAssignment),
             summary="Session Routing")
async def session_routing(request: Request, principal: MsgApiAuth) -> JSONResponse:
    return await _session_action(request, principal, "routing")


@router.post("/session/messages", responses=ENVELOPE, openapi_extra=_body(SessionStatusClose),
             summary="Session Messages")
async def session_messages(request: Request, principal: MsgApiAuth) -> JSONResponse:
    body = await _parse(request, SessionStatusClose)
    try:
        async with get_db(request).read() as session:
            results = await service.session_messages(session, principal.space_id, body.sessionId)
    except Problem as exc:
        raise as_envelope(exc) from None
    return _ok(results=results, meta={})
