"""Seed 004: "Multiple recipient messages are only possible through the Email platform. For other
platforms, a message with multiple receiver entries will be rejected." Checked against a real SMTP
server (aiosmtpd); errors are application/json, as the document lists for every error answer."""

from tests.channels.email.conftest import email_channel, smtp_peer  # noqa: F401 - the fixture
from tests.compat.bird.conftest import sms


def email_to(*addresses: str) -> dict:
    return {
        "receiver": {"contacts": [{"identifierKey": "emailaddress", "identifierValue": a} for a in addresses]},
        "body": {"type": "text", "text": {"text": "Hello both", "metadata": {"subject": "News"}}},
    }


async def test_two_email_contacts_each_get_the_message(bird, space, deliver, smtp_peer):  # noqa: F811
    peer = smtp_peer()
    channel = await email_channel(space, peer, channel_id="mail")
    r = await bird.send(channel["id"], email_to("ann@example.com", "bob@example.com"))
    assert r.status_code == 202, r.text
    first = r.json()
    assert first["receiver"]["contacts"][0]["identifierValue"] == "ann@example.com"
    await deliver(space)
    assert sorted(rcpt for got in peer.received for rcpt in got.rcpt_tos) == ["ann@example.com", "bob@example.com"]
    assert {got.message["Subject"] for got in peer.received} == {"News"}
    listed = (await bird.request("GET", f"/channels/{channel['id']}/messages")).json()["results"]
    by_address = {m["receiver"]["contacts"][0]["identifierValue"]: m for m in listed}
    assert set(by_address) == {"ann@example.com", "bob@example.com"}
    assert by_address["ann@example.com"]["id"] == first["id"]
    assert {m["status"] for m in listed} == {"sent"}


async def test_several_contacts_on_another_platform_are_rejected(bird, space):
    two = sms()
    two["receiver"]["contacts"].append({"identifierKey": "phonenumber", "identifierValue": "+31612345679"})
    r = await bird.send("sms", two)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/json"
    assert r.json()["code"] == "InvalidPayload" and "receiver.contacts" in r.json()["details"]
    listed = (await bird.request("GET", "/channels/sms/messages")).json()["results"]
    assert listed == []


async def test_every_error_is_application_json(bird, anon, space, other_space):
    answers = [
        await anon.get(f"/workspaces/{space.space_id}/channels/sms/messages"),  # no key: 401
        await bird.request("GET", "/channels/sms/messages", workspace=other_space.space_id),  # 404
        await bird.request("GET", "/channels/nope/messages"),  # unknown channel: 404
        await bird.request("GET", "/channels/sms/messages", params={"limit": "0"}),  # 422
        await bird.send("sms", {"receiver": {"contacts": []}}),  # 422
        await bird.request("POST", "/channels/sms/messages", content=b"{not json"),  # 400
        await bird.request("GET", "/channels/" + "x" * 101 + "/messages"),  # a parameter too long
        await bird.send("sms", {"receiver": {"contacts": []}}, headers={"Idempotency-Key": "k" * 300}),  # 400
    ]
    for r in answers:
        assert r.status_code >= 400
        assert r.headers["content-type"] == "application/json", (r.status_code, r.headers["content-type"])
        assert r.json()["code"] and r.json()["message"]
    assert [r.status_code for r in answers][:6] == [401, 404, 404, 422, 422, 400]
    assert answers[-1].status_code == 400 and answers[-1].json()["code"] == "InvalidIdempotencyKey"
