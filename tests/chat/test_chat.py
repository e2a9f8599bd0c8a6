"""The agent inbox: chats opened by app users, One API sends and inbound messages; agents
assign, answer, close and move chats; team config and presence."""
from datetime import UTC, datetime

from sqlalchemy import select

from onecast.chat.teams import in_working_hours
from onecast.kit.models import Event
from tests.appusers.helpers import start_session

CONVERSATION_ROLES = {"owner": {"canSend": True, "canAddParticipants": True, "canRemoveParticipants": True},
                      "participant": {"canSend": True, "canAddParticipants": False, "canRemoveParticipants": False}}


async def _visitor_writes(anon, space, text="Hello, I need help"):
    visitor = await start_session(anon, space.space_id, anonymous_id="v1")
    cid = f"Support_Team_{visitor.profile_id}"
    r = await visitor.request("POST", "/conversations", json={"id": cid, "name": "Support", "isPublic": False,
                                                               "roles": CONVERSATION_ROLES})
    assert r.status_code == 201, r.text
    r = await visitor.request("POST", f"/conversations/{cid}/messages", json={"parts": [{"data": text}]})
    assert r.status_code == 200, r.text
    return visitor, cid


async def _texts(client_request, path):
    page = (await client_request("GET", path)).json()
    return [(m["context"]["from"]["id"], m["parts"][0]["data"]) for m in reversed(page["messages"])]


async def test_team_config(space, team):
    config = (await space.get("/chat/config")).json()
    assert config["teams"][0]["teamId"] == "support"
    assert config["teams"][0]["channels"]["appMessagingConfig"]["welcomeMessage"]["text"].startswith("Welcome")
    assert config["teams"][0]["channels"]["sms"] == {"number": "447700900999"}
    assert (await space.get("/chat/config/teams/support")).json() == {
        "id": "support", "name": "Support Team", "members": [{"username": "agent-ann"}], "isPublic": True}
    assert config["teams"][0]["isPublic"] is True
    assert (await space.delete("/chat/config/teams/support/sms")).status_code == 204
    assert "sms" not in (await space.get("/chat/config")).json()["teams"][0]["channels"]
    r = await space.put("/chat/config/teams/support/settings", json={"timezone": "Mars/Olympus"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "timezone"
    r = await space.put("/chat/config/teams/other", json={"name": "Support Team"})
    assert r.status_code == 400  # names make conversation ids: they must differ
    assert (await space.delete("/chat/config/teams/support")).status_code == 204
    assert (await space.get("/chat/config/teams/support")).status_code == 404


async def test_visitor_opens_chat_agent_answers_visitor_reads(app, anon, space, team):
    visitor, cid = await _visitor_writes(anon, space)
    chats = (await space.get("/chats")).json()
    assert len(chats) == 1
    chat = chats[0]
    assert chat["teamId"] == "support" and chat["channelId"] == "appMessaging" and chat["status"] == "new"
    assert chat["context"]["conversationId"] == cid and chat["participants"] == [
        {"id": visitor.profile_id, "role": "participant"}]
    r = await space.put(f"/chats/{chat['id']}/assign", json={"teamId": "support", "agentId": "agent-ann"})
    assert r.status_code == 200 and r.json()["agentId"] == "agent-ann"
    r = await space.post(f"/chats/{chat['id']}/messages",
                         json={"parts": [{"type": "text/plain", "data": "Hi, Ann here"}],
                               "from": {"profileId": "agent-ann"}})
    assert r.status_code == 200, r.text
    assert await _texts(visitor.request, f"/conversations/{cid}/messages") == [
        (visitor.profile_id, "Hello, I need help"), ("support", "Welcome! An agent will be with you shortly."),
        ("agent-ann", "Hi, Ann here")]
    assert (await space.get(f"/chats/{chat['id']}")).json()["status"] == "replied"
    # The agent's view is the same stream.
    assert len((await space.get(f"/chats/{chat['id']}/messages")).json()["messages"]) == 3
    events = (await space.get(f"/chats/{chat['id']}/events")).json()
    assert [e["eventId"] for e in events] == [0, 1, 2]
    # The visitor writes again: the same chat continues.
    await visitor.request("POST", f"/conversations/{cid}/messages", json={"parts": [{"data": "thanks"}]})
    assert len((await space.get("/chats")).json()) == 1
    async with app.state.db.read() as session:
        names = (await session.execute(select(Event.name).where(Event.entity_id == chat["id"]))).scalars().all()
    assert names.count("chatMessage.sent") == 4 and {"chat.create", "chat.assigned"} <= set(names)


async def test_reply_as_team_hides_the_agent(anon, space, team):
    await space.put("/chat/config/teams/support/appMessaging", json={"replyAs": "team"})
    visitor, cid = await _visitor_writes(anon, space)
    chat = (await space.get("/chats")).json()[0]
    await space.post(f"/chats/{chat['id']}/messages", json={"parts": [{"data": "We're on it"}],
                                                            "from": {"profileId": "agent-ann"}})
    last = (await visitor.request("GET", f"/conversations/{cid}/messages")).json()["messages"][0]
    assert last["context"]["from"] == {"id": "support", "name": "Support Team"}


async def test_close_sends_close_message_then_a_new_chat_starts(anon, space, team):
    visitor, cid = await _visitor_writes(anon, space)
    chat = (await space.get("/chats")).json()[0]
    r = await space.put(f"/chats/{chat['id']}/close", json={})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    assert (await _texts(visitor.request, f"/conversations/{cid}/messages"))[-1][1] == "Thanks for chatting!"
    r = await space.post(f"/chats/{chat['id']}/messages", json={"parts": [{"data": "late"}]})
    assert r.status_code == 409
    assert (await space.get("/chats")).json() == []
    assert [c["id"] for c in (await space.get("/chats", params={"includeClosed": "true"})).json()] == [chat["id"]]
    await visitor.request("POST", f"/conversations/{cid}/messages", json={"parts": [{"data": "one more thing"}]})
    reopened = (await space.get("/chats")).json()
    assert len(reopened) == 1 and reopened[0]["id"] != chat["id"]
    r = await space.put(f"/chats/{reopened[0]['id']}/close", json={"bypassMessage": True})
    assert (await _texts(visitor.request, f"/conversations/{cid}/messages"))[-1][1] != "Thanks for chatting!"


async def test_one_api_send_lands_in_the_chat(space, team):
    await space.post("/profiles", json={"id": "bea", "phoneNumber": "447700900123"})
    r = await space.post("/messages", json={"to": {"profileId": "bea"}, "body": "Your order shipped",
                                            "rules": ["sms"], "conversationId": "Support_Team_bea"})
    assert r.status_code == 201, r.text
    chats = (await space.get("/chats", params={"profileId": "bea"})).json()
    assert len(chats) == 1 and chats[0]["context"]["conversationId"] == "Support_Team_bea"
    page = (await space.get(f"/chats/{chats[0]['id']}/messages")).json()
    assert page["messages"][0]["parts"][0]["data"] == "Your order shipped"
    assert page["messages"][0]["metadata"]["messageId"] == r.json()["messageId"]


async def test_inbound_sms_opens_chat_and_agent_reply_goes_back_by_sms(space, team, deliver):
    r = await space.post("/messages/inbounds", json={"channel": "sms", "from": {"phoneNumber": "447700900555"},
                                                     "body": "Is my parcel late?"})
    assert r.status_code == 201, r.text
    chat = (await space.get("/chats")).json()[0]
    assert chat["channelId"] == "sms" and chat["context"]["profileId"] == "447700900555"
    r = await space.post(f"/chats/{chat['id']}/messages", json={"parts": [{"data": "It arrives today"}],
                                                                "from": {"profileId": "agent-ann"}})
    assert r.status_code == 200, r.text
    history = (await space.get("/profiles/447700900555/messages")).json()
    outbound = [h for h in history if h.get("direction") == "outbound"]
    assert outbound and outbound[0]["message"]["body"] == "It arrives today"
    # The relayed send did not come back into the chat as a second message.
    assert len((await space.get(f"/chats/{chat['id']}/messages")).json()["messages"]) == 3
    # A second SMS continues the chat.
    await space.post("/messages/inbounds", json={"channel": "sms", "from": {"phoneNumber": "447700900555"},
                                                 "body": "Great"})
    assert len((await space.get("/chats")).json()) == 1


async def test_out_of_hours_message(anon, space, team):
    today = datetime.now(UTC).strftime("%A")
    other_days = "Weekend" if today not in ("Saturday", "Sunday") else "Monday to Friday"
    r = await space.put("/chat/config/teams/support/settings", json={
        "outOfHoursMessage": "We're closed, back tomorrow", "outOfHoursMessageEnabled": True,
        "workingHours": [{"days": other_days, "from": "00:00", "to": "23:59"}]})
    assert r.status_code == 200, r.text
    visitor, cid = await _visitor_writes(anon, space)
    assert (await _texts(visitor.request, f"/conversations/{cid}/messages"))[-1][1] == "We're closed, back tomorrow"


def test_working_hours():
    settings = {"timezone": "Europe/London", "workingHours": [{"days": "Monday to Friday", "from": "09:00",
                                                               "to": "17:30"}]}
    assert in_working_hours(settings, datetime(2026, 7, 6, 8, 30, tzinfo=UTC))  # Mon 09:30 BST
    assert not in_working_hours(settings, datetime(2026, 7, 6, 7, 30, tzinfo=UTC))
    assert not in_working_hours(settings, datetime(2026, 7, 4, 12, 0, tzinfo=UTC))  # Saturday
    assert in_working_hours({}, datetime(2026, 7, 4, 3, 0, tzinfo=UTC))


async def test_chat_crud_channel_form_typing_participants(space, team):
    r = await space.post("/chats", json={"id": "c-1", "name": "Returns", "teamId": "support",
                                         "channelId": "appMessaging",
                                         "participants": [{"id": "cat", "role": "participant"},
                                                          {"id": "agent-ann", "role": "agent"}]})
    assert r.status_code == 201, r.text
    assert r.json()["context"]["conversationId"] == "Support_Team_cat"
    assert (await space.post("/chats", json={"id": "c-1", "name": "x", "teamId": "support",
                                             "channelId": "sms"})).status_code == 409
    assert (await space.post("/chats", json={"name": "x", "teamId": "nope", "channelId": "sms"})).status_code == 404
    etag = (await space.get("/chats/c-1")).headers["ETag"]
    assert (await space.put("/chats/c-1", json={"name": "R"}, headers={"If-Match": '"x"'})).status_code == 412
    assert (await space.put("/chats/c-1", json={"name": "Returns 2"}, headers={"If-Match": etag})).status_code == 200
    r = await space.put("/chats/c-1/channel", json={"channelId": "email"})
    assert r.json()["channelId"] == "email"
    r = await space.post("/chats/c-1/form", json={"formTemplateId": "feedback"})
    assert r.status_code == 200
    page = (await space.get("/chats/c-1/messages")).json()
    assert page["messages"][0]["parts"][0]["type"] == "application/vnd.onecast.form+json"
    assert (await space.post("/chats/c-1/typing")).status_code == 400
    assert (await space.post("/chats/c-1/typing", params={"profileId": "agent-ann"})).status_code == 204
    assert (await space.get("/chats/c-1/participants")).json() == [{"id": "cat", "role": "participant"},
                                                                   {"id": "agent-ann", "role": "agent"}]
    assert (await space.get("/chats", params={"idsOnly": "true"})).json() == ["c-1"]
    assert (await space.delete("/chats/c-1")).status_code == 204
    assert (await space.get("/chats/c-1")).status_code == 404


async def test_agent_presence_without_a_socket(space):
    r = await space.get("/presence", params={"id": ["agent-ann"]})
    assert r.json()[0]["status"] == "offline"
    assert (await space.post("/presence/away", params={"profileId": "agent-ann"})).status_code == 204
    body = (await space.get("/presence", params={"id": ["agent-ann"]})).json()[0]
    assert body["isAway"] is True and body["isConnected"] is False and body["status"] == "offline"
    assert (await space.get("/presence", params={"id": ["agent-ann"], "status": "available"})).json() == []
    r = await space.get("/presence/appmessaging", params={"id": ["somebody"]})
    assert r.json() == [{"profileId": "somebody", "status": "offline", "lastUpdatedOn": None, "createdOn": None}]


async def test_nobody_creates_another_users_chat_conversation(anon, space, team):
    mallory = await start_session(anon, space.space_id, anonymous_id="mallory")
    r = await mallory.request("POST", "/conversations", json={"id": "Support_Team_anon_alice", "name": "x",
                                                               "isPublic": False, "roles": CONVERSATION_ROLES})
    assert r.status_code == 403
    r = await mallory.request("POST", "/conversations", json={"id": f"Support_Team_{mallory.profile_id}",
                                                               "name": "x", "isPublic": False,
                                                               "roles": CONVERSATION_ROLES})
    assert r.status_code == 201


async def test_listing_pages_in_sql_with_filters_combined(space, team):
    """More chats than a page: filtering on participant, closed and deleted happens before the
    page is cut, so every page is full and the pages together are exactly the matching chats."""
    expected = []
    for i in range(20):
        agent = ["dan", "danny", "ann"][i % 3]  # "danny" must not match "dan"
        chat_id = f"page-{i:02d}"
        r = await space.post("/chats", json={"id": chat_id, "name": f"Chat {i}", "teamId": "support",
                                             "channelId": "appMessaging",
                                             "participants": [{"id": f"user-{i}", "role": "participant"},
                                                              {"id": agent, "role": "agent"}]})
        assert r.status_code == 201, r.text
        if i % 4 == 1:
            assert (await space.put(f"/chats/{chat_id}/close", json={"bypassMessage": True})).status_code == 200
        if i % 5 == 2:
            assert (await space.delete(f"/chats/{chat_id}")).status_code == 204
        if agent == "dan" and i % 4 != 1 and i % 5 != 2:
            expected.append(chat_id)
    assert len(expected) == 5

    async def pages(**params):
        got, skip = [], 0
        while True:
            r = await space.get("/chats", params={**params, "limit": 2, "skip": skip})
            assert r.status_code == 200, r.text
            got.extend(c if isinstance(c, str) else c["id"] for c in r.json())
            if len(r.json()) < 2:
                return got
            skip += 2

    assert await pages(profileId="dan", scope="profile") == expected
    assert await pages(profileId="dan", idsOnly="true") == expected
    with_closed = await pages(profileId="dan", includeClosed="true")
    assert with_closed == [f"page-{i:02d}" for i in range(20) if i % 3 == 0 and i % 5 != 2]
    every = await pages(includeClosed="true", includeDeleted="true")
    assert every == [f"page-{i:02d}" for i in range(20)]
    r = await space.get("/chats", params={"profileId": "dan", "limit": 1, "skip": 1})
    assert [c["id"] for c in r.json()] == expected[1:2]
    assert r.json()[0]["participants"][1] == {"id": "dan", "role": "agent"}


async def test_last_messages_of_a_page_of_chats_in_one_query(app, space, team):
    """The console inbox's "last message" column: the newest message of every chat of the page,
    read with one statement, the same as the newest of each chat's own history."""
    from sqlalchemy import event

    from onecast.conversations import service as conversations

    chats = []
    for i in range(4):
        r = await space.post("/chats", json={"id": f"last-{i}", "name": f"Last {i}", "teamId": "support",
                                             "channelId": "appMessaging",
                                             "participants": [{"id": f"buyer-{i}", "role": "participant"}]})
        chats.append(r.json())
        for n in range(i):  # chat 0 stays silent
            r = await space.post(f"/chats/last-{i}/messages", json={"parts": [{"data": f"m{i}.{n}"}],
                                                                     "from": {"profileId": "agent-ann"}})
            assert r.status_code in (200, 201), r.text
    statements = []
    engine = app.state.db.read_engine.sync_engine

    def count(_conn, _cursor, statement, *_rest):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        async with app.state.db.read() as session:
            statements.clear()
            newest = await conversations.last_messages(
                session, space.space_id, {c["id"]: (c["context"]["conversationId"], None) for c in chats})
            assert len(statements) == 1, statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
    for i, chat in enumerate(chats):
        history = (await space.get(f"/chats/{chat['id']}/messages")).json()["messages"]
        if i == 0:
            assert chat["id"] not in newest and history == []
        else:
            assert newest[chat["id"]] == history[0]
            assert history[0]["parts"][0]["data"] == f"m{i}.{i - 1}"


async def test_a_closed_chats_last_message_is_its_own_not_the_next_chats(app, space, team):
    """The visitor's next chat goes on in the same conversation: the closed chat's last message is
    the last one before it closed (the console showed the next chat's welcome text)."""
    from onecast.conversations import service as conversations

    body = {"name": "First", "teamId": "support", "channelId": "appMessaging",
            "participants": [{"id": "buyer-x", "role": "participant"}]}
    first = (await space.post("/chats", json={**body, "id": "first"})).json()
    r = await space.post("/chats/first/messages", json={"parts": [{"data": "bye"}], "from": {"profileId": "agent-ann"}})
    assert r.status_code in (200, 201), r.text
    assert (await space.put("/chats/first/close", json={"bypassMessage": True})).status_code == 200
    closed = (await space.get("/chats/first")).json()
    assert (await space.post("/chats", json={**body, "id": "second", "name": "Second"})).status_code == 201
    r = await space.post("/chats/second/messages", json={"parts": [{"data": "welcome back"}],
                                                         "from": {"profileId": "agent-ann"}})
    assert r.status_code in (200, 201), r.text
    conversation = first["context"]["conversationId"]
    async with app.state.db.read() as session:
        newest = await conversations.last_messages(session, space.space_id, {
            "first": (conversation, datetime.fromisoformat(closed["_closedOn"].replace("Z", "+00:00"))),
            "second": (conversation, None)})
    assert newest["first"]["parts"][0]["data"] == "bye"
    assert newest["second"]["parts"][0]["data"] == "welcome back"
