"""The Email2SMS adaptor's configuration per space."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.channels.service import enabled_channels, resolve
from onecast.inbound_email.models import Email2SmsAdaptor
from onecast.inbound_email.schemas import Email2SmsIn
from onecast.kit.clock import iso, utcnow
from onecast.kit.errors import Problem, invalid, not_found
from onecast.kit.events import record_event


def adaptor_view(row: Email2SmsAdaptor) -> dict[str, Any]:
    return {**row.settings, "enabled": row.enabled, "domain": row.domain,
            "createdOn": iso(row.created_on), "updatedOn": iso(row.updated_on)}


async def get_adaptor(session: AsyncSession, space_id: str, *, lock: bool = False) -> Email2SmsAdaptor:
    stmt = select(Email2SmsAdaptor).where(Email2SmsAdaptor.space_id == space_id)
    row = (await session.execute(stmt.with_for_update() if lock else stmt)).scalar_one_or_none()
    if row is None:
        raise not_found("Email2SMS adaptor")
    return row


async def put_adaptor(session: AsyncSession, space_id: str, body: Email2SmsIn) -> Email2SmsAdaptor:
    channels = await enabled_channels(session, space_id)
    for i, rule in enumerate(body.rules):
        if resolve(rule, channels) is None:
            raise invalid(f"rules[{i}]", f"there is no channel {rule!r} in this API space", "UnknownChannel")
    settings = body.model_dump(by_alias=True, exclude={"enabled", "domain"})
    now = utcnow()
    row = (await session.execute(select(Email2SmsAdaptor).where(Email2SmsAdaptor.space_id == space_id)
                                 .with_for_update())).scalar_one_or_none()
    if row is None:
        row = Email2SmsAdaptor(space_id=space_id, created_on=now, revision=0)
        session.add(row)
    row.domain, row.enabled, row.settings = body.domain, body.enabled, settings
    row.revision += 1
    row.updated_on = now
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise Problem(409, "DomainTaken", f"The domain {body.domain!r} is used by another API space") from None
    record_event(session, space_id, "adaptor.email2sms.update", space_id, adaptor_view(row), row.revision)
    return row


async def delete_adaptor(session: AsyncSession, space_id: str) -> None:
    row = await get_adaptor(session, space_id, lock=True)
    await session.delete(row)
    record_event(session, space_id, "adaptor.email2sms.delete", space_id, {"domain": row.domain}, row.revision + 1)
