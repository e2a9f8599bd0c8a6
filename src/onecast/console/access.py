"""Which API spaces a console viewer may open."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.console.session import Viewer
from onecast.kit.errors import not_found
from onecast.spaces.models import ApiSpace


async def visible_space(session: AsyncSession, viewer: Viewer, space_id: str) -> ApiSpace:
    space = await session.get(ApiSpace, space_id) if viewer.can_see(space_id) else None
    if space is None or space.deleted_on is not None:
        raise not_found("API space")
    return space


async def visible_spaces(session: AsyncSession, viewer: Viewer) -> list[ApiSpace]:
    stmt = select(ApiSpace).where(ApiSpace.deleted_on.is_(None)).order_by(ApiSpace.created_on, ApiSpace.id)
    if viewer.key_space_id:
        stmt = stmt.where(ApiSpace.id == viewer.key_space_id)
    return list((await session.execute(stmt)).scalars())
