"""Tariffs, the ledger and the credit limit. A send is debited when the provider takes it
(status `sent`), at its unit count: SMS segments, one unit on every other channel."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

import phonenumbers
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.billing.models import BillingAccount, LedgerEntry
from onecast.billing.schemas import TariffIn, TransactionIn, plain_decimal
from onecast.kit.clock import as_utc, iso, utcnow
from onecast.kit.errors import Problem
from onecast.spaces.models import ApiSpace

MICROS = Decimal(1_000_000)
PHONE_TYPES = {"sms", "mms", "whatsApp", "rcs"}


def to_micros(amount: Decimal) -> int:
    return int((amount * MICROS).to_integral_value())


def from_micros(micros: int) -> Decimal:
    return plain_decimal(Decimal(micros) / MICROS) if micros else Decimal(0)


def country_of(channel_type: str, address: str | None) -> str | None:
    if channel_type not in PHONE_TYPES or not address:
        return None
    return _country_of_number(address)


@lru_cache(maxsize=65536)  # pure, and billing asks for every message of a recipient again
def _country_of_number(address: str) -> str | None:
    try:
        number = phonenumbers.parse(address, None)
    except phonenumbers.NumberParseException:
        return None
    # A number outside the allocated ranges (test numbers) still has a country: its code's main one.
    region = phonenumbers.region_code_for_number(number) or \
        phonenumbers.region_code_for_country_code(number.country_code)
    return region if region and region != "ZZ" else None


def price_micros(rates: list[dict[str, Any]], channel_type: str, country: str | None) -> int:
    """The most specific rate wins: channel+country, channel, country, then `*`/`*`; none: free."""
    best: tuple[int, int] | None = None
    for rate in rates:
        channel_ok = rate["channel"] in ("*", channel_type)
        country_ok = rate["country"] == "*" or rate["country"] == country
        if channel_ok and country_ok:
            score = 2 * (rate["channel"] != "*") + (rate["country"] != "*")
            if best is None or score > best[0]:
                best = (score, to_micros(Decimal(str(rate["price"]))))
    return best[1] if best else 0


def units_of(entry: dict[str, Any], segment_count: int | None) -> int:
    return max(1, segment_count or entry.get("segments") or 1)


async def billing_for_account(session: AsyncSession, account_id: str, *, lock: bool = False) -> BillingAccount | None:
    return await session.get(BillingAccount, account_id, with_for_update=lock)


async def billing_for_space(session: AsyncSession, space_id: str, *, lock: bool = False) -> BillingAccount | None:
    stmt = select(BillingAccount).join(ApiSpace, ApiSpace.account_id == BillingAccount.account_id).where(
        ApiSpace.id == space_id)
    if lock:
        stmt = stmt.with_for_update(of=BillingAccount)
    return (await session.execute(stmt)).scalar_one_or_none()


def tariff_view(account_id: str, billing: BillingAccount | None) -> dict[str, Any]:
    if billing is None:
        return {"accountId": account_id, "enabled": False, "currency": None, "rates": [], "creditLimit": None,
                "balance": Decimal(0), "updatedOn": None}
    limit = billing.credit_limit_micros
    return {"accountId": account_id, "enabled": True, "currency": billing.currency, "rates": billing.rates,
            "creditLimit": None if limit is None else from_micros(limit),
            "balance": from_micros(billing.balance_micros), "updatedOn": iso(billing.updated_on)}


async def set_tariff(session: AsyncSession, account_id: str, body: TariffIn) -> BillingAccount:
    billing = await billing_for_account(session, account_id, lock=True)
    if billing is not None and billing.currency != body.currency and billing.balance_micros:
        raise Problem(409, "CurrencyChange", f"The balance is in {billing.currency}; settle it to zero "
                                             "before changing the currency")
    rates = [{"channel": r.channel, "country": r.country, "price": str(plain_decimal(r.price))} for r in body.rates]
    limit = None if body.creditLimit is None else to_micros(body.creditLimit)
    if billing is None:
        billing = BillingAccount(account_id=account_id, currency=body.currency, rates=rates,
                                 credit_limit_micros=limit, balance_micros=0, revision=1, updated_on=utcnow())
        session.add(billing)
    else:
        billing.currency, billing.rates, billing.credit_limit_micros = body.currency, rates, limit
        billing.revision += 1
        billing.updated_on = utcnow()
    return billing


def _post(session: AsyncSession, billing: BillingAccount, **entry: Any) -> LedgerEntry:
    row = LedgerEntry(account_id=billing.account_id, currency=billing.currency, created_on=utcnow(), **entry)
    billing.balance_micros += row.amount_micros
    session.add(row)
    return row


async def add_transaction(session: AsyncSession, account_id: str, body: TransactionIn) -> LedgerEntry:
    billing = await billing_for_account(session, account_id, lock=True)
    if billing is None:
        raise Problem(409, "BillingNotEnabled", "Set a tariff (PUT .../tariff) before posting transactions")
    amount = to_micros(body.amount)
    if amount == 0:
        raise Problem(400, "ValidationFailed", "amount must not be zero",
                      errors=[{"field": "amount", "message": "must not be zero"}])
    return _post(session, billing, kind="credit" if amount > 0 else "adjustment", amount_micros=amount,
                 description=body.description, units=0)


async def debit_send(session: AsyncSession, message: Any, entry: dict[str, Any]) -> None:
    """Called in the transaction that marks the message `sent`; nothing when billing is off."""
    billing = await billing_for_space(session, message.space_id, lock=True)
    if billing is None:
        return
    country = country_of(entry["type"], entry.get("address"))
    units = units_of(entry, message.segment_count)
    amount = price_micros(billing.rates, entry["type"], country) * units
    _post(session, billing, kind="send", amount_micros=-amount, space_id=message.space_id,
          message_id=message.id, channel_type=entry["type"], country=country, units=units,
          description=f"{entry['type']} to {country or 'address'} x{units}")


async def check_credit(session: AsyncSession, space_id: str, messages: Iterable[Any]) -> None:
    """Refuse (402) sends that would take the balance below the credit limit. The estimate prices
    each message on its first channel; messages already accepted but not yet sent are not
    counted, so concurrent sends can overrun the limit by what is in flight."""
    billing = await billing_for_space(session, space_id)
    if billing is None or billing.credit_limit_micros is None:
        return
    cost = 0
    for message in messages:
        if message.status != "processing" or not message.plan:
            continue  # filtered or unroutable: never sent, never charged
        entry = message.plan[0]
        cost += price_micros(billing.rates, entry["type"], country_of(entry["type"], entry.get("address"))) * \
            units_of(entry, None)
    available = billing.balance_micros + billing.credit_limit_micros
    if cost > available:
        raise Problem(402, "CreditLimitReached",
                      f"This send costs {from_micros(cost)} {billing.currency} and the account has "
                      f"{from_micros(max(available, 0))} {billing.currency} left within its credit limit")


async def transactions(session: AsyncSession, account_id: str, *, since: datetime | None,
                       until: datetime | None, before_id: int | None, limit: int) -> tuple[list[LedgerEntry], int | None]:
    stmt = select(LedgerEntry).where(LedgerEntry.account_id == account_id)
    if since:
        stmt = stmt.where(LedgerEntry.created_on >= as_utc(since))
    if until:
        stmt = stmt.where(LedgerEntry.created_on < as_utc(until))
    if before_id is not None:
        stmt = stmt.where(LedgerEntry.id < before_id)
    rows = list((await session.execute(stmt.order_by(LedgerEntry.id.desc()).limit(limit + 1))).scalars())
    return rows[:limit], (rows[limit - 1].id if len(rows) > limit else None)


def transaction_view(row: LedgerEntry) -> dict[str, Any]:
    return {"id": str(row.id), "kind": row.kind, "amount": from_micros(row.amount_micros), "currency": row.currency,
            "description": row.description, "apiSpaceId": row.space_id, "messageId": row.message_id,
            "channel": row.channel_type, "country": row.country, "units": row.units,
            "balanceImpact": "credit" if row.amount_micros > 0 else "debit", "createdOn": iso(row.created_on)}
