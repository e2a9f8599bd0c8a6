"""WhatsApp Cloud API: sends in the Graph API's wire format, the signed webhook, statuses, and
the 24-hour customer service window."""
import base64
from datetime import timedelta

from sqlalchemy import select

from onecast.channels.whatsapp.models import WhatsAppSession
from onecast.kit.clock import utcnow
from tests.channels.vendor_helpers import inbounds, message, send
from tests.peers.graph_api import graph_error, whatsapp_notification

USER = "447700900123"


async def open_window(wa, notify, graph, text="hi", msg_id="wamid.IN1"):
    r = await notify(wa, whatsapp_notification(graph.phone_number_id, messages=[
        {"from": USER, "id": msg_id, "timestamp": str(int(utcnow().timestamp())), "type": "text",
         "text": {"body": text}}]))
    assert r.status_code == 200, r.text
    return r.json()


async def test_text_outside_the_window_is_refused_naming_the_rule(wa, graph):
    r = await wa.post("/messages", json={"to": {"phoneNumber": USER}, "body": "hello", "rules": ["wa"]})
    assert r.status_code == 400
    problem = r.json()
    assert problem["code"] == "WhatsAppSessionWindowClosed" and problem["errors"][0]["field"] == "rules"
    assert "24-hour customer service window" in problem["detail"] and "template" in problem["detail"]
    assert graph.sent() == []


async def age_window(app, wa, graph, hours: float) -> None:
    async with app.state.db.transaction() as session:
        row = await session.get(WhatsAppSession, (wa.space_id, graph.phone_number_id, USER))
        row.last_inbound_on = utcnow() - timedelta(hours=hours)


async def test_window_closing_before_delivery_fails_naming_the_rule(app, wa, graph, notify, deliver):
    await open_window(wa, notify, graph)
    mid = await send(wa, to={"phoneNumber": USER}, body="hello", rules=["wa"])
    await age_window(app, wa, graph, 25)
    await deliver(wa)
    got = await message(wa, mid)
    assert got["status"] == "failed"
    last = got["statusHistory"][-1]["details"]
    assert last["reason"] == "WhatsAppSessionWindowClosed" and last["permanent"] is True
    assert "24-hour customer service window" in last["error"] and "template" in last["error"]
    assert graph.sent() == []


async def test_inbound_opens_the_window_then_text_is_sent_and_statuses_move_forward(app, wa, graph, notify, deliver):
    await wa.post("/profiles", json={"id": "kerry", "phoneNumber": USER})
    assert await open_window(wa, notify, graph, "Where is my order?") == {"messages": 1, "statuses": 0}
    [inbound] = await inbounds(app, wa.space_id)
    assert inbound.body == "Where is my order?" and inbound.profile_id == "kerry" and inbound.channel == "wa"
    assert inbound.request["channelData"]["whatsApp"]["id"] == "wamid.IN1"

    mid = await send(wa, to={"profileId": "kerry"}, body="On its way", rules=["wa"],
                     channelOptions={"whatsApp": {"enableUrlPreview": True}})
    await deliver(wa)
    [call] = graph.sent()
    assert call.headers["authorization"] == "Bearer wa-token"
    assert call.json == {"messaging_product": "whatsapp", "recipient_type": "individual", "to": USER,
                         "type": "text", "text": {"body": "On its way", "preview_url": True}}
    got = await message(wa, mid)
    assert got["status"] == "sent"
    wamid = got["statusHistory"][-1]["details"]["providerMessageId"]
    assert wamid.startswith("wamid.")

    statuses = [{"id": wamid, "status": s, "timestamp": str(int(utcnow().timestamp())), "recipient_id": USER}
                for s in ("delivered", "read")]
    r = await notify(wa, whatsapp_notification(graph.phone_number_id, statuses=statuses))
    assert r.json() == {"messages": 0, "statuses": 2}
    assert [h["status"] for h in (await message(wa, mid))["statusHistory"]] == ["processing", "sent", "delivered",
                                                                                 "read"]
    # a late "sent" never moves the message backwards
    r = await notify(wa, whatsapp_notification(graph.phone_number_id, statuses=[{**statuses[0], "status": "sent"}]))
    assert r.status_code == 200 and r.json()["statuses"] == 0
    assert (await message(wa, mid))["status"] == "read"


async def test_failed_status_carries_the_vendor_error(wa, graph, notify, deliver):
    await open_window(wa, notify, graph)
    mid = await send(wa, to={"phoneNumber": USER}, body="x", rules=["wa"])
    await deliver(wa)
    wamid = (await message(wa, mid))["statusHistory"][-1]["details"]["providerMessageId"]
    error = {"code": 131026, "title": "Message undeliverable"}
    await notify(wa, whatsapp_notification(graph.phone_number_id, statuses=[
        {"id": wamid, "status": "failed", "timestamp": "1700000000", "recipient_id": USER, "errors": [error]}]))
    got = await message(wa, mid)  # the reason code a send answered with 131026 would have
    assert got["status"] == "failed" and got["statusDetails"]["reason"] == "WhatsAppRejected"
    last = got["statusHistory"][-1]["details"]
    assert last["errors"] == [error] and last["vendorCode"] == 131026 and last["error"] == "Message undeliverable"


async def test_template_is_sent_outside_the_window(wa, graph, deliver):
    template = {"name": "order_update", "language": "en_GB", "parameters": ["Kerry", {"type": "text", "text": "A1"}],
                "components": [{"type": "header", "parameters": [{"type": "text", "text": "Hi"}]}]}
    mid = await send(wa, to={"phoneNumber": USER}, rules=["wa"],
                     messageParts=[{"type": "whatsapp/template", "channels": ["wa"], "data": template}])
    await deliver(wa)
    assert (await message(wa, mid))["status"] == "sent"
    [call] = graph.sent()
    assert call.json["type"] == "template"
    assert call.json["template"] == {
        "name": "order_update", "language": {"code": "en_GB"},
        "components": [{"type": "header", "parameters": [{"type": "text", "text": "Hi"}]},
                       {"type": "body", "parameters": [{"type": "text", "text": "Kerry"},
                                                       {"type": "text", "text": "A1"}]}]}


async def test_an_old_inbound_no_longer_opens_the_window(app, wa, graph, notify):
    await open_window(wa, notify, graph)
    await age_window(app, wa, graph, 23.5)
    assert (await wa.post("/messages", json={"to": {"phoneNumber": USER}, "body": "x", "rules": ["wa"]})
            ).status_code == 201
    await age_window(app, wa, graph, 24.5)
    r = await wa.post("/messages", json={"to": {"phoneNumber": USER}, "body": "x", "rules": ["wa"]})
    assert r.status_code == 400 and r.json()["code"] == "WhatsAppSessionWindowClosed"


async def test_closed_window_skips_to_the_next_channel(wa, graph, deliver):
    mid = await send(wa, to={"phoneNumber": USER}, body="x", rules=["wa", "sms"])
    await deliver(wa)
    got = await message(wa, mid)
    assert got["status"] == "delivered" and got["statusDetails"]["channel"] == "sms"
    assert {"channel": "wa", "reason": "WhatsAppSessionWindowClosed"} in got["statusDetails"]["skipped"]
    assert graph.sent() == []


async def test_meta_reporting_the_window_closed_is_permanent(wa, graph, notify, deliver):
    await open_window(wa, notify, graph)
    graph.closed_windows.add(USER)
    mid = await send(wa, to={"phoneNumber": USER}, body="x", rules=["wa"])
    await deliver(wa)
    got = await message(wa, mid)
    assert got["status"] == "failed" and got["attempts"] == 1
    assert got["statusDetails"]["reason"] == "WhatsAppSessionWindowClosed"
    assert got["statusHistory"][-1]["details"]["vendorCode"] == 131047


async def test_throttling_is_retried(wa, graph, notify, deliver):
    await open_window(wa, notify, graph)
    graph.fail_next(400, graph_error(130429, "Rate limit hit"))
    mid = await send(wa, to={"phoneNumber": USER}, body="x", rules=["wa"])
    await deliver(wa)
    got = await message(wa, mid)
    assert got["status"] == "sent" and got["attempts"] == 2
    assert got["statusHistory"][1]["status"] == "retrying"
    assert got["statusHistory"][1]["details"]["reason"] == "WhatsAppThrottled"


async def test_media_by_link_by_id_and_by_upload(wa, graph, notify, deliver):
    await open_window(wa, notify, graph)
    await send(wa, to={"phoneNumber": USER}, rules=["wa"], messageParts=[
        {"type": "text/plain", "data": "Your invoice"},
        {"type": "image/png", "url": "https://cdn.example.com/a.png"}])
    await send(wa, to={"phoneNumber": USER}, rules=["wa"], messageParts=[
        {"type": "application/pdf", "name": "invoice.pdf", "data": {"id": "4490709327384033"}}])
    pdf = base64.b64encode(b"%PDF-1.4 tiny").decode()
    await send(wa, to={"phoneNumber": USER}, rules=["wa"], messageParts=[
        {"type": "audio/ogg", "name": "note.ogg", "data": pdf}])
    await deliver(wa)
    by_type = {c.json["type"]: c.json for c in graph.sent()}
    assert by_type["image"]["image"] == {"link": "https://cdn.example.com/a.png", "caption": "Your invoice"}
    assert by_type["document"]["document"] == {"id": "4490709327384033", "filename": "invoice.pdf"}
    [upload] = [r for r in graph.requests if r.path.endswith("/media")]
    assert upload.form == {"messaging_product": "whatsapp", "type": "audio/ogg"}
    assert upload.files["file"] == ("note.ogg", "audio/ogg", b"%PDF-1.4 tiny")
    assert by_type["audio"]["audio"]["id"].startswith("media")


async def test_location_contacts_buttons_and_list(wa, graph, notify, deliver):
    await open_window(wa, notify, graph)
    parts = [
        {"type": "application/vnd.onecast.location+json", "data": {"latitude": 51.5, "longitude": -0.12,
                                                                     "name": "Shop"}},
        {"type": "application/vnd.onecast.contacts+json", "data": {"contacts": [
            {"name": {"formatted_name": "Help desk", "first_name": "Help"}, "phones": [{"phone": "+4420"}]}]}},
        {"type": "application/vnd.onecast.buttons+json", "data": {"text": "Happy?", "buttons": [
            {"id": "yes", "title": "Yes"}, {"id": "no", "title": "No"}]}},
        {"type": "application/vnd.onecast.list+json", "data": {"text": "Pick a slot", "button": "Slots", "sections": [
            {"title": "Monday", "rows": [{"id": "mon-9", "title": "09:00"}]}]}},
    ]
    mid = await send(wa, to={"phoneNumber": USER}, rules=["wa"], messageParts=parts)
    await deliver(wa)
    calls = [c.json for c in graph.sent()]
    assert [c["type"] for c in calls] == ["location", "contacts", "interactive", "interactive"]
    assert calls[0]["location"] == {"latitude": 51.5, "longitude": -0.12, "name": "Shop"}
    assert calls[1]["contacts"][0]["name"]["formatted_name"] == "Help desk"
    assert calls[2]["interactive"]["action"]["buttons"][1] == {"type": "reply", "reply": {"id": "no", "title": "No"}}
    assert calls[3]["interactive"]["action"]["sections"][0]["rows"] == [{"id": "mon-9", "title": "09:00"}]
    got = await message(wa, mid)
    assert got["status"] == "sent"
    assert len(got["statusHistory"][-1]["details"]["providerMessageIds"]) == 4


async def test_button_reply_and_media_inbound(app, wa, graph, notify, deliver):
    mid = await send(wa, to={"phoneNumber": USER}, rules=["wa"],
                     messageParts=[{"type": "whatsapp/template", "channels": ["wa"],
                                    "data": {"name": "t", "language": "en"}}], metadata={"order": 9})
    await deliver(wa)
    wamid = (await message(wa, mid))["statusHistory"][-1]["details"]["providerMessageId"]
    await notify(wa, whatsapp_notification(graph.phone_number_id, messages=[
        {"from": USER, "id": "wamid.B", "timestamp": "1700000000", "type": "interactive", "context": {"id": wamid},
         "interactive": {"type": "button_reply", "button_reply": {"id": "yes", "title": "Yes"}}},
        {"from": USER, "id": "wamid.C", "timestamp": "1700000001", "type": "image",
         "image": {"id": "MEDIA9", "mime_type": "image/jpeg", "sha256": "abc", "caption": "look"}},
        {"from": USER, "id": "wamid.D", "timestamp": "1700000002", "type": "reaction",
         "reaction": {"message_id": wamid, "emoji": "+1"}}]))
    button, image, reaction = await inbounds(app, wa.space_id)
    assert button.body == "Yes" and button.request["metadata"] == {"buttonReply": {"id": "yes", "title": "Yes"}}
    assert button.request["correlation"] == {"messageId": mid, "metadata": {"order": 9}}
    assert image.body == "look"
    assert image.request["messageParts"] == [{"type": "image/jpeg",
                                              "data": {"id": "MEDIA9", "sha256": "abc", "caption": "look"}}]
    # what has no part of its own is kept, not dropped
    assert reaction.request["channelData"]["whatsApp"]["reaction"]["emoji"] == "+1"
    assert reaction.request["metadata"] == {"unsupportedType": "reaction"}


async def test_webhook_signature_and_verification(app, wa, graph, notify, anon):
    payload = whatsapp_notification(graph.phone_number_id, messages=[
        {"from": USER, "id": "wamid.X", "timestamp": "1700000000", "type": "text", "text": {"body": "forged"}}])
    r = await notify(wa, payload, secret="not-the-secret")
    assert r.status_code == 401 and r.json()["code"] == "InvalidSignature"
    r = await anon.post(f"/webhooks/whatsapp/{wa.space_id}/wa", json=payload)
    assert r.status_code == 401
    assert await inbounds(app, wa.space_id) == []
    async with app.state.db.read() as session:
        assert (await session.execute(select(WhatsAppSession).where(
            WhatsAppSession.space_id == wa.space_id))).first() is None

    url = f"/webhooks/whatsapp/{wa.space_id}/wa"
    ok = await anon.get(url, params={"hub.mode": "subscribe", "hub.verify_token": "verify-me",
                                     "hub.challenge": "1158201444"})
    assert ok.status_code == 200 and ok.text == "1158201444"
    bad = await anon.get(url, params={"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"})
    assert bad.status_code == 403
    assert (await anon.get(f"/webhooks/whatsapp/{wa.space_id}/nochannel",
                           params={"hub.mode": "subscribe"})).status_code == 404
    assert (await anon.get(f"/webhooks/messenger/{wa.space_id}/wa")).status_code == 404  # not a Messenger channel


async def test_notifications_for_another_number_are_ignored(app, wa, graph, notify):
    r = await notify(wa, whatsapp_notification("999", messages=[
        {"from": USER, "id": "wamid.O", "timestamp": "1700000000", "type": "text", "text": {"body": "x"}}]))
    assert r.status_code == 200 and r.json() == {"messages": 0, "statuses": 0}
    assert await inbounds(app, wa.space_id) == []
