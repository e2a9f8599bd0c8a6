"""Through the API with a real bind: POST /messages on an sms_smpp channel -> worker ->
the peer got it -> receipt -> delivered; concatenation, encodings, receipts in every order and
id form, failures and expiry, MO messages as inbound messages."""
from __future__ import annotations

import asyncio
import dataclasses

import pytest
from sqlalchemy import select

from onecast.channels.sms_smpp import store
from onecast.channels.sms_smpp.models import SmppPart, SmppPendingReceipt
from onecast.delivery.worker import Worker
from onecast.kit.models import Event
from tests.support.processes import until

PHONE = "447700900123"


async def send(space, body: str, **extra) -> str:
    response = await space.post("/messages", json={"to": {"phoneNumber": PHONE}, "rules": ["sms"], "body": body,
                                                   **extra})
    assert response.status_code == 201, response.text
    return response.json()["messageId"]


async def status_of(space, message_id: str) -> str:
    return (await space.get(f"/messages/{message_id}")).json()["status"]


async def wait_status(space, message_id: str, status: str) -> dict:
    await until(lambda: _is(space, message_id, status), what=f"message {message_id} {status}")
    return (await space.get(f"/messages/{message_id}")).json()


async def _is(space, message_id: str, status: str) -> bool:
    return await status_of(space, message_id) == status


async def events(app, message_id: str) -> dict[str, dict]:
    async with app.state.db.read() as session:
        rows = await session.execute(select(Event).where(Event.entity_id == message_id).order_by(Event.seq))
        return {e.name: e.payload for e in rows.scalars()}


async def test_end_to_end_through_the_api_worker_and_bind_keeper(app, space, smsc, smpp_channel, smpp_settings):
    """The real worker process loop: it starts the bind keeper, delivers, the receipt comes back."""
    await smpp_channel(**{"from": "Onecast"})
    worker = Worker(app.state.db, dataclasses.replace(smpp_settings, worker_poll_seconds=0.01))
    task = asyncio.create_task(worker.run())
    try:
        await until(lambda: smsc.binds, what="the bind keeper to bind")  # bound before any send
        message_id = await send(space, "Your code is 1234")
        await smsc.wait_for(lambda: smsc.texts() == ["Your code is 1234"])
        submitted = smsc.submitted[0]
        assert (submitted.source, submitted.source_ton, submitted.destination) == ("Onecast", 5, PHONE)
        assert submitted.registered_delivery == 1 and submitted.data_coding == 0
        message = await wait_status(space, message_id, "delivered")
        assert [h["status"] for h in message["statusHistory"]] == ["processing", "sent", "delivered"]
        names = await events(app, message_id)
        assert names["message.sent"]["channelData"] == {"sms": {"segmentCount": 1}}
        assert names["message.delivered"]["details"]["additionalInfo"]["stat"] == "DELIVRD"
    finally:
        worker.stop()
        await task
    assert smsc.unbinds >= 1  # graceful unbind when the worker stops


async def test_three_part_concatenation_is_delivered_after_every_part(app, space, smsc, smpp_channel,
                                                                      bind_keeper, deliver):
    await smpp_channel()
    text = "".join(f"part of a long message number {i:03d}. " for i in range(12))  # 420 GSM chars
    assert 306 < len(text) <= 459
    message_id = await send(space, text)
    await deliver(space)
    parts = smsc.submitted
    assert [p.udh[1:] for p in parts] == [(3, 1), (3, 2), (3, 3)]
    assert len({p.udh[0] for p in parts}) == 1
    assert [p.septets_or_units for p in parts] == [153, 153, len(text) - 306]
    assert "".join(p.text for p in parts) == text
    message = await wait_status(space, message_id, "delivered")
    names = await events(app, message_id)
    assert names["message.sent"]["channelData"]["sms"]["segmentCount"] == 3
    assert message["statusDetails"]["status"] == "delivered"


async def test_ucs2_message_in_two_parts(space, smsc, smpp_channel, bind_keeper, deliver):
    await smpp_channel()
    text = "Привет, мир! " * 8  # 104 UCS-2 units: two parts of at most 67
    message_id = await send(space, text)
    await deliver(space)
    assert {p.data_coding for p in smsc.submitted} == {8}
    assert [p.septets_or_units for p in smsc.submitted] == [67, 37]
    assert "".join(smsc.texts()) == text
    await wait_status(space, message_id, "delivered")


async def test_receipts_before_submit_sm_resp_and_in_decimal(space, smsc, smpp_channel, bind_keeper, deliver):
    smsc.receipts = "before"
    smsc.receipt_tlv = False
    smsc.receipt_text_id = "decimal"  # the answer says hex, the receipt text decimal
    await smpp_channel()
    ids = [await send(space, f"early {i}") for i in range(5)]
    await deliver(space)
    for message_id in ids:
        await wait_status(space, message_id, "delivered")


async def test_decimal_ids_matched_by_hex_receipts(space, smsc, smpp_channel, bind_keeper, deliver):
    smsc.id_format = "decimal"
    smsc.receipt_tlv = False
    await smpp_channel()
    message_id = await send(space, "decimal")
    await deliver(space)
    await wait_status(space, message_id, "delivered")


@pytest.mark.parametrize(("stat", "status"), [("UNDELIV", "failed"), ("EXPIRED", "expired"),
                                              ("REJECTD", "failed")])
async def test_receipt_outcomes(space, smsc, smpp_channel, bind_keeper, deliver, stat, status):
    smsc.receipt_stat = stat
    await smpp_channel()
    message_id = await send(space, "will not arrive")
    await deliver(space)
    message = await wait_status(space, message_id, status)
    assert message["statusDetails"]["reason"] == f"Smpp{stat}"


async def test_a_receipt_with_no_submission_waits_until_one_is_recorded(app, space, smsc, smpp_channel):
    """A receipt that came on another process's bind before the submission was written is kept
    and applied by the sweep."""
    channel = await smpp_channel()
    async with app.state.db.read() as session:
        from onecast.channels.service import get_channel
        row = await get_channel(session, space.space_id, channel["id"])
    ref = store.ChannelRef(space.space_id, row.id, row.channel_id)
    from onecast.channels.sms_smpp.receipts import ReceiptInfo
    await store.handle_receipt(app.state.db, ref, ReceiptInfo("00ff", "DELIVRD", "000"))
    message_id = await send(space, "late bookkeeping")
    async with app.state.db.transaction() as session:  # the submission as another process wrote it
        session.add(SmppPart(channel_ref=row.id, space_id=space.space_id, message_id=message_id, smsc_id="255",
                             part=1, parts=1))
    assert await store.sweep(app.state.db) >= 1
    message = (await space.get(f"/messages/{message_id}")).json()
    assert [h["status"] for h in message["statusHistory"]] == ["processing", "sent", "delivered"]
    async with app.state.db.read() as session:
        left = await session.execute(select(SmppPendingReceipt).where(SmppPendingReceipt.channel_ref == row.id))
        assert not left.scalars().all()


async def test_refused_destination_fails_permanently(space, smsc, smpp_channel, bind_keeper, deliver):
    smsc.refuse[PHONE] = 0x0B
    await smpp_channel()
    message_id = await send(space, "to nowhere")
    await deliver(space)
    message = (await space.get(f"/messages/{message_id}")).json()
    assert message["status"] == "failed"
    assert message["statusDetails"]["reason"] == "SmppStatus0x0b"


async def test_unicode_conversion_with_custom_replacements(space, smsc, smpp_channel, bind_keeper, deliver):
    await smpp_channel()
    await send(space, "“Hi” ❤ – café…", channelOptions={"sms": {"allowUnicode": False, "unicodeConversion": {
        "convertUnicodeToGsm": True, "customReplacements": [{"from": "❤", "to": "<3"}]}}})
    await deliver(space)
    assert smsc.texts() == ['"Hi" <3 - café...'] and smsc.submitted[0].data_coding == 0


async def test_refusals_at_the_api(space, smsc, smpp_channel):
    await smpp_channel()
    cases = [
        ({"body": "Ж", "channelOptions": {"sms": {"allowUnicode": False}}}, "UnicodeNotAllowed",
         "channelOptions.sms.allowUnicode"),
        ({"body": "x" * 2001}, "BodyTooLong", "body"),
        ({"body": "hi", "channelOptions": {"sms": {"from": "TwelveLetter"}}}, "SenderInvalid",
         "channelOptions.sms.from"),
        ({"body": "hi", "channelOptions": {"sms": {"from": "1234567890123456"}}}, None, None),
    ]
    for extra, code, field in cases:
        response = await space.post("/messages", json={"to": {"phoneNumber": PHONE}, "rules": ["sms"], **extra})
        assert response.status_code == 400, response.text
        if code:
            problem = response.json()
            assert problem["errors"][0]["field"] == field and code in problem["type"] + problem.get("code", "")
    response = await space.post("/messages", json={"to": {"phoneNumber": "12"}, "rules": ["sms"], "body": "x"})
    assert response.status_code == 400


async def test_channel_config_is_checked(space):
    response = await space.post("/channels", json={"id": "sms", "type": "sms", "provider": "sms_smpp",
                                                   "config": {"host": "127.0.0.1", "systemId": "x", "windowSize": 0}})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "config.windowSize"


async def test_mo_in_ucs2_becomes_an_inbound_message_on_the_profile(space, smsc, smpp_channel, bind_keeper):
    profile = await space.post("/profiles", json={"id": "ivan", "phoneNumber": PHONE})
    assert profile.status_code == 201, profile.text
    await smpp_channel()
    await until(lambda: smsc.bound(), what="the bind keeper to bind")  # nothing sent yet
    assert await smsc.send_mo(PHONE, "60777", "Здравствуйте 👋", ucs2=True) == [0]
    history = (await space.get("/profiles/ivan/messages")).json()
    inbound = [h for h in history if h["direction"] == "inbound"]
    assert len(inbound) == 1
    assert inbound[0]["message"]["body"] == "Здравствуйте 👋"
    assert (inbound[0]["profileId"], inbound[0]["channelId"]) == ("ivan", "sms")


async def test_concatenated_mo_is_joined(space, smsc, smpp_channel, bind_keeper):
    await space.post("/profiles", json={"id": "ana", "phoneNumber": "447700900555"})
    await smpp_channel()
    await until(lambda: smsc.bound(), what="the bind keeper to bind")
    text = "A reply long enough to come in three parts, joined again by reference. " * 3
    assert await smsc.send_mo("447700900555", "60777", text, parts=3) == [0, 0, 0]
    history = (await space.get("/profiles/ana/messages")).json()
    assert [h["message"]["body"] for h in history if h["direction"] == "inbound"] == [text]


async def test_mo_with_a_nul_is_stored_without_it(space, smsc, smpp_channel, bind_keeper):
    """Latin-1 text can carry a NUL byte, which PostgreSQL cannot store: the handset's text is kept
    without it (kit.text.clean) rather than refused, which would make the SMSC retry it forever."""
    await space.post("/profiles", json={"id": "nul", "phoneNumber": "447700900556"})
    await smpp_channel()
    await until(lambda: smsc.bound(), what="the bind keeper to bind")
    assert await smsc.send_mo("447700900556", "60777", "stop\x00 now") == [0]
    history = (await space.get("/profiles/nul/messages")).json()
    assert [h["message"]["body"] for h in history if h["direction"] == "inbound"] == ["stop now"]
