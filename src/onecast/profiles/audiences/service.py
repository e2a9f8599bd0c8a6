from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.kit.clock import iso, utcnow
from onecast.kit.errors import Problem, not_found
from onecast.kit.ids import new_id
from onecast.profiles import service as profiles
from onecast.profiles.audiences.models import Audience
from onecast.profiles.models import Profile
from onecast.profiles.query import parse_query_string
from onecast.profiles.query_sql import compile_conditions


def view(audience: Audience) -> dict[str, Any]:
    return {"id": audience.id, "name": audience.name, "description": audience.description, "query": audience.query,
            "createdBy": audience.created_by, "createdOn": iso(audience.created_on),
            "updatedOn": iso(audience.updated_on)}


async def get(session: AsyncSession, space_id: str, audience_id: str, *, lock: bool = False) -> Audience:
    audience = await session.get(Audience, (space_id, audience_id), with_for_update=lock)
    if audience is None:
        raise not_found("Audience")
    return audience


async def list_all(session: AsyncSession, space_id: str, limit: int, skip: int) -> list[Audience]:
    return list((await session.execute(select(Audience).where(Audience.space_id == space_id)
                                       .order_by(Audience.id).limit(limit).offset(skip))).scalars())


async def create(session: AsyncSession, space_id: str, actor: str, body: dict[str, Any]) -> Audience:
    parse_query_string(body["query"])  # 400 now rather than when it is used
    audience_id = body.get("id") or new_id()
    if await session.get(Audience, (space_id, audience_id)) is not None:
        raise Problem(409, "AudienceExists", f"Audience {audience_id} already exists")
    now = utcnow()
    audience = Audience(space_id=space_id, id=audience_id, name=body["name"], description=body["description"],
                        query=body["query"], revision=1, created_by=actor, created_on=now, updated_on=now)
    session.add(audience)
    return audience


def update(audience: Audience, body: dict[str, Any]) -> None:
    parse_query_string(body["query"])
    audience.name, audience.description, audience.query = body["name"], body["description"], body["query"]
    audience.revision += 1
    audience.updated_on = utcnow()


async def members(session: AsyncSession, audience: Audience, limit: int, skip: int) -> tuple[int, list[dict]]:
    conditions = parse_query_string(audience.query)
    dialect = session.get_bind().dialect.name
    where = [Profile.space_id == audience.space_id, Profile.deleted_on.is_(None),
             *compile_conditions(conditions, dialect)]
    total = (await session.execute(select(func.count()).select_from(Profile).where(*where))).scalar_one()
    docs = await profiles.query_profiles(session, audience.space_id, conditions, limit=limit, skip=skip)
    return total, docs
