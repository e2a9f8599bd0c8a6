"""Primary / linked profiles: a forest, each profile pointing at most at one primary.

Changes are serialised per space (the space row is locked), so two concurrent links can never
close a cycle that neither saw.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.kit.errors import Problem, invalid
from onecast.profiles import service
from onecast.profiles.models import Profile

MAX_CHAIN = 1000


async def _pair(session: AsyncSession, space_id: str, child_id: str, primary_id: str) -> tuple[Profile, Profile]:
    if child_id == primary_id:
        raise invalid("linkedId", "a profile cannot be linked to itself", "SelfLink")
    await service.lock_space(session, space_id)
    child = await service.require_profile(session, space_id, child_id, lock=True)
    primary = await service.require_profile(session, space_id, primary_id, lock=True)
    return child, primary


async def _would_cycle(session: AsyncSession, space_id: str, child_id: str, primary: Profile) -> bool:
    """Is `child_id` an ancestor of (or equal to) `primary`?"""
    current, seen = primary.primary_id, set()
    while current is not None and current not in seen and len(seen) < MAX_CHAIN:
        if current == child_id:
            return True
        seen.add(current)
        current = (await session.execute(select(Profile.primary_id).where(
            Profile.space_id == space_id, Profile.id == current))).scalar_one_or_none()
    return current is not None  # a chain too long (or already looping) is refused too


async def _touch(session: AsyncSession, profiles: list[Profile], actor: str) -> None:
    for profile in profiles:
        service.touch(profile, actor)
    await session.flush()
    for profile in profiles:
        service.emit_update(session, profile, await service.document(session, profile))


async def set_primary(session: AsyncSession, space_id: str, child_id: str, primary_id: str, actor: str) -> None:
    """Make `primary_id` the primary of `child_id`, replacing any previous primary."""
    child, primary = await _pair(session, space_id, child_id, primary_id)
    if child.primary_id == primary.id:
        return
    if await _would_cycle(session, space_id, child.id, primary):
        raise invalid("linkedId", f"linking {child.id} under {primary.id} would create a cycle", "LinkCycle")
    changed = [child, primary]
    previous = child.primary_id and await service.get_profile(session, space_id, child.primary_id, lock=True)
    if previous:
        changed.append(previous)  # its list of linked profiles shrinks
    child.primary_id = primary.id
    await _touch(session, changed, actor)


async def remove_primary(session: AsyncSession, space_id: str, child_id: str, primary_id: str, actor: str) -> None:
    child, primary = await _pair(session, space_id, child_id, primary_id)
    if child.primary_id != primary.id:
        raise Problem(404, "RelationshipNotFound", f"{primary.id} is not the primary profile of {child.id}")
    child.primary_id = None
    await _touch(session, [child, primary], actor)
