"""Custom channels served by `custom_http`: the rendered message is POSTed, signed, to the
customer's URL; receipts and replies come back through the One API endpoints."""
import dataclasses
import json

import pytest

from tests.channels.vendor_helpers import add_channel, message, send
from tests.conftest import deliver_space
from tests.peers.custom_receiver import CustomReceiver

SECRET = "whsec_c2VjcmV0LWtleS1mb3ItdGVzdHM="


@pytest.fixture
def receiver():
    peer = CustomReceiver(SECRET).start()
    yield peer
    peer.stop()


async def crm(space, url: str, secret: str = SECRET) -> None:
    await add_channel(space, "crm", "custom", "custom_http", {"url": url + "/hook", "secret": secret,
                                                              "idField": "crmId"})


async def test_rendered_message_is_posted_signed_and_receipts_come_back(space, receiver, deliver):
    await crm(space, receiver.url)
    await space.post("/profiles", json={"id": "c1", "crmId": "C-1", "name": "Ann"})
    mid = await send(space, to={"profileId": "c1"}, rules=["crm"], title="Hi", body="Hello {{profile.name}}",
                     customBody={"crm": "{\"text\": \"{{body}}\"}"}, metadata={"case": 5})
    await deliver(space)
    [request] = receiver.accepted
    assert request.headers["webhook-id"] == mid
    sent = json.loads(request.raw)
    assert sent["to"] == {"crmId": "C-1"} and sent["body"] == "Hello Ann" and sent["title"] == "Hi"
    assert sent["customBody"] == '{"text": "Hello Ann"}' and sent["metadata"] == {"case": 5}
    assert sent["messageId"] == mid and sent["channel"] == "crm"
    assert (await message(space, mid))["status"] == "sent"

    r = await space.post(f"/messages/{mid}/statuses/delivered", json={"channel": "crm"})
    assert r.status_code == 200 and r.json()["status"] == "delivered"
    r = await space.post("/messages/inbounds", json={"channel": "crm", "from": {"crmId": "C-1"}, "body": "thanks",
                                                     "correlation": {"messageId": mid}})
    assert r.status_code == 201 and r.json()["profileId"] == "c1"
    assert r.json()["correlation"]["metadata"] == {"case": 5}


async def test_the_url_is_checked_again_when_sending(app, settings, space, receiver):
    """Saved while loopback was allowed; a worker that does not allow it sends nothing."""
    await crm(space, receiver.url)
    mid = await send(space, to={"crmId": "C-9"}, rules=["crm"], body="x")
    await deliver_space(app, dataclasses.replace(settings, outbound_allowed_networks=""), space.space_id)
    got = await message(space, mid)
    assert got["status"] == "failed" and got["statusHistory"][-1]["details"]["reason"] == "UrlNotAllowed", got
    assert receiver.requests == []


async def test_answer_may_report_delivery_and_its_own_id(space, receiver, deliver):
    receiver.answer = {"id": "ext-77", "status": "delivered"}
    await crm(space, receiver.url)
    mid = await send(space, to={"crmId": "C-2"}, rules=["crm"], body="x")
    await deliver(space)
    got = await message(space, mid)
    assert got["status"] == "delivered"
    assert got["statusHistory"][1]["details"]["providerMessageId"] == "ext-77"


async def test_an_answer_with_a_nul_in_the_id_is_recorded_without_it(space, receiver, deliver):
    """The endpoint's JSON can carry "\\u0000": recording the send must not fail on PostgreSQL
    (every attempt did, so the job never ended)."""
    receiver.answer = {"id": "ext\u0000-9", "status": "delivered"}
    await crm(space, receiver.url)
    mid = await send(space, to={"crmId": "C-9"}, rules=["crm"], body="x")
    await deliver(space, timeout=10)
    got = await message(space, mid)
    assert got["status"] == "delivered" and got["statusHistory"][1]["details"]["providerMessageId"] == "ext-9"


async def test_server_errors_are_retried_and_rejections_fall_back(space, receiver, deliver):
    await crm(space, receiver.url)
    receiver.fail_next(503, {"error": "busy"})
    retried = await send(space, to={"crmId": "C-3"}, rules=["crm"], body="x")
    await deliver(space)
    got = await message(space, retried)
    assert got["status"] == "sent" and got["attempts"] == 2

    receiver.fail_next(422, {"error": "unknown customer"})
    fallen = await send(space, to={"crmId": "C-4", "email": "c4@example.com"}, rules=["crm", "email"], body="x")
    await deliver(space)
    got = await message(space, fallen)
    assert got["statusDetails"]["channel"] == "email"
    assert got["statusDetails"]["failedChannels"][0]["reason"] == "CustomEndpointRejected"
    assert got["statusDetails"]["failedChannels"][0]["httpStatus"] == 422


async def test_a_wrong_secret_is_rejected_by_the_receiver(space, receiver, deliver):
    await crm(space, receiver.url, secret="whsec_b3RoZXItc2VjcmV0")
    mid = await send(space, to={"crmId": "C-5"}, rules=["crm"], body="x")
    await deliver(space)
    got = await message(space, mid)
    assert got["status"] == "failed" and receiver.accepted == []
    assert got["statusHistory"][-1]["details"]["httpStatus"] == 401


async def test_missing_config_fails_permanently(space, deliver):
    await add_channel(space, "crm", "custom", "custom_http", {"idField": "crmId"})
    mid = await send(space, to={"crmId": "C-6"}, rules=["crm"], body="x")
    await deliver(space)
    got = await message(space, mid)
    assert got["status"] == "failed" and got["statusDetails"]["reason"] == "ChannelMisconfigured"
