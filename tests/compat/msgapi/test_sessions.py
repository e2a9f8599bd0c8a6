"""Seed 003 sessions: "sessionId comes from the inbound message body". Every inbound message
names its session; a chat opened by team routing is a session POST /api/v1/session/messages
and /session/close take, with the agent's reply in it."""

from tests.chat.conftest import team  # noqa: F401 - the fixture: a team taking SMS chats
from tests.compat.msgapi.callbacks import customer_app
from tests.compat.msgapi.client import envelope_ok
from tests.compat.msgapi.test_shapes import callbacks


async def inbound_wrappers(app, settings, space, receiver) -> list[dict]:
    return [
        m for b in await callbacks(app, settings, space, receiver) if b["type"] == "messages" for m in b["messages"]
    ]


async def test_a_team_routed_chat_is_a_session(app, api, space, team, settings):  # noqa: F811
    async with customer_app(api) as receiver:
        r = await space.post(
            "/messages/inbounds",
            json={"channel": "sms", "body": "Is my parcel late?", "from": {"phoneNumber": "447700900555"}},
        )
        assert r.status_code == 201, r.text
        (inbound,) = await inbound_wrappers(app, settings, space, receiver)
    session_id = inbound["session"]["sessionId"]
    chat = (await space.get("/chats")).json()[0]
    assert session_id == chat["context"]["conversationId"]
    assert inbound["contactId"] == chat["context"]["profileId"] == "447700900555"
    reply = await space.post(
        f"/chats/{chat['id']}/messages",
        json={"parts": [{"data": "It arrives today"}], "from": {"profileId": "agent-ann"}},
    )
    assert reply.status_code == 200, reply.text
    msgs = envelope_ok(await api.post("/session/messages", {"sessionId": session_id}))["results"]
    assert [(m["type"], m["text"]) for m in msgs] == [
        ("I", "Is my parcel late?"),
        ("O", "Welcome! An agent will be with you shortly."),
        ("O", "It arrives today"),
    ]
    closed = envelope_ok(await api.post("/session/close", {"sessionId": session_id}))["results"][0]
    assert closed["eventCode"] == "SESSION_CLOSED" and closed["contactId"] == "447700900555"


async def test_every_inbound_message_names_a_session_usable_with_the_api(app, api, space, settings):
    async with customer_app(api) as receiver:
        for text in ("Hello", "Anyone there?"):
            r = await space.post(
                "/messages/inbounds",
                json={"channel": "whatsApp", "body": text, "from": {"phoneNumber": "919988776655"}},
            )
            assert r.status_code == 201, r.text
        first, second = await inbound_wrappers(app, settings, space, receiver)
    assert first["session"]["sessionId"] == second["session"]["sessionId"] != ""
    session_id = first["session"]["sessionId"]
    msgs = envelope_ok(await api.post("/session/messages", {"sessionId": session_id}))["results"]
    assert [m["text"] for m in msgs] == ["Hello", "Anyone there?"]
    assert {m["messageId"] for m in msgs} == {first["id"], second["id"]}  # callbacks of two messages: any order
    assert (await api.post("/session/messages", {"sessionId": "whatsApp:someone-else"})).status_code == 404
    envelope_ok(await api.post("/session/resolve", {"sessionId": session_id}))
