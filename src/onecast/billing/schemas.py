from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer


def plain_decimal(value: Decimal) -> Decimal:
    """The shortest exact form without an exponent: 50, 0.04, -0.181 (never 5E+1 or 0.0400)."""
    value = value.normalize()
    return value.quantize(Decimal(1)) if value.as_tuple().exponent > 0 else value  # type: ignore[operator]


# Echoed as a plain decimal string whatever form the client sent ("1E+2", 100.0, "100").
Money = Annotated[Decimal, PlainSerializer(lambda value: str(plain_decimal(value)), return_type=str,
                                           when_used="json")]


class RateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: str = Field(default="*", max_length=40, pattern=r"^(\*|[A-Za-z]{2,40})$",
                         description="Channel type (sms, email, whatsApp, ...) or `*` for any")
    country: str = Field(default="*", max_length=2, pattern=r"^(\*|[A-Z]{2})$",
                         description="ISO 3166-1 alpha-2 country of the recipient's number, or `*`")
    price: Money = Field(ge=0, le=1_000_000, decimal_places=6, description="Price of one unit (SMS segment, "
                                                                          "or one message on other channels)")


class TariffIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    currency: str = Field(max_length=3, pattern=r"^[A-Z]{3}$", description="ISO 4217 code")
    rates: list[RateIn] = Field(default_factory=list, max_length=5000)
    creditLimit: Money | None = Field(default=None, ge=0, le=10**9, decimal_places=6,
                                      description="How far the balance may go below zero; null: no limit")


class TariffOut(BaseModel):
    accountId: str
    enabled: bool
    currency: str | None
    rates: list[RateIn]
    creditLimit: Money | None
    balance: Money
    updatedOn: str | None


class TransactionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: Money = Field(ge=-10**9, le=10**9, decimal_places=6,
                          description="Positive: a credit (payment); negative: a manual debit")
    description: str = Field(default="", max_length=300)


class TransactionOut(BaseModel):
    id: str
    kind: str
    amount: Money
    currency: str
    description: str
    apiSpaceId: str | None
    messageId: str | None
    channel: str | None
    country: str | None
    units: int
    balanceImpact: str = Field(description="`debit` or `credit`")
    createdOn: str
