"""Every status transition: forward moves are stored as events, backward moves are refused."""
import pytest

from onecast.messages.status import FINAL, PROGRESS, can_move

ALL = list(PROGRESS) + sorted(FINAL)
FORWARD = {
    ("processing", "retrying"), ("processing", "sent"), ("processing", "delivered"), ("processing", "read"),
    ("processing", "failed"), ("processing", "expired"), ("processing", "filtered"),
    ("retrying", "retrying"), ("retrying", "sent"), ("retrying", "delivered"), ("retrying", "read"),
    ("retrying", "failed"), ("retrying", "expired"),
    ("sent", "delivered"), ("sent", "read"), ("sent", "failed"), ("sent", "expired"),
    ("delivered", "read"),
}


@pytest.mark.parametrize("current", ALL)
@pytest.mark.parametrize("new", ALL)
def test_transition_table(current, new):
    assert can_move(current, new) == ((current, new) in FORWARD)


async def _sent_message(space, deliver):
    await space.put("/sandbox/settings", json={"receipt": "none"})
    r = await space.post("/messages", json={"to": {"phoneNumber": "447700900300"}, "body": "x", "rules": ["sms"]})
    await deliver(space)
    return r.json()["messageId"]


async def test_receipts_move_forward_only(space, deliver):
    mid = await _sent_message(space, deliver)
    post = lambda status: space.post(f"/messages/{mid}/statuses/{status}",  # noqa: E731
                                     json={"channel": "sms", "channelStatus": {"code": 1}})
    r = await post("delivered")
    assert r.status_code == 200 and r.json()["status"] == "delivered"
    assert (await post("delivered")).status_code == 200  # a duplicate receipt is harmless
    r = await post("sent")
    assert r.status_code == 409 and r.json()["code"] == "StatusNotForward"
    assert (await post("read")).json()["status"] == "read"
    assert (await post("failed")).status_code == 409
    got = (await space.get(f"/messages/{mid}")).json()
    assert [h["status"] for h in got["statusHistory"]] == ["processing", "sent", "delivered", "read"]
    assert got["statusHistory"][2]["details"]["channelStatus"] == {"code": 1}


@pytest.mark.parametrize("final", ["failed", "expired"])
async def test_final_statuses_stick(space, deliver, final):
    mid = await _sent_message(space, deliver)
    r = await space.post(f"/messages/{mid}/statuses/{final}", json={"channel": "sms", "failureReason": "x"})
    assert r.status_code == 200 and r.json()["status"] == final
    for later in ("delivered", "read", "sent", "filtered"):
        assert (await space.post(f"/messages/{mid}/statuses/{later}", json={"channel": "sms"})).status_code == 409


async def test_status_posted_while_processing_cancels_delivery(space, deliver):
    r = await space.post("/messages", json={"to": {"phoneNumber": "447700900301"}, "body": "x", "rules": ["sms"]})
    mid = r.json()["messageId"]
    r = await space.post(f"/messages/{mid}/statuses/filtered", json={"channel": "sms"})
    assert r.json()["status"] == "filtered"
    await deliver(space)
    assert (await space.get(f"/messages/{mid}")).json()["status"] == "filtered"
    assert not (await space.get("/sandbox/messages", params={"messageId": mid})).json()


async def test_timestamp_is_kept(space, deliver):
    mid = await _sent_message(space, deliver)
    r = await space.post(f"/messages/{mid}/statuses/delivered",
                         json={"channel": "sms", "timestamp": "2030-01-02T03:04:05.678Z"})
    assert r.json()["statusHistory"][-1]["timestamp"] == "2030-01-02T03:04:05.678Z"


@pytest.mark.parametrize("status,body", [
    ("unknown", {"channel": "sms"}), ("delivered", {}), ("delivered", {"channel": "bad channel"}),
    ("delivered", {"channel": "sms", "timestamp": "yesterday"}), ("processing", {"channel": "sms"}),
])
async def test_bad_status_posts(space, deliver, status, body):
    mid = await _sent_message(space, deliver)
    r = await space.post(f"/messages/{mid}/statuses/{status}", json=body)
    assert r.status_code == 400
    assert (await space.get(f"/messages/{mid}")).json()["status"] == "sent"


async def test_status_for_unknown_message_is_404(space):
    r = await space.post("/messages/00000000-0000-0000-0000-000000000000/statuses/delivered", json={"channel": "sms"})
    assert r.status_code == 404
