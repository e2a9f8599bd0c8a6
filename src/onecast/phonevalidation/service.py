"""Validating one phone number offline with libphonenumber's metadata: validity, type, country
and the carrier the number range was allocated to. No live network (HLR) lookup is made, so a
ported number still shows its original carrier."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import phonenumbers
import pycountry
from phonenumbers import PhoneNumberType, carrier, geocoder

from onecast.kit.errors import invalid

TYPE_NAMES = {
    PhoneNumberType.MOBILE: "mobile", PhoneNumberType.FIXED_LINE: "fixedLine",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixedLineOrMobile", PhoneNumberType.TOLL_FREE: "tollFree",
    PhoneNumberType.PREMIUM_RATE: "premiumRate", PhoneNumberType.SHARED_COST: "sharedCost",
    PhoneNumberType.VOIP: "voip", PhoneNumberType.PERSONAL_NUMBER: "personalNumber",
    PhoneNumberType.PAGER: "pager", PhoneNumberType.UAN: "uan", PhoneNumberType.VOICEMAIL: "voicemail",
}


def region_for(code: str | None, field: str) -> str | None:
    """ISO 3166-1 alpha-2 or alpha-3 (any case) -> alpha-2; None when not given."""
    if code is None or code == "":
        return None
    found = None
    if code.isascii() and code.isalpha() and len(code) in (2, 3):
        found = pycountry.countries.get(**{"alpha_2" if len(code) == 2 else "alpha_3": code.upper()})
    if found is None:
        raise invalid(field, f"{code[:10]!r} is not an ISO 3166-1 alpha-2 or alpha-3 country code",
                      "CountryIsoCodeInvalid")
    return found.alpha_2


@dataclass(frozen=True)
class Validation:
    original: str
    number: phonenumbers.PhoneNumber | None
    valid: bool
    region: str | None
    mismatch: bool

    @property
    def e164(self) -> str | None:
        if self.number is None or not self.valid:
            return None
        return phonenumbers.format_number(self.number, phonenumbers.PhoneNumberFormat.E164)

    @property
    def status(self) -> str:
        if not self.valid:
            return "BadNumber"
        return "CountryMismatch" if self.mismatch else "On"


def _parse(raw: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    text = raw.strip()
    candidates = [text] if region else []
    # The One API writes international numbers as digits without '+'.
    if not text.startswith("+"):
        candidates.append("+" + text.lstrip("0"))
    else:
        candidates.append(text)
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return number
    return None


def validate(raw: str, country: str | None = None) -> Validation:
    """`country` (alpha-2 or alpha-3) lets `raw` be in the local format of that country."""
    region = region_for(country, "countryCode")
    number = _parse(raw, region) if len(raw) <= 64 else None
    if number is None:
        return Validation(raw, None, False, None, False)
    number_region = phonenumbers.region_code_for_number(number)
    mismatch = region is not None and number_region != region
    return Validation(raw, number, True, number_region, mismatch)


def view(result: Validation) -> dict[str, Any]:
    """The One API `SingleValidation` plus what libphonenumber knows (valid, type, e164...)."""
    body: dict[str, Any] = {"phoneNumber": result.original, "status": result.status, "valid": result.valid,
                            "countryIdd": "", "e164": None, "type": None, "countryCode": None,
                            "countryName": None, "carrier": None}
    number = result.number
    if number is None:
        return body
    name = carrier.name_for_number(number, "en") or None
    country = pycountry.countries.get(alpha_2=result.region) if result.region else None
    body.update({
        "phoneNumber": result.e164.lstrip("+"), "e164": result.e164, "countryIdd": str(number.country_code),
        "type": TYPE_NAMES.get(phonenumbers.number_type(number), "unknown"), "countryCode": result.region,
        "countryName": country.name if country else geocoder.country_name_for_number(number, "en") or None,
        "carrier": name,
    })
    if name:
        # Allocation data only: without a live lookup porting and roaming are unknown.
        body["networkDetails"] = {"networkName": name, "networkPrefix": "", "mccmnc": "", "isPorted": False,
                                  "portedFromNetworkName": ""}
    return body
