"""Analytics: counts per time bucket and channel from SQL aggregates, zero-filled buckets,
time zones, and reports over data other domains record as events."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from onecast.kit.clock import utcnow
from onecast.verify.models import VerifyRequest
from tests.analytics.conftest import at, event_at

DAY = datetime(2030, 3, 10, tzinfo=UTC)
WINDOW = {"from": "2030-03-10T00:00:00Z", "to": "2030-03-12T00:00:00Z"}


async def _send(space, rules: list[str], to: dict, body: str = "hi") -> str:
    r = await space.post("/messages", json={"to": to, "rules": rules, "body": body})
    assert r.status_code == 201, r.text
    return r.json()["messageId"]


async def _traffic(app, space, deliver) -> None:
    await space.post("/profiles", json={"id": "out", "phoneNumber": "447400123457"})
    assert (await space.delete("/profiles/out/optin", params={"channel": "sms"})).status_code == 200
    await space.post("/channels", json={"id": "sms_uk", "type": "sms", "provider": "sandbox"})
    delivered = await _send(space, ["sms"], {"phoneNumber": "447400123456"}, "x" * 200)  # 2 segments
    sent_uk = await _send(space, ["sms_uk"], {"phoneNumber": "447400123456"})
    filtered = await _send(space, ["sms"], {"profileId": "out"})
    email = await _send(space, ["email"], {"email": "a@example.com"})
    await space.put("/sandbox/settings", json={"receipt": "none"})
    await deliver(space)
    r = await space.post(f"/sandbox/messages/{delivered}/receipts", json={"status": "delivered"})
    assert r.status_code == 200, r.text
    inbound = (await space.post("/messages/inbounds", json={
        "channel": "sms", "from": {"phoneNumber": "447400123456"}, "body": "yo"})).json()["messageId"]
    for message_id in (delivered, sent_uk, filtered, inbound):
        await at(app, message_id, DAY + timedelta(hours=9))
    await at(app, email, DAY + timedelta(days=1, hours=1))


async def test_messages_by_day_and_channel(app, space, deliver):
    await _traffic(app, space, deliver)
    r = await space.get("/analytics/messages", params={**WINDOW, "by": "day"})
    assert r.status_code == 200, r.text
    first, second = r.json()
    assert first["date"] == "2030-03-10T00:00:00.000Z" and first["dateUtc"] == first["date"]
    assert first["attempted"] == 3 and first["failed"] == 0
    assert first["success"] == {"sms": 1, "sms_uk": 1} and first["delivered"] == {"sms": 1}
    assert first["successSegements"] == {"sms": 2, "sms_uk": 1}
    assert first["filtered"] == {"sms": 1} and first["inbound"] == {"sms": 1}
    assert second["attempted"] == 1 and second["success"] == {"email": 1} and second["inbound"] == {}


async def test_buckets_are_zero_filled_and_hourly(app, space, deliver):
    await _traffic(app, space, deliver)
    rows = (await space.get("/analytics/sms/outbound", params={**WINDOW, "by": "hour"})).json()
    assert len(rows) == 48
    nine = rows[9]
    assert nine["date"] == "2030-03-10T09:00:00.000Z"
    assert (nine["submitted"], nine["delivered"], nine["filtered"], nine["undeliverable"]) == (3, 1, 1, 0)
    assert sum(r["submitted"] for r in rows) == 3  # the email is not an SMS
    inbound = (await space.get("/analytics/sms/inbound", params={**WINDOW, "by": "day"})).json()
    assert [r["received"] for r in inbound] == [1, 0]


async def test_local_time_zone_buckets(app, space, deliver):
    message = await _send(space, ["sms"], {"phoneNumber": "447400123456"})
    await at(app, message, datetime(2030, 3, 10, 23, 30, tzinfo=UTC))
    paris = (await space.get("/analytics/sms/outbound", params={**WINDOW, "by": "day",
                                                                 "timezone": "Europe/Paris"})).json()
    # 23:30 UTC is 00:30 the next day in Paris
    assert [(r["date"], r["submitted"]) for r in paris] == [
        ("2030-03-10T00:00:00.000+01:00", 0), ("2030-03-11T00:00:00.000+01:00", 1),
        ("2030-03-12T00:00:00.000+01:00", 0)]
    assert paris[1]["dateUtc"] == "2030-03-10T23:00:00.000Z"
    india = (await space.get("/analytics/sms/outbound", params={
        "from": "2030-03-10T22:00:00Z", "to": "2030-03-11T01:00:00Z", "by": "hour",
        "timezone": "Asia/Kolkata"})).json()
    assert [(r["dateUtc"], r["submitted"]) for r in india] == [
        ("2030-03-10T21:30:00.000Z", 0), ("2030-03-10T22:30:00.000Z", 0), ("2030-03-10T23:30:00.000Z", 1),
        ("2030-03-11T00:30:00.000Z", 0)]


async def test_verify_outcomes(app, space, deliver):
    for number in ("447400123456", "447400123457", "447400123458", "447400123459"):
        r = await space.post("/verify", json={"to": number, "from": "Onecast"})
        assert r.status_code == 201, r.text
    async with app.state.db.transaction() as session:
        base = update(VerifyRequest).where(VerifyRequest.space_id == space.space_id)
        await session.execute(base.values(created_on=DAY + timedelta(hours=1)))
        await session.execute(base.where(VerifyRequest.phone_number == "+447400123456").values(state="verified"))
        await session.execute(base.where(VerifyRequest.phone_number == "+447400123457").values(state="locked"))
        await session.execute(base.where(VerifyRequest.phone_number == "+447400123458").values(
            valid_until=utcnow() - timedelta(minutes=1)))
    rows = (await space.get("/analytics/sms/verify", params=WINDOW)).json()
    assert {k: rows[0][k] for k in ("verified", "locked", "expired", "notVerifed")} == {
        "verified": 1, "locked": 1, "expired": 1, "notVerifed": 1}
    assert rows[1]["verified"] == 0


async def test_event_based_reports(app, space):
    for name, entity, hours, payload in [
        ("interaction.click", "m1", 1, {}), ("interaction.click", "m1", 2, {}), ("interaction.click", "m2", 3, {}),
        ("session.start", "s1", 1, {"platform": "ios", "sdkType": "native"}),
        ("session.start", "s2", 2, {"platform": "ios", "sdkType": "native"}),
        ("session.start", "s3", 2, {"platform": "web"}), ("session.end", "s1", 5, {}),
        ("conversationMessage.sent", "c", 1, {}), ("conversationMessage.sent", "c", 1, {}),
        ("conversationMessage.delivered", "c", 1, {}), ("conversationMessage.read", "c", 30, {}),
    ]:
        await event_at(app, space.space_id, name, entity, DAY + timedelta(hours=hours), payload)
    tracking = (await space.get("/analytics/sms/tracking", params=WINDOW)).json()
    assert (tracking[0]["clicks"], tracking[0]["uniqueClicks"], tracking[0]["sent"]) == (3, 2, 0)
    sessions = (await space.get("/analytics/sessions", params=WINDOW)).json()
    assert sessions[0]["started"] == {"ios": {"native": 2}, "web": {"unknown": 1}} and sessions[0]["ended"] == 1
    conversations = (await space.get("/analytics/conversationmessages", params=WINDOW)).json()
    assert [(c["sent"], c["delivered"], c["read"]) for c in conversations] == [(2, 1, 0), (0, 0, 1)]


async def test_empty_reports_are_zero(space):
    for path in ("/analytics/messages", "/analytics/sms/outbound", "/analytics/sms/inbound", "/analytics/sms/tracking",
                 "/analytics/sms/verify", "/analytics/sessions", "/analytics/conversationmessages"):
        r = await space.get(path, params={**WINDOW, "by": "month"})
        assert r.status_code == 200, (path, r.text)
        [row] = r.json()
        assert row["date"] == "2030-03-01T00:00:00.000Z", path
        assert all(v in (0, {}) for k, v in row.items() if k not in ("date", "dateUtc")), (path, row)
    [row] = (await space.get("/analytics/messages", params={**WINDOW, "by": "alltime"})).json()
    assert row["date"] == "2030-03-10T00:00:00.000Z"


async def test_other_spaces_do_not_count(app, space, other_space, deliver):
    message = await _send(other_space, ["sms"], {"phoneNumber": "447400123456"})
    await at(app, message, DAY)
    rows = (await space.get("/analytics/sms/outbound", params=WINDOW)).json()
    assert sum(r["submitted"] for r in rows) == 0


async def test_bad_parameters(space):
    for params, field in [({**WINDOW, "by": "week"}, "by"), ({"from": WINDOW["to"], "to": WINDOW["from"]}, "to"),
                          ({**WINDOW, "timezone": "Mars/Olympus"}, "timezone"),
                          ({"from": "2000-01-01T00:00:00Z", "to": "2030-01-01T00:00:00Z", "by": "hour"}, "by"),
                          ({"from": "9999-12-31T00:00:00Z", "to": "9999-12-31T23:00:00Z", "by": "year",
                            "timezone": "Asia/Tokyo"}, None)]:
        r = await space.get("/analytics/messages", params=params)
        assert r.status_code in ((400,) if field else (200, 400)), (params, r.text)
        if field:
            assert r.json()["errors"][0]["field"] == field, r.text
    r = await space.get("/analytics/messages", params={"from": WINDOW["from"]})
    assert r.status_code == 400
