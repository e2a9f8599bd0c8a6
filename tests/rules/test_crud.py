"""CRUD of /automation/inboundrules and /automation/inboundrules/optout."""
from __future__ import annotations

RULE = {"channel": "sms", "inbound": "*", "keyword": "PRICE,PRICES", "action": "replyMessage",
        "actionData": {"messageParts": [{"type": "text/plain", "data": "It is free."}]}}
OPTOUT = {"channel": "sms", "keyword": "ARRET", "locale": "fr", "actionData": {"opt": "out"}}


async def test_keyword_rule_lifecycle(space):
    r = await space.post("/automation/inboundrules", json=RULE)
    assert r.status_code == 201, r.text
    rule = r.json()
    assert rule["keyword"] == "PRICE,PRICES" and rule["action"] == "replyMessage" and rule["_createdBy"]
    etag = r.headers["ETag"]
    assert [x["id"] for x in (await space.get("/automation/inboundrules")).json()] == [rule["id"]]
    assert (await space.get(f"/automation/inboundrules/{rule['id']}")).json()["inbound"] == "*"

    changed = {**RULE, "keyword": "COST"}
    r = await space.put(f"/automation/inboundrules/{rule['id']}", json=changed, headers={"If-Match": '"0-x"'})
    assert r.status_code == 412
    r = await space.put(f"/automation/inboundrules/{rule['id']}", json=changed, headers={"If-Match": etag})
    assert r.status_code == 200 and r.json()["keyword"] == "COST" and r.headers["ETag"] != etag
    # a keyword rule is not an opt-out rule
    assert (await space.get(f"/automation/inboundrules/optout/{rule['id']}")).status_code == 404
    assert (await space.delete(f"/automation/inboundrules/{rule['id']}")).status_code == 204
    assert (await space.get(f"/automation/inboundrules/{rule['id']}")).status_code == 404
    assert (await space.delete(f"/automation/inboundrules/{rule['id']}")).status_code == 404


async def test_optout_rule_lifecycle(space):
    r = await space.post("/automation/inboundrules/optout", json=OPTOUT)
    assert r.status_code == 201, r.text
    rule = r.json()
    assert rule["action"] == "optOutChange" and rule["actionData"] == {"opt": "out"} and rule["locale"] == "fr"
    assert [x["id"] for x in (await space.get("/automation/inboundrules/optout")).json()] == [rule["id"]]
    assert (await space.get("/automation/inboundrules")).json() == []
    r = await space.put(f"/automation/inboundrules/optout/{rule['id']}", json={**OPTOUT, "keyword": "ARRET,STOP"})
    assert r.json()["keyword"] == "ARRET,STOP"
    assert (await space.delete(f"/automation/inboundrules/optout/{rule['id']}")).status_code == 204
    assert (await space.get("/automation/inboundrules/optout")).json() == []


async def test_invalid_rules_name_the_problem(space):
    bad = [
        {**RULE, "actionData": {}},
        {**RULE, "action": "profileUpdate", "actionData": {}},
        {**RULE, "action": "dance"},
        {**RULE, "keyword": "A,,B"},
        {**RULE, "channel": "not a channel"},
        {**RULE, "actionData": {"profileUpdate": [{"propertyName": "_id", "propertyValue": "x"}]},
         "action": "profileUpdate"},
    ]
    for body in bad:
        r = await space.post("/automation/inboundrules", json=body)
        assert r.status_code == 400, (body, r.text)
    for body in ({**OPTOUT, "actionData": {"opt": "maybe"}}, {**OPTOUT, "locale": "f r"},
                 {**OPTOUT, "actionData": {"opt": "help"}}):
        r = await space.post("/automation/inboundrules/optout", json=body)
        assert r.status_code == 400, (body, r.text)
    r = await space.put("/automation/inboundrules/optout/x", json={**OPTOUT, "id": "y"})
    assert r.status_code in (400, 404)
    assert (await space.get("/automation/inboundrules")).json() == []
