"""Inbound messages, their statuses, profile history, redaction and deletion."""
from sqlalchemy import select

from onecast.kit.models import Event


async def test_inbound_links_to_profile_and_emits_event(app, space, deliver):
    await space.post("/profiles", json={"id": "ann", "phoneNumber": "447700900600"})
    out = (await space.post("/messages", json={"to": {"profileId": "ann"}, "body": "Q?", "rules": ["sms"],
                                              "metadata": {"ticket": 7}})).json()
    r = await space.post("/messages/inbounds", json={
        "channel": "sms", "from": {"phoneNumber": "447700900600"}, "to": {"phoneNumber": "447700900999"},
        "body": "A!", "correlation": {"messageId": out["messageId"]}})
    assert r.status_code == 201, r.text
    inbound = r.json()
    assert inbound["status"] == "received" and inbound["profileId"] == "ann"
    assert inbound["correlation"]["metadata"] == {"ticket": 7}
    async with app.state.db.transaction() as session:
        event = (await session.execute(select(Event).where(Event.entity_id == inbound["messageId"]))).scalar_one()
    assert event.name == "message.inbound" and event.payload["body"] == "A!"

    iid = inbound["messageId"]
    r = await space.post(f"/messages/inbounds/{iid}/statuses/read", json={"timestamp": "2030-01-01T00:00:00Z"})
    assert r.status_code == 200 and r.json()["status"] == "read"
    r = await space.post(f"/messages/inbounds/{iid}/statuses/delivered", json={"timestamp": "2030-01-01T00:00:00Z"})
    assert r.status_code == 409
    r = await space.post(f"/messages/inbounds/{iid}/statuses/delivered", json={})
    assert r.status_code == 400
    # an inbound message is read by its id too (issue 18 item 10), as received
    got = (await space.get(f"/messages/{iid}")).json()
    assert got["messageId"] == iid and got["receivedOn"] and "sentOn" not in got and got["status"] == "read"


async def test_inbound_bad_input(space):
    for body in ({"channel": "sms"}, {"channel": "sms", "from": {}}, {"channel": "sms", "from": "447"},
                 {"channel": "sms", "from": {"phoneNumber": 5}}, {"from": {"phoneNumber": "1"}}):
        r = await space.post("/messages/inbounds", json=body)
        assert r.status_code == 400, body


async def test_history_is_newest_first_and_cursor_paged(space, deliver):
    ids = []
    for i in range(7):
        r = await space.post("/messages", json={"to": {"profileId": "hist", "phoneNumber": "447700900601"},
                                               "body": f"m{i}", "rules": ["sms"]})
        ids.append(r.json()["messageId"])
    await deliver(space)
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        r = await space.get("/profiles/hist/messages", params=params)
        assert r.status_code == 200
        seen += [m["messageId"] for m in r.json()]
        cursor = r.headers.get("x-next-cursor")
        if not cursor:
            break
        assert 'rel="next"' in r.headers["link"]
    assert seen == list(reversed(ids))
    page = (await space.get("/profiles/hist/messages", params={"direction": "inbound"})).json()
    assert page == []
    item = (await space.get("/profiles/hist/messages", params={"limit": 1})).json()[0]
    assert item["channelId"] == "sms" and item["direction"] == "outbound" and item["message"]["body"] == "m6"
    r = await space.get("/profiles/hist/messages", params={"cursor": "!!notacursor"})
    assert r.status_code == 400
    r = await space.get("/profiles/hist/messages", params={"limit": 0})
    assert r.status_code == 400


async def test_redact_and_delete(space, deliver):
    r = await space.post("/messages", json={"to": {"phoneNumber": "447700900602"}, "body": "secret 1234",
                                           "title": "t", "rules": ["sms"]})
    mid = r.json()["messageId"]
    assert (await space.patch(f"/messages/{mid}", json={"redact": True})).status_code == 409  # still in flight
    assert (await space.delete(f"/messages/{mid}")).status_code == 409
    await deliver(space)
    r = await space.patch(f"/messages/{mid}", json={"redact": True})
    assert r.status_code == 202
    assert r.json()["body"] == "[redacted]" and r.json()["redacted"] is True
    assert "secret" not in (await space.get(f"/messages/{mid}")).text
    assert (await space.patch(f"/messages/{mid}", json={"redact": "yes please"})).status_code == 400
    assert (await space.delete(f"/messages/{mid}")).status_code == 204
    assert (await space.get(f"/messages/{mid}")).status_code == 404
    assert (await space.delete(f"/messages/{mid}")).status_code == 404
