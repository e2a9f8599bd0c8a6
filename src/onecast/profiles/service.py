"""Profiles: schemaless documents keyed by a caller-chosen id, with opt-ins and soft delete.

Every write bumps the revision (the ETag) and records its event in the caller's transaction.
Writers lock the row first; an insert that loses a race to the same id is retried as an update
inside a savepoint, so concurrent upserts never surface a database error.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.kit.clock import iso, utcnow
from onecast.kit.errors import Problem, invalid, not_found
from onecast.kit.etag import etag_for
from onecast.kit.events import record_event
from onecast.kit.text import text_problem
from onecast.profiles.documents import check_size, validate_channel, validate_fields, validate_id
from onecast.profiles.models import Profile
from onecast.profiles.query import Condition
from onecast.profiles.query_sql import compile_conditions
from onecast.realtime.notify import push_profile_update
from onecast.spaces.models import ApiSpace

# --- documents -------------------------------------------------------------------------------


def profile_document(profile: Profile, linked_ids: list[str] | None = None) -> dict:
    doc: dict[str, Any] = {"id": profile.id, **(profile.data or {})}
    doc["_createdOn"] = iso(profile.created_on)
    doc["_createdBy"] = profile.created_by
    doc["_updatedOn"] = iso(profile.updated_on)
    doc["_updatedBy"] = profile.updated_by
    doc["_optIns"] = dict(profile.opt_ins or {})
    if profile.primary_id is not None:
        doc["_primaryProfileId"] = profile.primary_id
    if linked_ids is not None:
        doc["_linkedProfileIds"] = linked_ids
    if profile.deleted_on is not None:
        doc["_deleted"] = True
        doc["_deletedOn"] = iso(profile.deleted_on)
    return doc


def etag(profile: Profile) -> str:
    return etag_for(profile.id, profile.revision)


async def linked_ids(session: AsyncSession, space_id: str, profile_ids: list[str]) -> dict[str, list[str]]:
    """The live profiles whose primary is each of `profile_ids`."""
    children: dict[str, list[str]] = {pid: [] for pid in profile_ids}
    if not profile_ids:
        return children
    rows = await session.execute(
        select(Profile.primary_id, Profile.id)
        .where(Profile.space_id == space_id, Profile.primary_id.in_(profile_ids), Profile.deleted_on.is_(None))
        .order_by(Profile.id))
    for primary_id, child_id in rows:
        children[primary_id].append(child_id)
    return children


async def document(session: AsyncSession, profile: Profile) -> dict:
    links = await linked_ids(session, profile.space_id, [profile.id])
    return profile_document(profile, links[profile.id])


# --- reads ----------------------------------------------------------------------------------


async def get_profile(session: AsyncSession, space_id: str, profile_id: str, *,
                      include_deleted: bool = False, lock: bool = False) -> Profile | None:
    if not isinstance(profile_id, str) or text_problem(profile_id):
        return None  # cannot exist, and PostgreSQL rejects NUL in a parameter
    stmt = select(Profile).where(Profile.space_id == space_id, Profile.id == profile_id)
    if not include_deleted:
        stmt = stmt.where(Profile.deleted_on.is_(None))
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def require_profile(session: AsyncSession, space_id: str, profile_id: str, *,
                          include_deleted: bool = False, lock: bool = False) -> Profile:
    profile = await get_profile(session, space_id, profile_id, include_deleted=include_deleted, lock=lock)
    if profile is None:
        raise not_found("Profile")
    return profile


async def query_profiles(session: AsyncSession, space_id: str, conditions: list[Condition], *,
                         limit: int = 100, skip: int = 0, include_deleted: bool = False) -> list[dict]:
    dialect = session.get_bind().dialect.name
    stmt = select(Profile).where(Profile.space_id == space_id, *compile_conditions(conditions, dialect))
    if not include_deleted:
        stmt = stmt.where(Profile.deleted_on.is_(None))
    stmt = stmt.order_by(Profile.id).limit(limit).offset(skip)
    profiles = list((await session.execute(stmt)).scalars())
    links = await linked_ids(session, space_id, [p.id for p in profiles])
    return [profile_document(p, links[p.id]) for p in profiles]


# --- writes ---------------------------------------------------------------------------------


def touch(profile: Profile, actor: str) -> None:
    profile.revision += 1
    profile.updated_on = utcnow()
    profile.updated_by = actor


def emit_update(session: AsyncSession, profile: Profile, doc: dict) -> None:
    record_event(session, profile.space_id, "profile.update", profile.id, doc, profile.revision)
    push_profile_update(session, profile.space_id, profile.id, doc, etag(profile), profile.revision)


def _user_fields(fields: dict[str, Any], where: str = "") -> dict[str, Any]:
    """The body minus its `id`, validated."""
    data = {k: v for k, v in validate_fields(fields, where).items() if k != "id"}
    check_size(data, where)
    return data


async def _insert(session: AsyncSession, space_id: str, profile_id: str, data: dict[str, Any],
                  actor: str) -> Profile | None:
    """Insert a new profile and record profile.create; None when the id is taken."""
    now = utcnow()
    profile = Profile(space_id=space_id, id=profile_id, data=data, opt_ins={}, primary_id=None, revision=1,
                      created_on=now, created_by=actor, updated_on=now, updated_by=actor, deleted_on=None)
    try:
        async with session.begin_nested():
            session.add(profile)
            await session.flush()
    except IntegrityError:
        return None
    record_event(session, space_id, "profile.create", profile_id, profile_document(profile, []), 1)
    return profile


async def create_profile(session: AsyncSession, space_id: str, body: dict[str, Any], actor: str) -> Profile:
    profile_id = validate_id(body.get("id"))
    data = _user_fields(body)
    existing = await get_profile(session, space_id, profile_id, include_deleted=True)
    profile = None if existing else await _insert(session, space_id, profile_id, data, actor)
    if profile is None:
        existing = existing or await get_profile(session, space_id, profile_id, include_deleted=True)
        hint = " It is deleted: undelete it with PUT ?undelete=true." if existing and existing.deleted_on else ""
        raise Problem(409, "ProfileExists", f"Profile {profile_id} already exists.{hint}")
    return profile


def _check_body_id(body: dict[str, Any], profile_id: str) -> None:
    if "id" in body and body["id"] != profile_id:
        raise invalid("id", "does not match the profile id in the path")


async def replace_profile(session: AsyncSession, profile: Profile, body: dict[str, Any], actor: str) -> None:
    _check_body_id(body, profile.id)
    profile.data = _user_fields(body)
    touch(profile, actor)
    emit_update(session, profile, await document(session, profile))


def _merged(profile: Profile, body: dict[str, Any], deletes: Iterable[str], where: str = "") -> dict[str, Any]:
    patch = _user_fields(body, where)
    drop = set(deletes)
    data = {k: v for k, v in (profile.data or {}).items() if k not in drop}
    data.update(patch)
    check_size(data, where)
    return data


async def patch_profile(session: AsyncSession, profile: Profile, body: dict[str, Any],
                        deletes: Iterable[str], actor: str) -> None:
    _check_body_id(body, profile.id)
    profile.data = _merged(profile, body, deletes)
    touch(profile, actor)
    emit_update(session, profile, await document(session, profile))


async def upsert_profile(session: AsyncSession, space_id: str, profile_id: str, body: dict[str, Any],
                         actor: str, deletes: Iterable[str] = (), where: str = "") -> tuple[Profile, bool]:
    """Merge into a profile, creating it (or undeleting it) first. Returns (profile, created)."""
    validate_id(profile_id, f"{where}id")
    _check_body_id(body, profile_id)
    profile = await get_profile(session, space_id, profile_id, include_deleted=True, lock=True)
    if profile is None:
        created = await _insert(session, space_id, profile_id, _user_fields(body, where), actor)
        if created is not None:
            return created, True
        profile = await require_profile(session, space_id, profile_id, include_deleted=True, lock=True)
    if profile.deleted_on is not None:
        _undelete(session, profile)
    profile.data = _merged(profile, body, deletes, where)
    touch(profile, actor)
    emit_update(session, profile, await document(session, profile))
    return profile, False


async def delete_profile(session: AsyncSession, profile: Profile, actor: str) -> None:
    profile.deleted_on = utcnow()
    touch(profile, actor)
    record_event(session, profile.space_id, "profile.delete", profile.id,
                 {"id": profile.id, "date": iso(profile.deleted_on), "by": actor}, profile.revision)


def _undelete(session: AsyncSession, profile: Profile) -> None:
    profile.deleted_on = None
    record_event(session, profile.space_id, "profile.undelete", profile.id, {"id": profile.id},
                 profile.revision + 1)


async def undelete_profile(session: AsyncSession, profile: Profile, actor: str) -> None:
    if profile.deleted_on is not None:
        _undelete(session, profile)
        touch(profile, actor)


async def bulk_upsert(session: AsyncSession, space_id: str, bodies: list[dict[str, Any]], actor: str) -> list[dict]:
    # One transaction: a bad item anywhere rolls back the items before it.
    docs = []
    for i, body in enumerate(bodies):
        profile, _ = await upsert_profile(session, space_id, body["id"], body, actor, where=f"[{i}].")
        docs.append(await document(session, profile))
    return docs


async def bulk_delete(session: AsyncSession, space_id: str, profile_ids: list[str], actor: str) -> None:
    for i, profile_id in enumerate(profile_ids):
        validate_id(profile_id, f"id[{i}]")
    for profile_id in dict.fromkeys(profile_ids):
        profile = await get_profile(session, space_id, profile_id, lock=True)
        if profile is not None:
            await delete_profile(session, profile, actor)


def _same(a: Any, b: Any) -> bool:
    # 1, 1.0 and True are == in Python but different JSON.
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


async def upsert_for_send(session: AsyncSession, space_id: str, profile_id: str, fields: dict, actor: str) -> Profile:
    """Create the recipient's profile with `fields`, or store the fields that changed (undeleting it)."""
    validate_id(profile_id, "profileId")
    fields = _user_fields(fields)
    profile = await get_profile(session, space_id, profile_id, include_deleted=True, lock=True)
    if profile is None:
        created = await _insert(session, space_id, profile_id, fields, actor)
        if created is not None:
            return created
        profile = await require_profile(session, space_id, profile_id, include_deleted=True, lock=True)
    changed = {k: v for k, v in fields.items() if k not in profile.data or not _same(profile.data[k], v)}
    if profile.deleted_on is None and not changed:
        return profile
    if profile.deleted_on is not None:
        _undelete(session, profile)
    if changed:
        profile.data = {**profile.data, **changed}
        check_size(profile.data)
    touch(profile, actor)
    if changed:
        emit_update(session, profile, await document(session, profile))
    return profile


# --- opt-ins --------------------------------------------------------------------------------


def is_opted_in(space_defaults: dict, profile: Profile | None, channel: str) -> bool | None:
    """The profile's own choice, else the space default, else None (unknown)."""
    if profile is not None:
        value = (profile.opt_ins or {}).get(channel)
        if isinstance(value, bool):
            return value
    value = (space_defaults or {}).get(channel)
    return value if isinstance(value, bool) else None


async def set_opt_ins(session: AsyncSession, profile: Profile, channels: list[str], value: bool, actor: str) -> None:
    for i, channel in enumerate(channels):
        validate_channel(channel, f"channels[{i}]")
    opt_ins = dict(profile.opt_ins or {})
    if all(opt_ins.get(c) is value for c in channels):
        return  # nothing changes: no new revision, no event
    opt_ins.update(dict.fromkeys(channels, value))
    profile.opt_ins = opt_ins
    touch(profile, actor)
    emit_update(session, profile, await document(session, profile))


async def _space(session: AsyncSession, space_id: str, *, lock: bool = False) -> ApiSpace:
    stmt = select(ApiSpace).where(ApiSpace.id == space_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    space = (await session.execute(stmt)).scalar_one_or_none()
    if space is None:
        raise not_found("API space")
    return space


async def get_optin_defaults(session: AsyncSession, space_id: str) -> dict[str, bool]:
    return dict((await _space(session, space_id)).optin_defaults or {})


async def put_optin_defaults(session: AsyncSession, space_id: str, defaults: dict[str, bool]) -> dict[str, bool]:
    for channel in defaults:
        validate_channel(channel, channel)
    space = await _space(session, space_id, lock=True)
    space.optin_defaults = dict(defaults)
    return dict(space.optin_defaults)


async def lock_space(session: AsyncSession, space_id: str) -> None:
    """Serialise relationship changes in a space (cycle checks read other rows)."""
    await _space(session, space_id, lock=True)
