"""Templates: CRUD with ETag/If-Match, Liquid checks at save time, sends with templateId."""
from sqlalchemy import func, select

from onecast.kit.models import Event
from onecast.templates.models import Template
from tests.conftest import SpaceClient, app_with

PROMO = {"id": "promotion_message", "name": "Promotion", "description": "Spring offer",
         "messageParts": [{"type": "text/plain", "data": "Hi {{ profile.firstName | default: 'there' }}, "
                                                         "code {{ data.code }}"}]}


async def sandbox_sent(space, message_id):
    return (await space.get("/sandbox/messages", params={"messageId": message_id})).json()


async def template_rows(app):
    async with app.state.db.read() as session:
        return (await session.execute(select(func.count()).select_from(Template))).scalar_one()


async def test_crud_with_etags(space):
    r = await space.post("/templates", json=PROMO)
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["id"] == "promotion_message" and doc["name"] == "Promotion"
    assert doc["variables"] == ["data.code", "profile.firstName"]
    assert doc["missingVariables"] == "empty" and doc["_createdBy"].startswith("access:")
    etag = r.headers["ETag"]
    assert r.headers["Last-Modified"]

    assert (await space.post("/templates", json=PROMO)).status_code == 409
    got = await space.get("/templates/promotion_message")
    assert got.status_code == 200 and got.headers["ETag"] == etag and got.json()["description"] == "Spring offer"

    update = {"name": "Promotion 2", "messageParts": [{"type": "text/plain", "data": "Now {{ data.pct }}%"}]}
    stale = await space.put("/templates/promotion_message", json=update, headers={"If-Match": '"0-nope"'})
    assert stale.status_code == 412 and stale.headers["content-type"].startswith("application/problem+json")
    r = await space.put("/templates/promotion_message", json=update, headers={"If-Match": etag})
    assert r.status_code == 200 and r.json()["variables"] == ["data.pct"] and r.headers["ETag"] != etag

    listed = (await space.get("/templates")).json()
    assert [t["id"] for t in listed] == ["promotion_message"]

    assert (await space.delete("/templates/promotion_message", headers={"If-Match": etag})).status_code == 412
    assert (await space.delete("/templates/promotion_message", headers={"If-Match": r.headers["ETag"]})
            ).status_code == 204
    assert (await space.get("/templates/promotion_message")).status_code == 404
    deleted = await space.get("/templates/promotion_message", params={"includeDeleted": "true"})
    assert deleted.status_code == 200 and deleted.json()["_deleted"] is True
    assert (await space.get("/templates")).json() == []
    # the id of a deleted template can be used again
    assert (await space.post("/templates", json=PROMO)).status_code == 201


async def test_id_from_name_and_pagination(space):
    r = await space.post("/templates", json={"name": "Order shipped!", "messageParts": [
        {"type": "text/plain", "data": "Shipped"}]})
    assert r.status_code == 201 and r.json()["id"] == "Ordershipped"
    for i in range(3):
        await space.post("/templates", json={"id": f"t{i}", "name": "x", "messageParts": [
            {"type": "text/plain", "data": "x"}]})
    first = await space.get("/templates", params={"limit": 2})
    assert [t["id"] for t in first.json()] == ["Ordershipped", "t0"]
    rest = await space.get("/templates", params={"limit": 2, "cursor": first.headers["X-Next-Cursor"]})
    assert [t["id"] for t in rest.json()] == ["t1", "t2"] and "X-Next-Cursor" not in rest.headers


async def test_bad_templates_are_refused_and_nothing_is_stored(app, space):
    before = await template_rows(app)
    cases = [
        ({"type": "text/plain", "data": "Hi {% if %}"}, "TemplateSyntaxError", "line 1"),
        ({"type": "text/plain", "data": "Hi\n{{ data.x | nosuchfilter }}"}, "TemplateSyntaxError", "nosuchfilter"),
        ({"type": "text/plain", "data": "{% include 'secrets.txt' %}"}, "TemplateSyntaxError", "include"),
        ({"type": "text/plain", "data": "{% render 'other' %}"}, "TemplateSyntaxError", "render"),
        ({"type": "text/plain", "data": "Hi {{ frist_name }}"}, "UnknownVariable", "frist_name"),
    ]
    for part, code, words in cases:
        r = await space.post("/templates", json={"id": "bad", "name": "bad", "messageParts": [part]})
        assert r.status_code == 400, (part, r.text)
        body = r.json()
        assert body["code"] == code and words in body["detail"], body
        assert body["validationFailures"][0]["field"] == "messageParts[0].data"
    r = await space.post("/templates", json={"id": "big", "name": "big", "messageParts": [
        {"type": "text/plain", "data": "x" * 70_000}]})
    assert r.status_code == 400 and r.json()["code"] == "TemplateTooLarge"
    r = await space.post("/templates", json={"id": "bad", "name": "bad", "messageParts": [],
                                            "channels": {"sms": {"body": "{{ data.a"}}})
    assert r.status_code == 400 and r.json()["validationFailures"][0]["field"] == "channels.sms.body"
    r = await space.post("/templates", json={"id": "empty", "name": "empty", "messageParts": []})
    assert r.status_code == 400
    assert await template_rows(app) == before


async def test_send_with_template_renders_profile_and_data(space, deliver):
    await space.post("/templates", json=PROMO)
    await space.post("/profiles", json={"id": "ann", "phoneNumber": "447700900301", "firstName": "Ann"})
    r = await space.post("/messages", json={"templateId": "promotion_message", "to": {"profileId": "ann"},
                                            "templateData": {"code": "SPRING"}, "rules": ["sms"],
                                            "channelOptions": {"sms": {"from": "YourCompany"}}})
    assert r.status_code == 201, r.text
    assert r.json()["templateId"] == "promotion_message"
    # a profile without firstName takes the default; a missing data value renders empty (One API)
    r2 = await space.post("/messages", json={"templateId": "promotion_message", "rules": ["sms"],
                                             "to": {"phoneNumber": "447700900302"}})
    assert r2.status_code == 201, r2.text
    await deliver(space)
    assert (await sandbox_sent(space, r.json()["messageId"]))[0]["payload"]["body"] == "Hi Ann, code SPRING"
    assert (await sandbox_sent(space, r2.json()["messageId"]))[0]["payload"]["body"] == "Hi there, code "


async def test_per_channel_bodies_and_fallback_to_parts(space, deliver):
    await space.post("/templates", json={
        "id": "shipped", "name": "Shipped", "title": "Order {{ data.order }}",
        "messageParts": [{"type": "text/plain", "data": "Order {{ data.order }} shipped"}],
        "channels": {"sms": {"body": "#{{ data.order }} is on its way"},
                     "email": {"title": "Your order {{ data.order }}", "htmlBody": "<b>{{ data.order }}</b>"}}})
    r = await space.post("/messages", json={"templateId": "shipped", "templateData": {"order": "A7"},
                                            "to": {"phoneNumber": "447700900303", "email": "a@example.com"},
                                            "rules": ["sms", "email"]})
    assert r.status_code == 201, r.text
    await space.put("/sandbox/settings", json={"failChannels": {"sms": "permanent"}})
    await deliver(space)
    sent = await sandbox_sent(space, r.json()["messageId"])
    assert [s["channel"] for s in sent] == ["email"], sent  # sms failed, the email fallback went
    email = sent[0]
    assert email["payload"]["title"] == "Your order A7"
    assert email["payload"]["body"] == "Order A7 shipped"  # email has no own body: the parts' text
    assert email["payload"]["options"]["htmlBody"] == "<b>A7</b>"
    await space.put("/sandbox/settings", json={})
    r = await space.post("/messages", json={"templateId": "shipped", "templateData": {"order": "A8"},
                                            "to": {"phoneNumber": "447700900303"}, "rules": ["sms"]})
    await deliver(space)
    sms = (await sandbox_sent(space, r.json()["messageId"]))[0]
    assert sms["payload"]["body"] == "#A8 is on its way" and sms["payload"]["title"] == "Order A8"


async def test_reject_policy_and_render_limits(space, deliver):
    await space.post("/templates", json={
        "id": "strict", "name": "strict", "missingVariables": "reject",
        "messageParts": [{"type": "text/plain", "data": "Code {{ data.code }} for {{ profile.name | default: 'you' }}"}]})
    r = await space.post("/messages", json={"templateId": "strict", "to": {"phoneNumber": "447700900304"},
                                            "rules": ["sms"]})
    assert r.status_code == 400 and r.json()["code"] == "MissingVariable" and "data.code" in r.json()["detail"]
    ok = await space.post("/messages", json={"templateId": "strict", "templateData": {"code": 7},
                                             "to": {"phoneNumber": "447700900304"}, "rules": ["sms"]})
    assert ok.status_code == 201, ok.text
    await deliver(space)
    assert (await sandbox_sent(space, ok.json()["messageId"]))[0]["payload"]["body"] == "Code 7 for you"

    # Over a limit with any data: refused when saved. Over it with the send's data: refused when sent.
    for template_id, source in [("loop", "{% for i in (1..N) %}x{% endfor %}"),
                                ("wide", "{% for i in (1..N) %}{{ 'abcdefghijklmnopqrstuvwxyz' }}{% endfor %}")]:
        r = await space.post("/templates", json={"id": template_id, "name": template_id, "messageParts": [
            {"type": "text/plain", "data": source.replace("N", "100000" if template_id == "loop" else "5000")}]})
        assert r.status_code == 400 and r.json()["code"] == "TemplateRenderLimit", r.text
        assert r.json()["validationFailures"][0]["field"] == "messageParts[0].data"
        r = await space.post("/templates", json={"id": template_id, "name": template_id, "messageParts": [
            {"type": "text/plain", "data": source.replace("N", "data.n")}]})
        assert r.status_code == 201, r.text
    r = await space.post("/messages", json={"templateId": "loop", "templateData": {"n": 100000},
                                            "to": {"phoneNumber": "447700900304"}, "rules": ["sms"]})
    assert r.status_code == 400 and r.json()["code"] == "TemplateRenderLimit"
    r = await space.post("/messages", json={"templateId": "wide", "templateData": {"n": 5000},
                                            "to": {"phoneNumber": "447700900304"}, "rules": ["email"]})
    assert r.status_code == 400 and r.json()["code"] == "TemplateRenderLimit"


async def test_template_send_errors(space):
    r = await space.post("/messages", json={"templateId": "nope", "to": {"phoneNumber": "447700900305"},
                                            "rules": ["sms"]})
    assert r.status_code == 400 and r.json()["code"] == "UnknownTemplate"
    r = await space.post("/messages", json={"templateId": "x", "body": "both", "to": {"phoneNumber": "447700900305"},
                                            "rules": ["sms"]})
    assert r.status_code == 400 and "templateId" in r.json()["detail"]
    r = await space.post("/messages", json={"templateData": {"a": 1}, "body": "x",
                                            "to": {"phoneNumber": "447700900305"}, "rules": ["sms"]})
    assert r.status_code == 400 and "templateData" in r.json()["detail"]


async def test_batch_with_template_and_a_bad_item_stores_nothing(app, space, deliver):
    await space.post("/templates", json=PROMO)
    ok = {"templateId": "promotion_message", "templateData": {"code": "B"}, "to": {"phoneNumber": "447700900306"},
          "rules": ["sms"]}
    r = await space.post("/messages/batch", json=[ok, {**ok, "templateId": "missing"}])
    assert r.status_code == 400 and r.json()["validationFailures"][0]["field"] == "[1].templateId"
    r = await space.post("/messages/batch", json=[ok, ok])
    assert r.status_code == 202 and len(r.json()) == 2
    await deliver(space)
    assert (await sandbox_sent(space, r.json()[1]["messageId"]))[0]["payload"]["body"] == "Hi there, code B"


async def test_whatsapp_template_needs_approval_per_channel(app, space, deliver):
    hsm = {"id": "order_update", "name": "Order update", "code": "order_update", "lang": "en_US",
           "category": "UTILITY", "messageParts": [{"type": "text/plain", "data": "Order {{ data.order }} ready"}],
           "channels": {"whatsApp": {"params": ["{{ profile.firstName }}", "{{ data.order }}"]}},
           "approved": [{"channelId": "whatsApp", "status": "pending"}]}
    r = await space.post("/templates", json=hsm)
    assert r.status_code == 201, r.text
    assert r.json()["approved"][0]["status"] == "pending"
    send = {"templateId": "order_update", "templateData": {"order": "B9"},
            "to": {"phoneNumber": "447700900307", "firstName": "Bo"}, "rules": ["whatsApp"]}
    r = await space.post("/messages", json=send)
    assert r.status_code == 400 and r.json()["code"] == "TemplateNotApproved" and "pending" in r.json()["detail"]

    listed = (await space.get("/templates", params={"channelId": "whatsApp", "channelStatus": "approved"})).json()
    assert listed == []
    etag = (await space.get("/templates/order_update")).headers["ETag"]
    upd = {k: v for k, v in hsm.items() if k != "id"}
    upd["approved"] = [{"channelId": "whatsApp", "status": "approved", "templateId": "wa-123"}]
    assert (await space.put("/templates/order_update", json=upd, headers={"If-Match": etag})).status_code == 200
    listed = (await space.get("/templates", params={"channelId": "whatsApp", "channelStatus": "approved"})).json()
    assert [t["id"] for t in listed] == ["order_update"]

    r = await space.post("/messages", json=send)
    assert r.status_code == 201, r.text
    await deliver(space)
    sent = (await sandbox_sent(space, r.json()["messageId"]))[0]
    part = next(p for p in sent["payload"]["parts"] if p["type"] == "whatsapp/template")
    assert part["data"] == {"templateId": "wa-123", "name": "order_update", "language": "en_US",
                            "category": "UTILITY", "params": ["Bo", "B9"]}
    # a PUT without `approved` keeps the approvals
    etag = (await space.get("/templates/order_update")).headers["ETag"]
    upd.pop("approved")
    r = await space.put("/templates/order_update", json=upd, headers={"If-Match": etag})
    assert r.json()["approved"][0]["templateId"] == "wa-123"


async def test_template_events(app, space):
    await space.post("/templates", json=PROMO)
    async with app.state.db.read() as session:
        names = (await session.execute(select(Event.name).where(Event.space_id == space.space_id,
                                                                Event.entity_id == "promotion_message"))).scalars().all()
    assert names == ["template.create"]


async def test_another_space_cannot_see_or_use_a_template(space, other_space):
    await space.post("/templates", json=PROMO)
    assert (await other_space.get("/templates/promotion_message")).status_code == 404
    r = await other_space.post("/messages", json={"templateId": "promotion_message",
                                                  "to": {"phoneNumber": "447700900308"}, "rules": ["sms"]})
    assert r.status_code == 400 and r.json()["code"] == "UnknownTemplate"


async def test_limits_come_from_the_apps_settings_not_the_environment(settings, space):
    """Apps on one database with different template limits each apply their own, at save time
    and at send time (the send path reads the settings its session carries)."""
    loop = {"id": "loop", "name": "Loop",
            "messageParts": [{"type": "text/plain", "data": "{% for i in (1..50) %}{{ data.word }}{% endfor %}"}]}
    send = {"to": {"phoneNumber": "447700900990"}, "rules": ["sms"], "templateId": "loop",
            "templateData": {"word": "abcde"}}
    async with app_with(settings, template_max_bytes=40) as client:
        small = SpaceClient(client, space.space_id, space.key)
        r = await small.post("/templates", json=loop)
        assert r.status_code == 400 and r.json()["code"] == "TemplateTooLarge", r.text
        assert "at most 40 bytes" in r.text
        assert (await space.post("/templates", json=loop)).status_code == 201
        r = await small.post("/messages", json=send)
        assert r.status_code == 400 and r.json()["code"] == "TemplateTooLarge", r.text
    async with app_with(settings, template_output_bytes=100) as client:
        r = await SpaceClient(client, space.space_id, space.key).post("/messages", json=send)
        assert r.status_code == 400 and r.json()["code"] == "TemplateRenderLimit", r.text
    assert (await space.post("/messages", json=send)).status_code == 201
