"""Contract of the Messaging APIs v1.0 surface, from reference/seed-003-spec.md: `x-api-key` +
`x-api-id` auth, the ApiResponse / ApiResultsMetaCompactResponse envelopes, each endpoint's body
and result shapes, and the InBoundWrapper callbacks (messages, statuses, events, meta) sent with
`x-verify-token`, status shortcodes READ/DLVRD/SENT/FAILD/DELTD."""
from datetime import timedelta

import pytest

from onecast.kit.clock import utcnow
from tests.compat.msgapi.callbacks import customer_app, drain
from tests.compat.msgapi.client import envelope_ok, text

CONTACT_TYPES = {"SMS", "OA", "EMAIL", "WHATSAPP", "PUSH", "FACEBOOK", "TELEGRAM", "WEBSITE", "TWITTER", "INSTAGRAM",
                 "DUMMY", "EMPTY"}
STATUS_CODES = {"READ", "DLVRD", "SENT", "FAILD", "DELTD"}


async def test_auth_is_x_api_key(api, anon, space, other_space):
    for headers in ({}, {"x-api-key": "nope"}, {"Authorization": f"Bearer {space.key}"}):
        r = await anon.get("/api/v1/config/channels", headers=headers)
        assert r.status_code == 401
        assert r.json()["status"] == 401
    envelope_ok(await anon.get("/api/v1/config/channels", headers={"x-api-key": space.key}))
    r = await api.get("/config/channels", headers={"x-api-id": other_space.space_id})
    assert r.status_code == 404


async def test_channels_list(api, space):
    await space.post("/channels", json={"id": "wa", "type": "whatsApp", "provider": "sandbox", "name": "Support"})
    await space.put("/channels/wa", json={"type": "whatsApp", "provider": "sandbox", "name": "Support"})
    listed = envelope_ok(await api.get("/config/channels"))["results"]
    for item in listed:
        assert set(item) >= {"channelId", "contactType", "lane", "name"}
        assert item["contactType"] in CONTACT_TYPES
    with_sandbox = envelope_ok(await api.get("/config/channels", params={"sandbox": "true"}))["results"]
    typo = envelope_ok(await api.get("/config/channels", params={"sabdnox": "true"}))["results"]
    assert len(with_sandbox) == len(typo) > len(listed)
    assert any(c["channelId"] == "sms" and c["contactType"] == "SMS" for c in with_sandbox)


async def test_hsm_templates(api, space):
    r = await space.post("/templates", json={
        "id": "feedback", "name": "Feedback", "code": "FEEDBACK", "lang": "en_US", "category": "UTILITY",
        "channels": {"whatsApp": {"body": "Paid {{ data.amount }} {{ data.currency }}"}},
        "approved": [{"channelId": "whatsApp", "status": "approved", "templateId": "wa-1"}]})
    assert r.status_code == 201, r.text
    results = envelope_ok(await api.get("/config/tmpl/hsm"))["results"]
    assert results[0]["code"] == "FEEDBACK" and results[0]["lang"] == "en_US"
    assert results[0]["approved"] == [{"channelId": "whatsApp", "status": "approved", "templateId": "wa-1"}]
    assert envelope_ok(await api.get("/config/tmpl/hsm", params={"channelId": "sms"}))["results"] == []
    assert len(envelope_ok(await api.get("/config/tmpl/hsm", params={"channelId": "whatsApp",
                                                                      "channelStatus": "APPROVED"}))["results"]) == 1


async def test_global_vars_is_a_list(api):
    assert envelope_ok(await api.get("/config/global/vars"))["results"] == []


async def test_send_text_answers_with_the_receipt(api, space):
    data = envelope_ok(await api.post("/message/send", text()))["data"]
    assert set(data) >= {"id", "templateCode", "templateId", "type"}
    assert data["type"] == "text"
    core = (await space.get(f"/messages/{data['id']}")).json()
    assert core["body"] == "Hello" and core["to"]["phoneNumber"] == "919988776655" and core["rules"] == ["sms"]


@pytest.mark.parametrize("message, check", [
    ({"type": "image", "image": {"link": "https://example.com/a.png", "caption": "Receipt"}},
     lambda m: m["messageParts"] == [{"type": "text/plain", "data": "Receipt"},
                                     {"type": "image/png", "url": "https://example.com/a.png"}]),
    ({"type": "document", "document": {"link": "https://example.com/i.pdf", "filename": "invoice.pdf"}},
     lambda m: m["messageParts"][0]["name"] == "invoice.pdf"),
    ({"type": "video", "video": {"link": "https://example.com/v.mp4"}},
     lambda m: m["messageParts"][0]["type"] == "video/mp4"),
    ({"type": "audio", "audio": {"link": "https://example.com/a.mp3"}},
     lambda m: m["messageParts"][0]["type"] == "audio/mpeg"),
    ({"type": "location", "location": {"latitude": 12.90909, "longitude": 6.90808, "name": "Main Building",
                                       "address": "1 Hacker Way, Menlo Park, CA, 94025"}},
     lambda m: m["body"].startswith("Main Building\n1 Hacker Way") and "12.90909,6.90808" in m["body"]),
    ({"type": "contacts", "contacts": [{"name": {"formatted_name": "John Smith"},
                                        "phones": [{"phone": "+1 (940) 555-1234", "type": "HOME"}]}]},
     lambda m: "FN:John Smith" in m["messageParts"][0]["data"]),
])
async def test_send_every_message_type(api, space, message, check):
    body = {"channelId": "whatsApp", "to": {"phone": "919988776655"}, **message}
    data = envelope_ok(await api.post("/message/send", body))["data"]
    assert data["type"] == message["type"]
    assert check((await space.get(f"/messages/{data['id']}")).json())


async def test_send_template_by_code(api, space, deliver):
    await space.post("/templates", json={"id": "feedback", "name": "Feedback", "code": "FEEDBACK", "lang": "en_US",
                                         "channels": {"whatsApp": {"body": "Paid {{ data.amount }} {{ data.currency }}"}},
                                         "approved": [{"channelId": "whatsApp", "status": "approved"}]})
    body = {"channelId": "whatsApp", "to": {"phone": "919988776655"}, "type": "template",
            "template": {"code": "FEEDBACK", "lang": "en_US", "data": {"amount": 10, "currency": "INR"}}}
    data = envelope_ok(await api.post("/message/send", body))["data"]
    assert data["templateId"] == "feedback" and data["templateCode"] == "FEEDBACK"
    await deliver(space)
    sent = (await space.get("/sandbox/messages")).json()
    assert any((d.get("payload") or d).get("body") == "Paid 10 INR" for d in sent), sent


async def test_send_template_by_id_answers_its_code(api, space):
    await space.post("/templates", json={"id": "feedback", "name": "Feedback", "code": "FEEDBACK", "lang": "en_US",
                                         "channels": {"whatsApp": {"body": "Paid {{ data.amount }}"}},
                                         "approved": [{"channelId": "whatsApp", "status": "approved"}]})
    body = {"channelId": "whatsApp", "to": {"phone": "919988776655"}, "type": "template",
            "template": {"id": "feedback", "data": {"amount": 10}}}
    data = envelope_ok(await api.post("/message/send", body))["data"]
    assert data["templateId"] == "feedback" and data["templateCode"] == "FEEDBACK"


async def test_optin_and_optout(api, space):
    body = {"channelId": "whatsApp", "to": {"contactId": "c-1", "phone": "919988776655"}, "type": "optout"}
    envelope_ok(await api.post("/message/send", body))
    assert (await space.get("/profiles/c-1")).json()["_optIns"]["whatsApp"] is False
    envelope_ok(await api.post("/message/send", {**body, "type": "optin"}))
    assert (await space.get("/profiles/c-1")).json()["_optIns"]["whatsApp"] is True


async def test_resend(api, space):
    first = envelope_ok(await api.post("/message/send", text(body="again")))["data"]["id"]
    again = envelope_ok(await api.post("/message/send", {**text(), "messageIdResend": first}))["data"]["id"]
    assert again != first
    assert (await space.get(f"/messages/{again}")).json()["body"] == "again"


@pytest.mark.parametrize("body, field", [
    ({"to": {"phone": "1"}, "type": "text", "text": {"body": "x"}}, "channelId"),
    ({"channelId": "sms", "to": {"phone": "919988776655"}, "type": "fax"}, "type"),
    ({"channelId": "sms", "to": {"phone": "919988776655"}, "type": "image"}, "image"),
    ({"channelId": "no_such", "to": {"phone": "919988776655"}, "type": "text", "text": {"body": "x"}}, "channelId"),
    ({"channelId": "sms", "to": {"phone": "12"}, "type": "text", "text": {"body": "x"}}, "to.phone"),
])
async def test_send_errors_name_the_field(api, body, field):
    r = await api.post("/message/send", body)
    assert r.status_code == 400, r.text
    err = r.json()
    assert err["status"] == 400 and err["statusKey"] != "SUCCESS" and err["message"]
    assert err["errors"] and all(e["field"] == field for e in err["errors"]), err


async def test_contact_prefs_and_customer_data(api, space, app):
    envelope_ok(await api.post("/contact/prefs/lang", {"contactId": "fb:12121212121", "lang": "en_US"}))
    assert (await space.get("/profiles/fb:12121212121")).json()["lang"] == "en_US"
    dto = {"id": "cust-9", "type": "customer", "data": {"tier": "gold"},
           "links": [{"linkName": "crm", "linkType": "url", "linkValue": "https://crm/9"}]}
    assert envelope_ok(await api.post("/data/push", dto))["data"]["id"] == "cust-9"
    profile = (await space.get("/profiles/cust-9")).json()
    assert profile["tier"] == "gold" and profile["links"][0]["linkName"] == "crm"
    event = envelope_ok(await api.post("/event/push", {"eventName": "CUSTOMER_CREATED", "id": 1234567}))["data"]
    assert event["eventName"] == "CUSTOMER_CREATED"


async def test_sessions(api, space):
    r = await space.post("/messages/inbounds", json={"channel": "whatsApp", "from": {"phoneNumber": "919988776655"},
                                                     "body": "Hi", "conversationId": "61f3810a02e14c0877fc1a32"})
    assert r.status_code == 201, r.text
    msgs = envelope_ok(await api.post("/session/messages", {"sessionId": "61f3810a02e14c0877fc1a32"}))["results"]
    assert [m["text"] for m in msgs] == ["Hi"]
    for action, code in (("close", "SESSION_CLOSED"), ("resolve", "SESSION_RESOLVED")):
        res = envelope_ok(await api.post(f"/session/{action}", {"sessionId": "61f3810a02e14c0877fc1a32"}))
        assert res["results"][0]["eventCode"] == code
    routed = envelope_ok(await api.post("/session/routing", {"sessionId": "61f3810a02e14c0877fc1a32",
                                                              "queue": "external_bot", "params": {}}))
    assert routed["results"][0]["sessionRouted"]["targetQueue"] == "external_bot"
    assert (await api.post("/session/close", {"sessionId": "nope"})).status_code == 404


async def test_callbacks_are_inbound_wrappers_with_the_verify_token(api, space, app, settings, deliver):
    async with customer_app(api) as receiver:
        token = receiver.app_doc["data"]["secret"]["verifyToken"]
        assert receiver.app_doc["data"]["webhook"].endswith("/api/v1/message/receive")
        await space.put("/sandbox/settings", json={"receipt": "read", "failAddresses": {
            "919900000000": "permanent", "+919900000000": "permanent"}})
        ok = envelope_ok(await api.post("/message/send", text()))["data"]["id"]
        bad = envelope_ok(await api.post("/message/send", text(to="919900000000")))["data"]["id"]
        await deliver(space)
        await space.post("/messages/inbounds", json={"channel": "sms", "from": {"phoneNumber": "919988776655"},
                                                     "body": "Thanks", "conversationId": "s-1"})
        await api.post("/session/close", {"sessionId": "s-1"})
        receiver.fail_with = 503  # the app is down: nothing is lost, deliveries wait for a retry
        assert await drain(app, settings, space) > 0
        assert receiver.received == []
        receiver.fail_with = None
        assert await drain(app, settings, space, at=utcnow() + timedelta(days=1)) > 0
        assert await drain(app, settings, space, at=utcnow() + timedelta(days=2)) == 0  # each event once
    assert {t for t, _ in receiver.received} == {token}
    by_type: dict[str, list] = {}
    for _, body in receiver.received:
        assert body["type"] in ("messages", "actions", "events", "statuses")
        assert {"domain", "server", "debug"} <= set(body["meta"])
        by_type.setdefault(body["type"], []).append(body)
    statuses = {s["id"]: [] for b in by_type["statuses"] for s in b["statuses"]}
    for b in by_type["statuses"]:
        for s in b["statuses"]:
            assert s["status"] in STATUS_CODES and isinstance(s["timestamp"], int)
            statuses[s["id"]].append(s["status"])
    assert statuses[ok] == ["SENT", "DLVRD", "READ"]
    assert statuses[bad] == ["FAILD"]
    failed = next(s for b in by_type["statuses"] for s in b["statuses"] if s["id"] == bad)
    assert failed["errors"][0]["code"] and failed["errors"][0]["title"]
    inbound = by_type["messages"][0]
    assert inbound["messages"][0]["type"] == "text" and inbound["messages"][0]["text"]["body"] == "Thanks"
    assert inbound["messages"][0]["session"]["sessionId"] == "s-1"
    assert inbound["contacts"][0]["contactType"] == "SMS"
    assert by_type["events"][0]["events"][0]["eventCode"] == "SESSION_CLOSED"


async def test_callbacks_are_signed_webhooks(api, space, app, settings):
    """Signed (Standard Webhooks headers) like every webhook, and listed with the space's webhooks."""
    async with customer_app(api) as receiver:
        await space.post("/messages/inbounds", json={"channel": "sms", "from": {"phoneNumber": "919988776655"},
                                                     "body": "Hi"})
        assert await drain(app, settings, space) == 1
    hooks = (await space.get("/webhooks")).json()
    assert [h["url"] for h in hooks] == [receiver.app_doc["data"]["webhook"]]
    (headers,) = receiver.headers
    assert headers["webhook-id"] and headers["webhook-signature"].startswith("v1,")


async def test_setting_the_url_again_keeps_the_app_and_its_token(api, space):
    first = envelope_ok(await api.post("/config/webhook", {"url": "https://customer.example/api/v1/message/receive"}))
    again = envelope_ok(await api.post("/config/webhook", {"url": "https://other.example/api/v1/message/receive"}))
    assert again["data"]["id"] == first["data"]["id"]
    assert again["data"]["secret"] == first["data"]["secret"] and again["data"]["webhook"].startswith("https://other")
    assert [h["url"] for h in (await space.get("/webhooks")).json()] == [again["data"]["webhook"]]
