"""Verify (One API §9.1): create and send a code, then validate it."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

VerifyStatus = Literal["CodeNotVerified", "CodeVerified", "CodeLocked", "CodeExpired"]


class VerifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: str = Field(max_length=32, description="International number, or local with countryIsoCode")
    from_: str = Field(alias="from", max_length=32, description="Originator: 2-11 characters or 2-15 digits")
    countryIsoCode: str | None = Field(default=None, max_length=3, description="ISO 3166-1 alpha-3 (or alpha-2)")
    body: str = Field(default="Your verification code is {{code}}", max_length=2000,
                      description="Must contain {{code}}; may contain {{validMinutes}}")
    validUntil: datetime | None = Field(default=None, description="UTC, at most 30 minutes ahead")


class VerifyCreated(BaseModel):
    requestId: str
    phoneNumber: str
    status: VerifyStatus
    numberStatus: str
    validUntil: str
    messageId: str


class ValidateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=20)


class ValidateOut(BaseModel):
    requestId: str
    phoneNumber: str
    status: VerifyStatus
    numberStatus: str
    attemptsLeft: int
    created: str
    verified: str | None = None
