"""Tariffs, the ledger (debits at send, credits), the credit limit, and account scoping."""
from decimal import Decimal

import pytest

from onecast.billing.service import country_of, price_micros

UK = "+447700900123"
US = "+12025550143"
TARIFF = {"currency": "EUR", "rates": [
    {"channel": "sms", "country": "GB", "price": "0.04"},
    {"channel": "sms", "country": "*", "price": "0.07"},
    {"channel": "*", "country": "*", "price": "0.001"},
]}


async def account_of(space) -> str:
    return (await space.get("")).json()["accountId"]


def test_the_most_specific_rate_wins():
    rates = [{"channel": "*", "country": "*", "price": "0.5"}, {"channel": "sms", "country": "*", "price": "0.2"},
             {"channel": "*", "country": "GB", "price": "0.3"}, {"channel": "sms", "country": "GB", "price": "0.1"}]
    assert price_micros(rates, "sms", "GB") == 100_000
    assert price_micros(rates, "sms", "FR") == 200_000
    assert price_micros(rates, "email", "GB") == 300_000
    assert price_micros(rates, "email", None) == 500_000
    assert price_micros([], "sms", "GB") == 0
    assert country_of("sms", UK) == "GB" and country_of("sms", US) == "US"
    assert country_of("email", "a@b.c") is None and country_of("sms", "garbage") is None


async def test_no_tariff_means_billing_off(space, deliver):
    account = await account_of(space)
    r = await space.client.get(f"/accounts/{account}/tariff", headers=space.headers)
    assert r.status_code == 200
    assert r.json()["enabled"] is False and r.json()["balance"] == "0"
    await space.post("/messages", json={"to": {"phoneNumber": UK}, "body": "free", "rules": ["sms"]})
    await deliver(space)
    assert (await space.client.get(f"/accounts/{account}/transactions", headers=space.headers)).json() == []


async def test_sends_are_debited_at_their_segment_count(space, deliver):
    account = await account_of(space)
    url = f"/accounts/{account}/tariff"
    r = await space.client.put(url, json=TARIFF, headers=space.headers)
    assert r.status_code == 200, r.text
    assert r.json()["enabled"] and r.json()["currency"] == "EUR"
    long_body = "x" * 300  # GSM-7: 2 segments of 153
    for to, body in ((UK, "short"), (US, long_body)):
        assert (await space.post("/messages", json={"to": {"phoneNumber": to}, "body": body,
                                                    "rules": ["sms"]})).status_code == 201
    await space.post("/messages", json={"to": {"email": "a@example.com"}, "body": "hi", "rules": ["email"]})
    await deliver(space)
    rows = (await space.client.get(f"/accounts/{account}/transactions", headers=space.headers)).json()
    got = sorted((row["channel"], row["country"], row["units"], row["amount"]) for row in rows)
    assert got == [("email", None, 1, "-0.001"), ("sms", "GB", 1, "-0.04"), ("sms", "US", 2, "-0.14")]
    assert all(row["kind"] == "send" and row["balanceImpact"] == "debit" and row["messageId"] for row in rows)
    tariff = (await space.client.get(url, headers=space.headers)).json()
    assert Decimal(tariff["balance"]) == Decimal("-0.181")


async def test_credit_limit_refuses_sends_with_402_and_stores_nothing(space, deliver):
    account = await account_of(space)
    headers = space.headers
    await space.client.put(f"/accounts/{account}/tariff", json={**TARIFF, "creditLimit": "0.05"}, headers=headers)
    ok = await space.post("/messages", json={"to": {"phoneNumber": UK}, "body": "one", "rules": ["sms"]})
    assert ok.status_code == 201
    await deliver(space)  # balance -0.04; 0.01 left
    r = await space.post("/messages", json={"to": {"phoneNumber": UK}, "body": "two", "rules": ["sms"]})
    assert r.status_code == 402
    assert r.json()["code"] == "CreditLimitReached" and "EUR" in r.json()["detail"]
    batch = await space.post("/messages/batch", json=[{"to": {"phoneNumber": UK}, "body": "b", "rules": ["sms"]}])
    assert batch.status_code == 402
    # A payment makes room again.
    r = await space.client.post(f"/accounts/{account}/transactions", json={"amount": "1.5", "description": "invoice 7"},
                                headers=headers)
    assert r.status_code == 201 and r.json()["kind"] == "credit" and r.json()["amount"] == "1.5"
    assert (await space.post("/messages", json={"to": {"phoneNumber": UK}, "body": "three",
                                                "rules": ["sms"]})).status_code == 201
    await deliver(space)
    rows = (await space.client.get(f"/accounts/{account}/transactions", headers=headers)).json()
    assert [row["kind"] for row in rows] == ["send", "credit", "send"]  # newest first
    assert Decimal((await space.client.get(f"/accounts/{account}/tariff", headers=headers)).json()["balance"]) == \
        Decimal("1.42")


async def test_transactions_page_with_a_cursor(space):
    account = await account_of(space)
    await space.client.put(f"/accounts/{account}/tariff", json=TARIFF, headers=space.headers)
    for i in range(5):
        await space.client.post(f"/accounts/{account}/transactions", json={"amount": str(i + 1)}, headers=space.headers)
    url = f"/accounts/{account}/transactions"
    first = await space.client.get(url, params={"limit": 2}, headers=space.headers)
    assert [r["amount"] for r in first.json()] == ["5", "4"]
    second = await space.client.get(url, params={"limit": 2, "cursor": first.headers["x-next-cursor"]},
                                    headers=space.headers)
    assert [r["amount"] for r in second.json()] == ["3", "2"]
    assert (await space.client.get(url, params={"cursor": "abc"}, headers=space.headers)).status_code == 400


@pytest.mark.parametrize("body", [
    {"currency": "euro", "rates": []},
    {"currency": "EUR", "rates": [{"channel": "sms", "country": "gb", "price": "1"}]},
    {"currency": "EUR", "rates": [{"channel": "sms", "price": "-1"}]},
    {"currency": "EUR", "creditLimit": "-5"},
    {"currency": "EUR", "rates": [{"channel": "sms", "price": "0.0000001"}]},
])
async def test_bad_tariffs_are_refused(space, body):
    account = await account_of(space)
    r = await space.client.put(f"/accounts/{account}/tariff", json=body, headers=space.headers)
    assert r.status_code == 400, r.text
    assert (await space.client.get(f"/accounts/{account}/tariff", headers=space.headers)).json()["enabled"] is False


async def test_transactions_need_a_tariff_and_a_nonzero_amount(space):
    account = await account_of(space)
    url = f"/accounts/{account}/transactions"
    assert (await space.client.post(url, json={"amount": "5"}, headers=space.headers)).status_code == 409
    await space.client.put(f"/accounts/{account}/tariff", json=TARIFF, headers=space.headers)
    assert (await space.client.post(url, json={"amount": "0"}, headers=space.headers)).status_code == 400


async def test_another_accounts_key_gets_404(space, other_space):
    account = await account_of(space)
    for method, path in (("GET", "tariff"), ("PUT", "tariff"), ("GET", "transactions"), ("POST", "transactions")):
        r = await other_space.client.request(method, f"/accounts/{account}/{path}", headers=other_space.headers,
                                             json={"currency": "EUR", "amount": "1"})
        assert r.status_code == 404, (method, path, r.text)


async def test_amounts_are_plain_decimal_strings_everywhere_they_are_echoed(space):
    """issue 20 #10: 50 was echoed as "5E+1" and 100 as "1E+2"."""
    account = await account_of(space)
    tariff = {"currency": "EUR", "creditLimit": "50",
              "rates": [{"channel": "sms", "country": "GB", "price": "1E+2"},
                        {"channel": "email", "country": "*", "price": 20.0},
                        {"channel": "*", "country": "*", "price": "0.0400"}]}
    r = await space.client.put(f"/accounts/{account}/tariff", json=tariff, headers=space.headers)
    assert r.status_code == 200, r.text
    for body in (r.json(), (await space.client.get(f"/accounts/{account}/tariff", headers=space.headers)).json()):
        assert body["creditLimit"] == "50"
        assert [rate["price"] for rate in body["rates"]] == ["100", "20", "0.04"]
    r = await space.client.post(f"/accounts/{account}/transactions", json={"amount": 100}, headers=space.headers)
    assert r.status_code == 201 and r.json()["amount"] == "100", r.text
    listed = (await space.client.get(f"/accounts/{account}/transactions", headers=space.headers)).json()
    assert [row["amount"] for row in listed] == ["100"]
    assert (await space.client.get(f"/accounts/{account}/tariff", headers=space.headers)).json()["balance"] == "100"
    r = await space.post("/messages", json={"to": {"phoneNumber": UK}, "body": "x" * 300, "rules": ["sms"]})
    assert r.status_code == 402 and "costs 200 EUR" in r.json()["detail"] and "150 EUR left" in r.json()["detail"]
