"""Bad input for the send endpoint: a clear problem+json 4xx, and nothing stored."""
import pytest
from sqlalchemy import func, select

from onecast.messages.models import Message
from onecast.profiles.models import Profile

OK = {"to": {"phoneNumber": "447700900700"}, "body": "x", "rules": ["sms"]}

BAD = [
    ({}, "to"),
    ({"to": {"phoneNumber": "447700900700"}, "body": "x"}, "rules"),
    ({**OK, "rules": []}, "rules"),
    ({**OK, "rules": ["sms", "sms"]}, "rules"),
    ({**OK, "rules": ["not a channel"]}, "rules"),
    ({**OK, "rules": ["nosuchchannel"]}, "rules[0]"),
    ({**OK, "to": {}}, "to"),
    ({**OK, "to": {"phoneNumber": "12"}}, "to.phoneNumber"),
    ({**OK, "to": {"phoneNumber": "abcdefghij"}}, "to.phoneNumber"),
    ({**OK, "to": {"email": "not-an-email"}}, "to.email"),
    ({**OK, "to": {"profileId": ""}}, "to.profileId"),
    ({**OK, "to": "447700900700"}, "to"),
    ({"to": OK["to"], "rules": ["sms"]}, ""),
    ({**OK, "messageParts": [{"type": "text/plain", "data": "y"}]}, ""),
    ({**OK, "messageParts": [{"type": "image/png"}]}, "messageParts.0"),
    ({**OK, "customBody": {"sms": {"body": "b"}}, "channelOptions": {"sms": {"from": "Acme"}}}, ""),
    ({**OK, "channelOptions": {"sms": {"from": "A"}}}, "channelOptions.sms.from"),
    ({**OK, "channelOptions": {"whatsApp": "yes"}}, "channelOptions"),
    ({**OK, "expiresOn": "tomorrow"}, "expiresOn"),
    ({**OK, "requireOptIn": "maybe"}, "requireOptIn"),
    ({**OK, "metadata": [1]}, "metadata"),
    ({**OK, "body": 5}, "body"),
    ({**OK, "unknownField": 1}, "unknownField"),
]


async def stored(app, space_id):
    async with app.state.db.transaction() as session:
        m = (await session.execute(select(func.count()).select_from(Message).where(Message.space_id == space_id))).scalar_one()
        p = (await session.execute(select(func.count()).select_from(Profile).where(Profile.space_id == space_id))).scalar_one()
    return m, p


@pytest.mark.parametrize("body,field", BAD)
async def test_bad_send(app, space, body, field):
    r = await space.post("/messages", json=body)
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["status"] == 400 and problem["detail"]
    assert any(field in f["field"] for f in problem["validationFailures"]), problem
    assert await stored(app, space.space_id) == (0, 0)


PLAN_STAGE = [
    ({"to": {"profileId": "p1", "phoneNumber": "1234"}, "body": "x", "rules": ["sms"]}, "ToInvalid"),
    ({"to": {"profileId": "p1"}, "body": "x", "rules": ["nosuchchannel"]}, "UnknownChannel"),
    ({"to": {"profileId": "p1"}, "body": "x", "rules": ["sms"], "expiresOn": "2001-01-01T00:00:00Z"}, "ExpiresOnInPast"),
    ({"to": {"profileId": "p1", "phoneNumber": "447700900700"}, "body": "x" * 2001, "rules": ["sms"]}, "BodyTooLong"),
]


@pytest.mark.parametrize("body,code", PLAN_STAGE)
async def test_refused_send_creates_no_profile(app, space, body, code):
    r = await space.post("/messages", json=body)
    assert r.status_code == 400 and r.json()["code"] == code, r.text
    assert await stored(app, space.space_id) == (0, 0)


async def test_malformed_json(space):
    r = await space.post("/messages", content=b'{"to": ', headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")


async def test_oversized_body(space):
    r = await space.post("/messages", json={**OK, "body": "x" * (2 * 1024 * 1024)})
    assert r.status_code == 413 and r.json()["code"] == "PayloadTooLarge"


async def test_unknown_route_and_method_are_problems(space):
    r = await space.get("/nothing-here")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    r = await space.put("/messages", json=OK)
    assert r.status_code == 405 and r.headers["content-type"].startswith("application/problem+json")
