"""A failure WhatsApp reports in the status webhook (after accepting the message) is treated as
the same failure at send time: the same reason code, and the message falls back to its next rule."""

from tests.channels.vendor_helpers import message, send
from tests.channels.whatsapp.test_whatsapp import USER, open_window
from tests.peers.graph_api import whatsapp_notification


async def wamid_of(wa, mid: str) -> str:
    return (await message(wa, mid))["statusHistory"][-1]["details"]["providerMessageId"]


async def test_a_failed_status_falls_back_to_the_next_rule(wa, graph, notify, deliver):
    await open_window(wa, notify, graph)
    mid = await send(wa, to={"phoneNumber": USER}, body="where are you?", rules=["wa", "sms"])
    await deliver(wa)
    wamid = await wamid_of(wa, mid)
    failed = {
        "id": wamid,
        "status": "failed",
        "timestamp": "1700000000",
        "recipient_id": USER,
        "errors": [
            {
                "code": 131047,
                "title": "Re-engagement message",
                "message": "Re-engagement message",
                "error_data": {
                    "details": "Message failed to send because more than 24 hours have "
                    "passed since the customer last replied."
                },
            }
        ],
    }
    r = await notify(wa, whatsapp_notification(graph.phone_number_id, statuses=[failed]))
    assert r.status_code == 200 and r.json()["statuses"] == 1
    got = await message(wa, mid)
    assert got["status"] == "retrying" and got["statusDetails"]["channel"] == "sms"
    fell = got["statusHistory"][-1]["details"]
    assert fell["reason"] == "WhatsAppSessionWindowClosed" and fell["fallbackFrom"] == "wa"
    assert fell["vendorCode"] == 131047
    # the same report again changes nothing; the next rule delivers
    assert (await notify(wa, whatsapp_notification(graph.phone_number_id, statuses=[failed]))).json()["statuses"] == 0
    await deliver(wa)
    got = await message(wa, mid)  # the sandbox SMS reports delivery at once
    assert got["status"] == "delivered" and got["statusHistory"][-1]["channel"] == "sms"
    assert [h["status"] for h in got["statusHistory"]] == ["processing", "sent", "retrying", "sent", "delivered"]


async def test_errors_of_the_change_itself_explain_a_failed_status(wa, graph, notify, deliver):
    await open_window(wa, notify, graph)
    mid = await send(wa, to={"phoneNumber": USER}, body="x", rules=["wa"])
    await deliver(wa)
    payload = whatsapp_notification(
        graph.phone_number_id,
        statuses=[{"id": await wamid_of(wa, mid), "status": "failed", "timestamp": "1700000000", "recipient_id": USER}],
    )
    payload["entry"][0]["changes"][0]["value"]["errors"] = [
        {"code": 131026, "title": "Message undeliverable", "message": "Message undeliverable"}
    ]
    await notify(wa, payload)
    got = await message(wa, mid)
    assert got["status"] == "failed" and got["statusDetails"]["reason"] == "WhatsAppRejected"
    assert got["statusHistory"][-1]["details"]["vendorCode"] == 131026
