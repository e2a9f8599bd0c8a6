"""STOP / START / HELP on inbound messages change the profile's opt-in, audited, and later
sends to the opted-out profile are filtered."""
from __future__ import annotations

from tests.rules.conftest import OUR_NUMBER, PHONE, events, inbound, replies


async def _send(space) -> dict:
    r = await space.post("/messages", json={"to": {"profileId": "ann"}, "rules": ["sms"], "body": "Sale!"})
    assert r.status_code == 201, r.text
    return r.json()


async def test_stop_opts_out_then_start_opts_back_in(app, space):
    await space.post("/profiles", json={"id": "ann", "phoneNumber": PHONE})
    assert (await _send(space))["status"] == "processing"

    message = await inbound(space, "Stop!")
    profile = (await space.get("/profiles/ann")).json()
    assert profile["_optIns"]["sms"] is False and profile["_updatedBy"] == "automation:default"
    sent = await _send(space)
    assert sent["status"] == "filtered"
    assert sent["statusDetails"]["skipped"] == [{"channel": "sms", "reason": "OptedOut"}]

    [change] = list(await events(app, space.space_id, "automation.optInChange"))
    assert change.payload["optedIn"] is False and change.payload["keyword"] == "stop"
    assert change.payload["inboundMessageId"] == message["messageId"] and change.payload["changed"] is True
    updates = await events(app, space.space_id, "profile.update")
    assert updates[-1].payload["_optIns"] == {"sms": False}

    await inbound(space, "start")
    assert (await space.get("/profiles/ann")).json()["_optIns"]["sms"] is True
    assert (await _send(space))["status"] == "processing"

    history = (await space.get("/automation/inboundrules/optout/changes", params={"profileId": "ann"})).json()
    assert [(c["keyword"], c["optedIn"]) for c in history["items"]] == [("start", True), ("stop", False)]
    assert history["items"][1]["messageId"] == message["messageId"] and history["cursor"] is None
    page = (await space.get("/automation/inboundrules/optout/changes", params={"limit": 1})).json()
    assert len(page["items"]) == 1 and page["cursor"]
    rest = (await space.get("/automation/inboundrules/optout/changes",
                            params={"limit": 1, "cursor": page["cursor"]})).json()
    assert rest["items"][0]["keyword"] == "stop"


async def test_stop_without_profile_is_recorded(app, space):
    await inbound(space, "STOP")
    [change] = (await space.get("/automation/inboundrules/optout/changes")).json()["items"]
    assert change["profileId"] is None and change["address"] == PHONE and change["optedIn"] is False


async def test_help_replies_without_changing_opt_in(app, space):
    await space.post("/profiles", json={"id": "ann", "phoneNumber": PHONE})
    await inbound(space, "help")
    assert "sms" not in (await space.get("/profiles/ann")).json()["_optIns"]
    [reply] = await replies(app, space.space_id)
    assert reply.request["to"] == {"phoneNumber": PHONE}
    assert "Reply STOP" in reply.request["messageParts"][0]["data"]
    assert reply.request["channelOptions"]["sms"]["from"] == OUR_NUMBER
    assert reply.created_by == "automation:default"


async def test_words_that_merely_contain_a_keyword_do_nothing(app, space):
    await space.post("/profiles", json={"id": "ann", "phoneNumber": PHONE})
    await inbound(space, "Please don't stop sending")
    await inbound(space, "STOPWATCH")
    assert (await space.get("/profiles/ann")).json()["_optIns"] == {}
    assert await events(app, space.space_id, "automation.optInChange") == []


async def test_defaults_only_on_phone_channels(app, space):
    await space.post("/profiles", json={"id": "ann", "email": "ann@example.com"})
    await inbound(space, "STOP", channel="email", sender={"email": "ann@example.com"}, to={"email": "us@example.com"})
    assert (await space.get("/profiles/ann")).json()["_optIns"] == {}


async def test_configured_keywords_per_locale_replace_the_defaults(app, space):
    r = await space.post("/automation/inboundrules/optout", json={
        "channel": "sms", "keyword": "ARRET,ARRÊT", "locale": "fr", "actionData": {
            "opt": "out", "messageParts": [{"type": "text/plain", "data": "Vous êtes désinscrit."}]}})
    assert r.status_code == 201, r.text
    await space.post("/profiles", json={"id": "ann", "phoneNumber": PHONE, "locale": "fr-FR"})
    await space.post("/profiles", json={"id": "bob", "phoneNumber": "447400123457", "locale": "en"})

    await inbound(space, "STOP")  # the defaults no longer apply
    assert (await space.get("/profiles/ann")).json()["_optIns"] == {}
    await inbound(space, "arrêt")
    assert (await space.get("/profiles/ann")).json()["_optIns"] == {"sms": False}
    [confirmation] = await replies(app, space.space_id)
    assert confirmation.request["messageParts"][0]["data"] == "Vous êtes désinscrit."
    # a French keyword does not opt out an English-speaking profile
    await inbound(space, "ARRET", sender={"phoneNumber": "447400123457"})
    assert (await space.get("/profiles/bob")).json()["_optIns"] == {}


async def test_opt_out_of_a_configured_channel_id_covers_its_type(app, space):
    r = await space.post("/channels", json={"id": "sms_uk", "type": "sms", "provider": "sandbox"})
    assert r.status_code in (200, 201), r.text
    await space.post("/profiles", json={"id": "ann", "phoneNumber": PHONE})
    await inbound(space, "STOP", channel="sms_uk")
    assert (await space.get("/profiles/ann")).json()["_optIns"] == {"sms_uk": False, "sms": False}
    r = await space.post("/messages", json={"to": {"profileId": "ann"}, "rules": ["sms_uk"], "body": "x"})
    assert r.json()["status"] == "filtered"
