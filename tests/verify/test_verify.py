"""Verify: a code goes out as an SMS, is kept only hashed, validates once, locks, expires, throttles."""
from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from sqlalchemy import select

from onecast.kit.clock import utcnow
from onecast.messages.models import Message
from onecast.verify import tasks
from onecast.verify.models import VerifyRequest
from onecast.verify.service import scrub_delivered
from tests.verify.conftest import code_received, shift_requests, stored_message_text

NUMBER = "447400123456"


async def _create(space, number: str = NUMBER, **extra) -> dict:
    r = await space.post("/verify", json={"to": number, "from": "Onecast", **extra})
    assert r.status_code == 201, r.text
    return r.json()


async def test_code_is_sent_by_sms_and_verifies_once(app, space, deliver):
    created = await _create(space, body="Code {{code}}, valid {{validMinutes}} min")
    assert created["status"] == "CodeNotVerified" and created["phoneNumber"] == NUMBER
    assert created["numberStatus"] == "On"
    message = (await space.get(f"/messages/{created['messageId']}")).json()
    assert message["rules"] == ["sms"] and message["to"] == {"phoneNumber": NUMBER}
    assert message["channelOptions"]["sms"]["from"] == "Onecast"
    await deliver(space)
    code = await code_received(app, created["messageId"])
    assert len(code) == 6

    wrong = "000000" if code != "000000" else "111111"
    r = await space.put(f"/verify/{created['requestId']}/validate", json={"code": wrong})
    assert r.status_code == 200 and r.json()["status"] == "CodeNotVerified" and r.json()["attemptsLeft"] == 4
    r = await space.put(f"/verify/{created['requestId']}/validate", json={"code": code})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "CodeVerified" and r.json()["verified"]
    # single use: the request is consumed
    r = await space.put(f"/verify/{created['requestId']}/validate", json={"code": code})
    assert r.status_code == 204
    assert (await space.put("/verify/unknown-id/validate", json={"code": code})).status_code == 204


async def test_code_is_never_stored_in_clear_once_sent(app, space, deliver):
    created = await _create(space)
    await deliver(space)
    code = await code_received(app, created["messageId"])
    await scrub_delivered(app.state.db)
    text = await stored_message_text(app, created["messageId"])
    assert code not in text
    assert "Your verification code is ******" in text
    shown = (await space.get(f"/messages/{created['messageId']}")).json()
    assert shown["body"] == "Your verification code is ******" and shown["status"] in ("sent", "delivered")
    async with app.state.db.read() as session:
        request = await session.get(VerifyRequest, created["requestId"])
    assert request.scrubbed and code not in request.code_hash and code not in json.dumps(request.masked)
    # the hash still checks the code
    r = await space.put(f"/verify/{created['requestId']}/validate", json={"code": code})
    assert r.json()["status"] == "CodeVerified"


async def test_validate_scrubs_a_message_that_left_the_worker(app, space, deliver):
    created = await _create(space)
    await deliver(space)
    code = await code_received(app, created["messageId"])
    await space.put(f"/verify/{created['requestId']}/validate", json={"code": "x"})
    assert code not in await stored_message_text(app, created["messageId"])


async def test_in_flight_message_keeps_its_text_until_sent(app, space, deliver):
    created = await _create(space)
    await scrub_delivered(app.state.db)
    async with app.state.db.read() as session:
        request = await session.get(VerifyRequest, created["requestId"])
        message = await session.get(Message, created["messageId"])
    assert not request.scrubbed and message.status == "processing"  # the worker still needs the text
    await deliver(space)
    await scrub_delivered(app.state.db)
    async with app.state.db.read() as session:
        assert (await session.get(VerifyRequest, created["requestId"])).scrubbed


async def test_locked_after_five_wrong_codes(app, space, deliver):
    created = await _create(space)
    await deliver(space)
    code = await code_received(app, created["messageId"])
    wrong = "999999" if code != "999999" else "888888"
    statuses = []
    for _ in range(5):
        r = await space.put(f"/verify/{created['requestId']}/validate", json={"code": wrong})
        statuses.append(r.json()["status"])
    assert statuses == ["CodeNotVerified"] * 4 + ["CodeLocked"]
    r = await space.put(f"/verify/{created['requestId']}/validate", json={"code": code})
    assert r.json()["status"] == "CodeLocked" and r.json()["attemptsLeft"] == 0


async def test_expired_code_is_refused(app, space, deliver):
    created = await _create(space)
    await deliver(space)
    code = await code_received(app, created["messageId"])
    await shift_requests(app, space.space_id, valid_until=utcnow() - timedelta(seconds=1))
    r = await space.put(f"/verify/{created['requestId']}/validate", json={"code": code})
    assert r.json()["status"] == "CodeExpired"


async def test_throttled_per_number(app, space):
    await _create(space)
    r = await space.post("/verify", json={"to": NUMBER, "from": "Onecast"})
    assert r.status_code == 429 and r.json()["code"] == "Throttled" and int(r.headers["Retry-After"]) > 0
    await _create(space, "447400123457")  # another number is not held back
    for _ in range(4):  # past the resend pause, up to 5 codes an hour
        await shift_requests(app, space.space_id, created_on=utcnow() - timedelta(seconds=60))
        await _create(space)
    await shift_requests(app, space.space_id, created_on=utcnow() - timedelta(seconds=60))
    r = await space.post("/verify", json={"to": NUMBER, "from": "Onecast"})
    assert r.status_code == 429
    await shift_requests(app, space.space_id, created_on=utcnow() - timedelta(hours=1, seconds=1))
    await _create(space)


async def test_local_number_with_country(space):
    created = await _create(space, "07400 123456", countryIsoCode="GBR")
    assert created["phoneNumber"] == NUMBER


async def test_bad_input_names_field_and_code(app, space):
    cases = [
        ({"to": NUMBER, "from": "Onecast", "body": "no code here"}, "body", "BodyMissingCode"),
        ({"to": "12", "from": "Onecast"}, "to", "ToInvalid"),
        ({"to": " ", "from": "Onecast"}, "to", "ToEmpty"),
        ({"to": "07400123456", "from": "Onecast", "countryIsoCode": "XXX"}, "countryCode", "CountryIsoCodeInvalid"),
        ({"to": NUMBER, "from": "Onecast Verify"}, "from", "FromExceedsMaxTextLength"),
        ({"to": NUMBER, "from": "1234567890123456"}, "from", "FromExceedsMaxNumericLength"),
        ({"to": NUMBER, "from": "A"}, "from", "FromUnderMinTextLength"),
        ({"to": NUMBER, "from": "On@cast"}, "from", "FromContainsDisallowedCharacters"),
        ({"to": NUMBER, "from": "  "}, "from", "FromEmpty"),
        ({"to": NUMBER, "from": "Onecast", "validUntil": (utcnow() + timedelta(minutes=31)).isoformat()},
         "validUntil", "ValidUntilMaxExceeded"),
        ({"to": NUMBER, "from": "Onecast", "validUntil": (utcnow() - timedelta(minutes=1)).isoformat()},
         "validUntil", "ValidUntilMinExceeded"),
    ]
    for body, field, code in cases:
        r = await space.post("/verify", json=body)
        assert r.status_code == 400, (body, r.text)
        assert r.json()["code"] == code and r.json()["errors"][0]["field"] == field, (body, r.text)
    async with app.state.db.read() as session:
        assert not (await session.execute(select(VerifyRequest).where(
            VerifyRequest.space_id == space.space_id))).first()


async def test_other_space_cannot_validate(space, other_space, deliver):
    created = await _create(space)
    r = await other_space.put(f"/verify/{created['requestId']}/validate", json={"code": "123456"})
    assert r.status_code == 204  # unknown in that space, like any unknown id


async def test_worker_service_scrubs_sent_codes(app, settings, space, deliver):
    created = await _create(space)
    await deliver(space)
    code = await code_received(app, created["messageId"])
    stop = asyncio.Event()
    service = asyncio.create_task(tasks.run(app.state.db, settings, stop))
    try:
        for _ in range(500):
            if code not in await stored_message_text(app, created["messageId"]):
                break
            await asyncio.sleep(0.01)
        assert code not in await stored_message_text(app, created["messageId"])
    finally:
        stop.set()
        await asyncio.wait_for(service, 10)


def test_mask_code_hides_every_copy_but_keeps_addresses():
    from onecast.verify.service import mask_code

    message = {"to": {"phoneNumber": "447400123456"}, "body": "Code 123456", "metadata": {"ref": "x123456"},
               "content": {"channels": {"sms": {"body": "Code:123456!"}}, "note": "use 123456 now"},
               "messageParts": [{"type": "text/plain", "data": "1234567"}]}
    masked = mask_code(message, "123456", "******")
    assert masked["to"] == {"phoneNumber": "447400123456"}  # digits touch it: not the code
    assert masked["body"] == "Code ******" and masked["content"]["channels"]["sms"]["body"] == "Code:******!"
    assert masked["content"]["note"] == "use ****** now" and masked["metadata"] == {"ref": "x******"}
    assert masked["messageParts"][0]["data"] == "******7"
