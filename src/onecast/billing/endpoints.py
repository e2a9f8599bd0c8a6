"""GET/PUT /accounts/{accountId}/tariff, GET/POST /accounts/{accountId}/transactions.
Account level: a key of any space of the account may read and manage them."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from onecast.billing import service
from onecast.billing.schemas import TariffIn, TariffOut, TransactionIn, TransactionOut
from onecast.kit.auth import KeyAuth, Principal
from onecast.kit.errors import invalid, not_found, problem_responses
from onecast.kit.routing import CheckedRoute
from onecast.kit.state import get_db

router = APIRouter(route_class=CheckedRoute, tags=["billing"], responses=problem_responses(400, 401, 404))


async def account_principal(principal: KeyAuth,
                            accountId: Annotated[str, Path(max_length=64)]) -> Principal:
    if accountId != principal.account_id:
        raise not_found("Account")
    return principal


AccountAuth = Annotated[Principal, Depends(account_principal)]


@router.get("/accounts/{accountId}/tariff", response_model=TariffOut)
async def get_tariff(request: Request, principal: AccountAuth) -> dict:
    async with get_db(request).read() as session:
        billing = await service.billing_for_account(session, principal.account_id)
        return service.tariff_view(principal.account_id, billing)


@router.put("/accounts/{accountId}/tariff", response_model=TariffOut, responses=problem_responses(409))
async def put_tariff(request: Request, principal: AccountAuth, body: TariffIn) -> dict:
    async with get_db(request).transaction() as session:
        billing = await service.set_tariff(session, principal.account_id, body)
        return service.tariff_view(principal.account_id, billing)


@router.get("/accounts/{accountId}/transactions", response_model=list[TransactionOut],
            description="Newest first. Sends are debits (negative amounts), payments credits (positive). "
                        "More pages: the `X-Next-Cursor` header, passed back as `cursor`.")
async def list_transactions(
    request: Request, response: Response, principal: AccountAuth,
    since: Annotated[datetime | None, Query(description="From this time (inclusive)")] = None,
    until: Annotated[datetime | None, Query(description="Before this time")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
) -> list[dict]:
    if cursor is not None and not cursor.isdigit():
        raise invalid("cursor", "is not a cursor this API returned", "InvalidCursor")
    async with get_db(request).read() as session:
        rows, next_id = await service.transactions(session, principal.account_id, since=since, until=until,
                                                   before_id=int(cursor) if cursor else None, limit=limit)
    if next_id is not None:
        response.headers["X-Next-Cursor"] = str(next_id)
    return [service.transaction_view(row) for row in rows]


@router.post("/accounts/{accountId}/transactions", status_code=201, response_model=TransactionOut,
             responses=problem_responses(409),
             description="Record a payment (positive amount) or a manual debit (negative).")
async def post_transaction(request: Request, principal: AccountAuth, body: TransactionIn) -> dict:
    async with get_db(request).transaction() as session:
        row = await service.add_transaction(session, principal.account_id, body)
        await session.flush()
        return service.transaction_view(row)
