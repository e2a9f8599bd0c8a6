"""Seed 003 `optin` / `optout` messages (OutBoundMsg.type): every channel id that Channels List
(GET /config/channels) returns is accepted, configured channels' uuids included."""

from tests.compat.msgapi.client import envelope_ok


async def test_optin_and_optout_on_every_listed_channel(api, space):
    created = await space.post("/channels", json={"type": "whatsApp", "provider": "sandbox", "name": "Support"})
    assert created.status_code == 201, created.text
    listed = envelope_ok(await api.get("/config/channels", params={"sandbox": "true"}))["results"]
    channel_ids = [c["channelId"] for c in listed]
    assert created.json()["id"] in channel_ids and any("-" in c for c in channel_ids)
    for channel_id in channel_ids:
        body = {"channelId": channel_id, "to": {"contactId": "c-1", "phone": "919988776655"}, "type": "optout"}
        receipt = envelope_ok(await api.post("/message/send", body))["data"]
        assert receipt["type"] == "optout" and receipt["id"] == "c-1"
        assert (await space.get("/profiles/c-1")).json()["_optIns"][channel_id] is False
        envelope_ok(await api.post("/message/send", {**body, "type": "optin"}))
        assert (await space.get("/profiles/c-1")).json()["_optIns"][channel_id] is True


async def test_an_opt_out_by_uuid_stops_sends_on_that_channel(api, space):
    channel_id = (await space.post("/channels", json={"type": "sms", "provider": "sandbox"})).json()["id"]
    to = {"contactId": "c-2", "phone": "919988776655"}
    envelope_ok(await api.post("/message/send", {"channelId": channel_id, "to": to, "type": "optout"}))
    r = await space.post("/messages", json={"to": {"profileId": "c-2"}, "rules": [channel_id], "body": "x"})
    assert r.status_code == 201 and r.json()["status"] == "filtered", r.text
    assert r.json()["statusDetails"]["skipped"] == [{"channel": channel_id, "reason": "OptedOut"}]
