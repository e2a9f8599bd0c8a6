"""Keyword rules on inbound messages: reply, profile update, start chat; the first match runs."""
from __future__ import annotations

from tests.rules.conftest import OUR_NUMBER, PHONE, events, inbound, replies


async def _team(space, team_id: str) -> None:
    r = await space.put(f"/chat/config/teams/{team_id}", json={"name": f"Team {team_id}", "members": []})
    assert r.status_code == 200, r.text


async def _rule(space, keyword: str, action: str, data: dict, **extra) -> dict:
    r = await space.post("/automation/inboundrules", json={"channel": "sms", "keyword": keyword, "action": action,
                                                            "actionData": data, **extra})
    assert r.status_code == 201, r.text
    return r.json()


async def test_reply_goes_back_to_the_sender_from_our_number(app, space, deliver):
    rule = await _rule(space, "PRICE", "replyMessage", {"messageParts": [{"type": "text/plain", "data": "Free."}]})
    inbound_message = await inbound(space, "price please")
    [reply] = await replies(app, space.space_id)
    assert reply.request["to"] == {"phoneNumber": PHONE} and reply.request["rules"] == ["sms"]
    assert reply.request["channelOptions"]["sms"]["from"] == OUR_NUMBER
    assert reply.content["metadata"]["automation"] == {"ruleId": rule["id"],
                                                       "inboundMessageId": inbound_message["messageId"]}
    await deliver(space)
    delivered = (await space.get("/sandbox/messages", params={"messageId": reply.id})).json()
    assert delivered[0]["address"] == "+" + PHONE


async def test_no_reply_loop_with_an_auto_replying_recipient(app, space, deliver):
    r = await space.put("/sandbox/settings", json={"autoReply": "ok thanks"})
    assert r.status_code == 200, r.text
    await _rule(space, "*", "replyMessage", {"messageParts": [{"type": "text/plain", "data": "We got it."}]})
    await inbound(space, "hello")
    await deliver(space)
    assert len(await replies(app, space.space_id)) == 1
    answers = [e.payload["body"] for e in await events(app, space.space_id, "message.inbound")]
    assert answers == ["hello", "ok thanks"]  # the recipient did answer our reply


async def test_profile_update(app, space):
    await space.post("/profiles", json={"id": "ann", "phoneNumber": PHONE})
    await _rule(space, "VIP", "profileUpdate", {"profileUpdate": [{"propertyName": "tier", "propertyValue": "gold"},
                                                                  {"propertyName": "vip", "propertyValue": True}]})
    await inbound(space, "vip")
    profile = (await space.get("/profiles/ann")).json()
    assert profile["tier"] == "gold" and profile["vip"] is True


async def test_profile_update_without_profile_is_skipped(app, space):
    await _rule(space, "VIP", "profileUpdate", {"profileUpdate": [{"propertyName": "tier", "propertyValue": "gold"}]})
    await inbound(space, "VIP")
    [skipped] = await events(app, space.space_id, "automation.skipped")
    assert skipped.payload["reason"] == "NoProfile"


async def test_start_chat_opens_the_senders_chat_with_the_team(app, space):
    await _team(space, "support")
    rule = await _rule(space, "AGENT,HUMAN", "startChat", {"chatTeamId": "support"})
    message = await inbound(space, "Human")
    [event] = await events(app, space.space_id, "automation.startChat")
    assert event.payload["chatTeamId"] == "support" and event.payload["ruleId"] == rule["id"]
    assert event.entity_id == message["messageId"]
    [chat] = (await space.get("/chats")).json()
    assert chat["teamId"] == "support"
    await inbound(space, "human again")  # continues the same chat, and the message joins it once
    assert len((await space.get("/chats")).json()) == 1
    posted = list(await events(app, space.space_id, "chatMessage.sent"))
    assert len(posted) == 2


async def test_start_chat_with_an_unknown_team_is_skipped(app, space):
    await _rule(space, "AGENT", "startChat", {"chatTeamId": "nobody"})
    await inbound(space, "agent")
    [skipped] = await events(app, space.space_id, "automation.skipped")
    assert skipped.payload["reason"] == "UnknownChatTeam"
    assert (await space.get("/chats")).json() == []


async def test_inbound_number_and_channel_must_match(app, space):
    await _team(space, "t")
    await _rule(space, "JOIN", "startChat", {"chatTeamId": "t"}, inbound="+44 7400 999 001")
    await inbound(space, "join")  # sent to OUR_NUMBER, not to 447400999001
    await inbound(space, "join", channel="email", sender={"email": "a@example.com"}, to={"email": "b@example.com"})
    assert await events(app, space.space_id, "automation.startChat") == []
    await inbound(space, "join", to={"phoneNumber": "447400999001"})
    assert len(await events(app, space.space_id, "automation.startChat")) == 1


async def test_stop_wins_over_keyword_rules(app, space):
    await _rule(space, "*", "startChat", {"chatTeamId": "t"})
    await inbound(space, "stop")
    assert await events(app, space.space_id, "automation.startChat") == []
    assert len(await events(app, space.space_id, "automation.optInChange")) == 1


async def test_a_failing_rule_never_loses_the_inbound_message(app, space, monkeypatch):
    from onecast.rules import inbound as engine

    async def broken(*_args):
        raise RuntimeError("rule bug")

    monkeypatch.setattr(engine, "_apply", broken)
    message = await inbound(space, "STOP")
    [skipped] = await events(app, space.space_id, "automation.skipped")
    assert skipped.payload["reason"] == "RuleFailed" and skipped.entity_id == message["messageId"]
    assert len(await events(app, space.space_id, "message.inbound")) == 1
