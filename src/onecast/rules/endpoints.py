"""Message rules over HTTP (One API OAS-rules): /automation/inboundrules and
/automation/inboundrules/optout. Fixed paths come before /{messageRulesId}."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from onecast.kit.auth import SpaceAuth
from onecast.kit.errors import problem_responses
from onecast.kit.etag import check_if_match, etag_for
from onecast.kit.state import get_db
from onecast.rules import service
from onecast.rules.models import InboundRule
from onecast.rules.schemas import InboundRuleIn, OptInChangePage, OptOutRuleIn, RuleOut

router = APIRouter(prefix="/apispaces/{apiSpaceId}/automation/inboundrules", tags=["Message rules"],
                   responses=problem_responses(400, 401, 404))
RuleId = Annotated[str, Path(min_length=1, max_length=64, description="The message rule id")]
IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=1000,
                                       description="Apply only if the rule's ETag is one of these")]


def _one(rule: InboundRule, status: int = 200) -> JSONResponse:
    return JSONResponse(service.rule_view(rule), status_code=status, headers={"ETag": etag_for(rule.id, rule.revision)})


async def _list(request: Request, space_id: str, kind: str) -> list[dict]:
    async with get_db(request).read() as session:
        return [service.rule_view(r) for r in await service.list_rules(session, space_id, kind)]


async def _create(request: Request, space_id: str, kind: str, body, actor: str) -> JSONResponse:  # noqa: ANN001
    async with get_db(request).transaction() as session:
        rule = await service.create_rule(session, space_id, kind, body, actor)
    return _one(rule, 201)


async def _get(request: Request, space_id: str, kind: str, rule_id: str) -> JSONResponse:
    async with get_db(request).read() as session:
        return _one(await service.get_rule(session, space_id, kind, rule_id))


async def _put(request: Request, space_id: str, kind: str, rule_id: str, body, actor: str,  # noqa: ANN001
               if_match: str | None) -> JSONResponse:
    async with get_db(request).transaction() as session:
        current = await service.get_rule(session, space_id, kind, rule_id, lock=True)
        check_if_match(if_match, etag_for(current.id, current.revision))
        rule = await service.update_rule(session, space_id, kind, rule_id, body, actor)
    return _one(rule)


async def _delete(request: Request, space_id: str, kind: str, rule_id: str, if_match: str | None) -> Response:
    async with get_db(request).transaction() as session:
        current = await service.get_rule(session, space_id, kind, rule_id, lock=True)
        check_if_match(if_match, etag_for(current.id, current.revision))
        await service.delete_rule(session, space_id, kind, rule_id)
    return Response(status_code=204)


# --- opt-out keyword rules -------------------------------------------------------------------


@router.get("/optout", response_model=list[RuleOut], summary="Retrieves a message opt out configuration list")
async def list_optout(request: Request, principal: SpaceAuth) -> list[dict]:
    return await _list(request, principal.space_id, "optout")


@router.post("/optout", status_code=201, response_model=RuleOut, responses=problem_responses(409),
             summary="Create a message opt out configuration",
             description="Keywords (per locale) that opt the sender out of (`opt: out`), back in to (`in`) the "
                         "channel, or only answer (`help`). While a space has none, STOP/START/HELP defaults "
                         "apply on phone channels.")
async def create_optout(request: Request, principal: SpaceAuth, body: OptOutRuleIn) -> JSONResponse:
    return await _create(request, principal.space_id, "optout", body, principal.actor)


@router.get("/optout/changes", response_model=OptInChangePage,
            summary="Opt-in changes made by inbound keywords, newest first (audit trail)")
async def list_optin_changes(
    request: Request, principal: SpaceAuth,
    profileId: Annotated[str | None, Query(min_length=1, max_length=255)] = None,  # noqa: N803
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> dict:
    async with get_db(request).read() as session:
        rows, next_cursor = await service.list_changes(session, principal.space_id, profileId, limit, cursor)
    return {"items": [service.change_view(r) for r in rows], "cursor": next_cursor}


@router.get("/optout/{messageRulesId}", response_model=RuleOut, summary="Retrieves single message opt out configuration")
async def get_optout(request: Request, principal: SpaceAuth, messageRulesId: RuleId) -> JSONResponse:  # noqa: N803
    return await _get(request, principal.space_id, "optout", messageRulesId)


@router.put("/optout/{messageRulesId}", response_model=RuleOut, responses=problem_responses(412),
            summary="Update single message opt out configuration")
async def put_optout(request: Request, principal: SpaceAuth, messageRulesId: RuleId, body: OptOutRuleIn,  # noqa: N803
                     if_match: IfMatch = None) -> JSONResponse:
    return await _put(request, principal.space_id, "optout", messageRulesId, body, principal.actor, if_match)


@router.delete("/optout/{messageRulesId}", status_code=204, responses=problem_responses(412),
               summary="Delete single message opt out configuration")
async def delete_optout(request: Request, principal: SpaceAuth, messageRulesId: RuleId,  # noqa: N803
                        if_match: IfMatch = None) -> Response:
    return await _delete(request, principal.space_id, "optout", messageRulesId, if_match)


# --- keyword rules ---------------------------------------------------------------------------


@router.get("", response_model=list[RuleOut], summary="Retrieves a message rules configuration list")
async def list_rules(request: Request, principal: SpaceAuth) -> list[dict]:
    return await _list(request, principal.space_id, "keyword")


@router.post("", status_code=201, response_model=RuleOut, responses=problem_responses(409),
             summary="Create a message rule configuration",
             description="On an inbound message whose text is (or starts with) a keyword: `replyMessage`, "
                         "`profileUpdate` or `startChat`. The first matching rule runs.")
async def create_rule(request: Request, principal: SpaceAuth, body: InboundRuleIn) -> JSONResponse:
    return await _create(request, principal.space_id, "keyword", body, principal.actor)


@router.get("/{messageRulesId}", response_model=RuleOut, summary="Retrieves single message rule configuration")
async def get_rule(request: Request, principal: SpaceAuth, messageRulesId: RuleId) -> JSONResponse:  # noqa: N803
    return await _get(request, principal.space_id, "keyword", messageRulesId)


@router.put("/{messageRulesId}", response_model=RuleOut, responses=problem_responses(412),
            summary="Update single message rule configuration")
async def put_rule(request: Request, principal: SpaceAuth, messageRulesId: RuleId, body: InboundRuleIn,  # noqa: N803
                   if_match: IfMatch = None) -> JSONResponse:
    return await _put(request, principal.space_id, "keyword", messageRulesId, body, principal.actor, if_match)


@router.delete("/{messageRulesId}", status_code=204, responses=problem_responses(412),
               summary="Delete single message rule configuration")
async def delete_rule(request: Request, principal: SpaceAuth, messageRulesId: RuleId,  # noqa: N803
                      if_match: IfMatch = None) -> Response:
    return await _delete(request, principal.space_id, "keyword", messageRulesId, if_match)
