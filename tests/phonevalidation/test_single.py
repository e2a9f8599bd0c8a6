"""GET /phonevalidation/single: validity, type, country, carrier and E.164 from libphonenumber."""
from __future__ import annotations


async def test_valid_mobile_with_carrier(space):
    r = await space.get("/phonevalidation/single", params={"phoneNumber": "447400123456"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "On" and body["valid"] is True
    assert body["e164"] == "+447400123456" and body["phoneNumber"] == "447400123456"
    assert body["type"] == "mobile" and body["countryCode"] == "GB" and body["countryIdd"] == "44"
    assert body["countryName"] == "United Kingdom"
    assert body["carrier"] == "Three" and body["networkDetails"]["networkName"] == "Three"


async def test_local_format_with_alpha2_or_alpha3_country(space):
    for country in ("GB", "GBR", "gbr"):
        r = await space.get("/phonevalidation/single", params={"phoneNumber": "07400 123456", "countryCode": country})
        assert r.json()["e164"] == "+447400123456", (country, r.text)
    r = await space.get("/phonevalidation/single", params={"phoneNumber": "06 12 34 56 78", "countryCode": "FRA"})
    assert r.json()["e164"] == "+33612345678" and r.json()["carrier"] == "SFR"


async def test_fixed_line_has_no_carrier(space):
    body = (await space.get("/phonevalidation/single", params={"phoneNumber": "+442071838750"})).json()
    assert body["type"] == "fixedLine" and body["carrier"] is None and body["networkDetails"] is None


async def test_bad_number_and_country_mismatch(space):
    body = (await space.get("/phonevalidation/single", params={"phoneNumber": "12345"})).json()
    assert body["status"] == "BadNumber" and body["valid"] is False and body["e164"] is None
    body = (await space.get("/phonevalidation/single",
                            params={"phoneNumber": "447400123456", "countryCode": "FR"})).json()
    assert body["status"] == "CountryMismatch" and body["countryCode"] == "GB"


async def test_bad_country_code_is_a_named_400(space):
    r = await space.get("/phonevalidation/single", params={"phoneNumber": "447400123456", "countryCode": "ZZ"})
    assert r.status_code == 400 and r.json()["code"] == "CountryIsoCodeInvalid"
    assert r.json()["errors"][0]["field"] == "countryCode"
    r = await space.get("/phonevalidation/single")
    assert r.status_code == 400 and "phoneNumber" in r.json()["detail"]
