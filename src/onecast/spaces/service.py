"""API spaces (tenants) and their keys."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.appusers import service as appusers
from onecast.kit.clock import iso, utcnow
from onecast.kit.errors import not_found
from onecast.kit.idempotency import forget, forget_space, key_scope
from onecast.kit.ids import hash_secret, new_api_key, new_id
from onecast.spaces.models import Account, ApiKey, ApiSpace


def space_view(space: ApiSpace) -> dict:
    return {"id": space.id, "accountId": space.account_id, "name": space.name, "createdOn": iso(space.created_on),
            "updatedOn": iso(space.updated_on)}


def key_view(key: ApiKey) -> dict:
    return {"id": key.id, "name": key.name, "prefix": key.prefix, "apiSpaceId": key.space_id,
            "createdOn": iso(key.created_on), "revokedOn": iso(key.revoked_on)}


async def create_key(session: AsyncSession, space_id: str, name: str = "") -> tuple[ApiKey, str]:
    raw = new_api_key()
    key = ApiKey(id=new_id(), space_id=space_id, name=name, key_hash=hash_secret(raw),
                 prefix=raw[:14], created_on=utcnow())
    session.add(key)
    await session.flush()
    return key, raw


async def create_space(session: AsyncSession, account_id: str, name: str) -> tuple[ApiSpace, ApiKey, str]:
    now = utcnow()
    space = ApiSpace(id=new_id(), account_id=account_id, name=name, optin_defaults={},
                     created_on=now, updated_on=now)
    session.add(space)
    await session.flush()
    key, raw = await create_key(session, space.id, "default")
    return space, key, raw


async def create_account_with_space(session: AsyncSession, name: str) -> tuple[ApiSpace, ApiKey, str]:
    account = Account(id=new_id(), name=name, created_on=utcnow())
    session.add(account)
    await session.flush()
    return await create_space(session, account.id, name)


async def get_space(session: AsyncSession, account_id: str, space_id: str, *, lock: bool = False) -> ApiSpace:
    stmt = select(ApiSpace).where(ApiSpace.id == space_id, ApiSpace.account_id == account_id,
                                  ApiSpace.deleted_on.is_(None))
    if lock:
        stmt = stmt.with_for_update()
    space = (await session.execute(stmt)).scalar_one_or_none()
    if space is None:
        raise not_found("API space")
    return space


async def list_spaces(session: AsyncSession, account_id: str) -> list[ApiSpace]:
    rows = await session.execute(select(ApiSpace).where(
        ApiSpace.account_id == account_id, ApiSpace.deleted_on.is_(None)).order_by(ApiSpace.created_on))
    return list(rows.scalars())


async def rename_space(session: AsyncSession, account_id: str, space_id: str, name: str) -> ApiSpace:
    space = await get_space(session, account_id, space_id, lock=True)
    space.name = name
    space.revision += 1
    space.updated_on = utcnow()
    return space


async def delete_space(session: AsyncSession, account_id: str, space_id: str) -> None:
    """Its keys stop working (they check the space), and so do its app users' sessions and sockets."""
    space = await get_space(session, account_id, space_id, lock=True)
    space.deleted_on = utcnow()
    space.revision += 1
    await forget_space(session, account_id, space_id)
    await appusers.end_space_sessions(session, space_id)


async def list_keys(session: AsyncSession, space_id: str) -> list[ApiKey]:
    rows = await session.execute(select(ApiKey).where(ApiKey.space_id == space_id).order_by(ApiKey.created_on))
    return list(rows.scalars())


async def revoke_key(session: AsyncSession, space_id: str, key_id: str) -> None:
    key = (await session.execute(select(ApiKey).where(
        ApiKey.id == key_id, ApiKey.space_id == space_id).with_for_update())).scalar_one_or_none()
    if key is None:
        raise not_found("API key")
    if key.revoked_on is None:
        key.revoked_on = utcnow()
        await appusers.end_key_sessions(session, space_id, key_id)
    # Its stored Idempotency-Key answers go too, so not even a process whose key cache still
    # trusts the key for a moment replays one.
    space = await session.get(ApiSpace, space_id)
    if space is not None:
        await forget(session, key_scope(space.account_id, space_id, key_id))


async def first_space(session: AsyncSession) -> ApiSpace | None:
    return (await session.execute(select(ApiSpace).where(ApiSpace.deleted_on.is_(None))
                                  .order_by(ApiSpace.created_on).limit(1))).scalar_one_or_none()
