from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class NetworkDetails(BaseModel):
    networkName: str
    networkPrefix: str
    mccmnc: str
    isPorted: bool
    portedFromNetworkName: str


class SingleValidation(BaseModel):
    model_config = ConfigDict(extra="allow")
    phoneNumber: str
    status: Literal["On", "Off", "Dead", "NotProvisioned", "BadNumber", "CountryMismatch"]
    countryIdd: str
    valid: bool
    e164: str | None
    type: str | None
    countryCode: str | None
    countryName: str | None
    carrier: str | None
    networkDetails: NetworkDetails | None = None
