"""Rule configurations: CRUD of keyword rules and opt-out keyword rules, and the opt-in audit trail."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.kit.clock import iso, utcnow
from onecast.kit.errors import Problem, invalid, not_found
from onecast.kit.events import record_event
from onecast.kit.ids import new_id
from onecast.rules.models import InboundRule, OptInChange
from onecast.rules.schemas import InboundRuleIn, OptOutRuleIn

MAX_RULES = 500  # per space and kind: every inbound message reads them all
KIND_NAMES = {"keyword": "Message rule", "optout": "Opt-out rule"}


def rule_view(rule: InboundRule) -> dict[str, Any]:
    view = {"id": rule.id, "channel": rule.channel, "inbound": rule.inbound, "keyword": rule.keyword,
            "action": rule.action, "actionData": rule.action_data or {},
            "_createdOn": iso(rule.created_on), "_createdBy": rule.created_by,
            "_updatedOn": iso(rule.updated_on), "_updatedBy": rule.updated_by}
    if rule.kind == "optout":
        view["locale"] = rule.locale
    return view


def _fields(body: InboundRuleIn | OptOutRuleIn) -> dict[str, Any]:
    return {"channel": body.channel, "inbound": body.inbound.strip(), "keyword": body.keyword.strip(),
            "action": body.action, "action_data": body.actionData.model_dump(mode="json", exclude_none=True),
            "locale": getattr(body, "locale", None)}


async def list_rules(session: AsyncSession, space_id: str, kind: str) -> list[InboundRule]:
    rows = await session.execute(select(InboundRule).where(InboundRule.space_id == space_id, InboundRule.kind == kind)
                                 .order_by(InboundRule.created_on, InboundRule.id))
    return list(rows.scalars())


async def get_rule(session: AsyncSession, space_id: str, kind: str, rule_id: str, *, lock: bool = False) -> InboundRule:
    stmt = select(InboundRule).where(InboundRule.space_id == space_id, InboundRule.kind == kind,
                                     InboundRule.id == rule_id)
    if lock:
        stmt = stmt.with_for_update()
    rule = (await session.execute(stmt)).scalar_one_or_none()
    if rule is None:
        raise not_found(KIND_NAMES[kind])
    return rule


def _event(session: AsyncSession, rule: InboundRule, what: str) -> None:
    record_event(session, rule.space_id, f"automation.rule.{what}", rule.id, {"kind": rule.kind, **rule_view(rule)},
                 rule.revision)


async def create_rule(session: AsyncSession, space_id: str, kind: str, body: InboundRuleIn | OptOutRuleIn,
                      actor: str) -> InboundRule:
    from onecast.profiles.service import lock_space

    await lock_space(session, space_id)  # the count and the insert are one step
    count = (await session.execute(select(func.count()).select_from(InboundRule).where(
        InboundRule.space_id == space_id, InboundRule.kind == kind))).scalar_one()
    if count >= MAX_RULES:
        raise Problem(409, "TooManyRules", f"An API space holds at most {MAX_RULES} rules of this kind")
    now = utcnow()
    rule = InboundRule(id=new_id(), space_id=space_id, kind=kind, revision=1, created_on=now, created_by=actor,
                       updated_on=now, updated_by=actor, **_fields(body))
    session.add(rule)
    await session.flush()
    _event(session, rule, "create")
    return rule


async def update_rule(session: AsyncSession, space_id: str, kind: str, rule_id: str,
                      body: InboundRuleIn | OptOutRuleIn, actor: str) -> InboundRule:
    if body.id is not None and body.id != rule_id:
        raise invalid("id", "differs from the id in the path")
    rule = await get_rule(session, space_id, kind, rule_id, lock=True)
    for name, value in _fields(body).items():
        setattr(rule, name, value)
    rule.revision += 1
    rule.updated_on, rule.updated_by = utcnow(), actor
    _event(session, rule, "update")
    return rule


async def delete_rule(session: AsyncSession, space_id: str, kind: str, rule_id: str) -> None:
    rule = await get_rule(session, space_id, kind, rule_id, lock=True)
    _event(session, rule, "delete")
    await session.delete(rule)


def change_view(change: OptInChange) -> dict[str, Any]:
    return {"id": change.id, "profileId": change.profile_id, "address": change.address,
            "channels": list(change.channels or []), "optedIn": change.opted_in, "keyword": change.keyword,
            "ruleId": change.rule_id, "messageId": change.message_id, "createdOn": iso(change.created_on)}


async def list_changes(session: AsyncSession, space_id: str, profile_id: str | None, limit: int,
                       cursor: str | None) -> tuple[list[OptInChange], str | None]:
    """Newest first; the cursor is the id of the last change of the previous page."""
    stmt = select(OptInChange).where(OptInChange.space_id == space_id)
    if profile_id is not None:
        stmt = stmt.where(OptInChange.profile_id == profile_id)
    if cursor is not None:
        if not cursor.isdigit() or len(cursor) > 18:
            raise invalid("cursor", "is not a cursor this API returned", "InvalidCursor")
        stmt = stmt.where(OptInChange.id < int(cursor))
    rows = list((await session.execute(stmt.order_by(OptInChange.id.desc()).limit(limit + 1))).scalars())
    return rows[:limit], str(rows[limit - 1].id) if len(rows) > limit else None
