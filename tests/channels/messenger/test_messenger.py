"""Messenger Send API and webhooks (messages, deliveries, reads) against a Graph API peer."""
import base64

from tests.channels.vendor_helpers import inbounds, message, send
from tests.peers.graph_api import graph_error, messenger_notification

PSID = "2468013579"


async def test_text_with_quick_replies_and_tag(fb, graph, deliver):
    mid = await send(fb, to={"fbMessengerId": PSID}, rules=["fb"],
                     channelOptions={"fbMessenger": {"messageTag": "ACCOUNT_UPDATE"}},
                     messageParts=[{"type": "application/vnd.onecast.buttons+json", "data": {
                         "text": "Pick a color:", "buttons": [{"id": "RED", "title": "Red"},
                                                              {"id": "GREEN", "title": "Green"}]}}])
    await deliver(fb)
    [call] = graph.sent("messenger")
    assert call.query["access_token"] == "page-token"
    assert call.json == {"recipient": {"id": PSID}, "messaging_type": "MESSAGE_TAG", "tag": "ACCOUNT_UPDATE",
                         "message": {"text": "Pick a color:", "quick_replies": [
                             {"content_type": "text", "title": "Red", "payload": "RED"},
                             {"content_type": "text", "title": "Green", "payload": "GREEN"}]}}
    got = await message(fb, mid)
    assert got["status"] == "sent"
    assert got["statusHistory"][-1]["details"]["providerMessageId"].startswith("m_")


async def test_custom_body_and_attachments(fb, graph, deliver):
    await send(fb, to={"fbMessengerId": PSID}, rules=["fb"], body="ignored",
               customBody={"fb": {"text": "Hi {{profile.fbMessengerId}}"}})
    await send(fb, to={"fbMessengerId": PSID}, rules=["fb"],
               channelOptions={"fbMessenger": {"messagingType": "UPDATE"}},
               messageParts=[{"type": "text/plain", "data": "Your ticket"},
                             {"type": "image/png", "url": "https://cdn.example.com/t.png"},
                             {"type": "application/pdf", "name": "t.pdf",
                              "data": base64.b64encode(b"%PDF").decode()}])
    await deliver(fb)
    calls = graph.sent("messenger")
    json_bodies = [c.json for c in calls if c.json is not None]
    assert {"recipient": {"id": PSID}, "messaging_type": "RESPONSE",
            "message": {"text": f"Hi {PSID}"}} in json_bodies
    assert {"recipient": {"id": PSID}, "messaging_type": "UPDATE", "message": {"text": "Your ticket"}} in json_bodies
    assert {"recipient": {"id": PSID}, "messaging_type": "UPDATE", "message": {"attachment": {
        "type": "image", "payload": {"url": "https://cdn.example.com/t.png", "is_reusable": True}}}} in json_bodies
    [upload] = [c for c in calls if c.files]
    assert upload.files["filedata"] == ("t.pdf", "application/pdf", b"%PDF")
    assert '"type": "file"' in upload.form["message"] and upload.form["messaging_type"] == "UPDATE"


async def test_options_are_checked_at_send_time(fb):
    r = await fb.post("/messages", json={"to": {"fbMessengerId": PSID}, "body": "x", "rules": ["fb"],
                                        "channelOptions": {"fbMessenger": {"messagingType": "MESSAGE_TAG"}}})
    assert r.status_code == 400 and r.json()["code"] == "InvalidOption"
    assert "messageTag" in r.text
    r = await fb.post("/messages", json={"to": {"fbMessengerId": PSID}, "body": "x", "rules": ["fb"],
                                        "channelOptions": {"fbMessenger": {"messagingType": "PROMO"}}})
    assert r.status_code == 400 and r.json()["code"] == "InvalidOption"


async def test_outside_the_window_is_permanent_and_falls_back(fb, graph, deliver):
    graph.fail_next(400, graph_error(10, "This message is sent outside of allowed window.", 2018278))
    mid = await send(fb, to={"fbMessengerId": PSID, "email": "p@example.com"}, body="x", rules=["fb", "email"])
    await deliver(fb)
    got = await message(fb, mid)
    assert got["statusDetails"]["channel"] == "email" and got["status"] == "delivered"
    failed = got["statusDetails"]["failedChannels"][0]
    assert failed["reason"] == "MessengerWindowClosed" and "messageTag" in failed["error"]


async def test_inbound_delivery_and_read(app, fb, graph, notify, deliver):
    await fb.post("/profiles", json={"id": "pat", "fbMessengerId": PSID})
    first = await send(fb, to={"profileId": "pat"}, body="one", rules=["fb"])
    second = await send(fb, to={"profileId": "pat"}, body="two", rules=["fb"])
    await deliver(fb)
    mids = [(await message(fb, m))["statusHistory"][-1]["details"]["providerMessageId"] for m in (first, second)]
    sender = {"sender": {"id": PSID}, "recipient": {"id": graph.page_id}, "timestamp": 1700000000000}
    r = await notify(fb, messenger_notification(graph.page_id, [
        {**sender, "delivery": {"mids": [mids[0]], "watermark": 1700000000000}},
        {**sender, "message": {"mid": "m_in1", "text": "Red", "quick_reply": {"payload": "RED"},
                               "reply_to": {"mid": mids[1]}}},
        {**sender, "message": {"mid": "m_in2", "attachments": [
            {"type": "image", "payload": {"url": "https://scontent.example/x.jpg"}}]}},
        {**sender, "message": {"mid": "m_echo", "text": "one", "is_echo": True}},
    ]))
    assert r.json() == {"messages": 2, "statuses": 1}
    assert (await message(fb, first))["status"] == "delivered"
    assert (await message(fb, second))["status"] == "sent"
    reply, picture = await inbounds(app, fb.space_id)
    assert reply.profile_id == "pat" and reply.body == "Red"
    assert reply.request["metadata"] == {"buttonReply": {"id": "RED", "title": "Red"}}
    assert reply.request["correlation"]["messageId"] == second
    assert picture.request["messageParts"] == [{"type": "image/*", "url": "https://scontent.example/x.jpg"}]

    # a read covers everything sent to this person before the watermark
    from onecast.kit.clock import utcnow
    watermark = int(utcnow().timestamp() * 1000) + 1000
    r = await notify(fb, messenger_notification(graph.page_id, [{**sender, "read": {"watermark": watermark}}]))
    assert r.json()["statuses"] == 2
    assert (await message(fb, first))["status"] == "read" and (await message(fb, second))["status"] == "read"


async def test_signature_is_required(app, fb, graph, notify):
    event = {"sender": {"id": PSID}, "recipient": {"id": graph.page_id}, "timestamp": 1,
             "message": {"mid": "m", "text": "forged"}}
    r = await notify(fb, messenger_notification(graph.page_id, [event]), secret="wrong")
    assert r.status_code == 401
    assert await inbounds(app, fb.space_id) == []
