"""Message rules over HTTP (One API OAS-rules): /automation/inboundrules (keyword rules) and
/automation/inboundrules/optout (opt-out keywords), the same five operations each. Fixed paths
are registered before /{messageRulesId}, which would otherwise swallow them."""
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from onecast.kit.auth import SpaceAuth
from onecast.kit.errors import problem_responses
from onecast.kit.etag import check_if_match, etag_for
from onecast.kit.routing import CheckedRoute
from onecast.kit.state import get_db
from onecast.rules import service
from onecast.rules.models import InboundRule
from onecast.rules.schemas import InboundRuleIn, OptInChangePage, OptOutRuleIn, RuleOut

router = APIRouter(route_class=CheckedRoute, prefix="/apispaces/{apiSpaceId}/automation/inboundrules",
                   tags=["Message rules"], responses=problem_responses(400, 401, 404))
RuleId = Annotated[str, Path(min_length=1, max_length=64, description="The message rule id")]
IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=1000,
                                       description="Apply only if the rule's ETag is one of these")]


def _one(rule: InboundRule, status: int = 200) -> JSONResponse:
    return JSONResponse(service.rule_view(rule), status_code=status, headers={"ETag": etag_for(rule.id, rule.revision)})


@router.get("/optout/changes", response_model=OptInChangePage,
            summary="Opt-in changes made by inbound keywords, newest first (audit trail)")
async def list_optin_changes(
    request: Request, principal: SpaceAuth,
    profileId: Annotated[str | None, Query(min_length=1, max_length=255)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> dict:
    async with get_db(request).read() as session:
        rows, next_cursor = await service.list_changes(session, principal.space_id, profileId, limit, cursor)
    return {"items": [service.change_view(r) for r in rows], "cursor": next_cursor}


def _crud(path: str, kind: str, body_model: type[BaseModel], what: str, create_description: str) -> None:
    """Register list, create, get, replace and delete of one kind of rule under `path`."""

    async def list_(request: Request, principal: SpaceAuth) -> list[dict]:
        async with get_db(request).read() as session:
            return [service.rule_view(r) for r in await service.list_rules(session, principal.space_id, kind)]

    async def create(request: Request, principal: SpaceAuth, body: body_model) -> JSONResponse:
        async with get_db(request).transaction() as session:
            rule = await service.create_rule(session, principal.space_id, kind, body, principal.actor)
        return _one(rule, 201)

    async def get(request: Request, principal: SpaceAuth, messageRulesId: RuleId) -> JSONResponse:
        async with get_db(request).read() as session:
            return _one(await service.get_rule(session, principal.space_id, kind, messageRulesId))

    async def replace(request: Request, principal: SpaceAuth, messageRulesId: RuleId, body: body_model,
                      if_match: IfMatch = None) -> JSONResponse:
        async with get_db(request).transaction() as session:
            current = await service.get_rule(session, principal.space_id, kind, messageRulesId, lock=True)
            check_if_match(if_match, etag_for(current.id, current.revision))
            rule = await service.update_rule(session, principal.space_id, kind, messageRulesId, body,
                                             principal.actor)
        return _one(rule)

    async def delete(request: Request, principal: SpaceAuth, messageRulesId: RuleId,
                     if_match: IfMatch = None) -> Response:
        async with get_db(request).transaction() as session:
            current = await service.get_rule(session, principal.space_id, kind, messageRulesId, lock=True)
            check_if_match(if_match, etag_for(current.id, current.revision))
            await service.delete_rule(session, principal.space_id, kind, messageRulesId)
        return Response(status_code=204)

    item = path + "/{messageRulesId}"
    router.add_api_route(path, list_, methods=["GET"], response_model=list[RuleOut], name=f"list_{kind}_rules",
                         summary=f"Retrieves a {what} configuration list")
    router.add_api_route(path, create, methods=["POST"], status_code=201, response_model=RuleOut,
                         responses=problem_responses(409), name=f"create_{kind}_rule",
                         summary=f"Create a {what} configuration", description=create_description)
    router.add_api_route(item, get, methods=["GET"], response_model=RuleOut, name=f"get_{kind}_rule",
                         summary=f"Retrieves single {what} configuration")
    router.add_api_route(item, replace, methods=["PUT"], response_model=RuleOut, responses=problem_responses(412),
                         name=f"put_{kind}_rule", summary=f"Update single {what} configuration")
    router.add_api_route(item, delete, methods=["DELETE"], status_code=204, responses=problem_responses(412),
                         name=f"delete_{kind}_rule", summary=f"Delete single {what} configuration")


_crud("/optout", "optout", OptOutRuleIn, "message opt out",
      "Keywords (per locale) that opt the sender out of (`opt: out`), back in to (`in`) the channel, or only "
      "answer (`help`). While a space has none, STOP/START/HELP defaults apply on phone channels.")
_crud("", "keyword", InboundRuleIn, "message rule",
      "On an inbound message whose text is (or starts with) a keyword: `replyMessage`, `profileUpdate` or "
      "`startChat`. The first matching rule runs.")
