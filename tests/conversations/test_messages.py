"""The event stream: messages with event ids, paging backwards, forward events, statuses."""
from sqlalchemy import select

from onecast.kit.models import Event


async def _setup(users, roles, cid):
    alice = users["alice"]
    await alice.request("POST", "/conversations", json={"id": cid, "name": cid, "roles": roles, "isPublic": False,
                                                          "participants": [{"id": "bob"}]})
    return alice, users["bob"]


async def test_messages_page_backwards_from_an_event(users, roles):
    alice, bob = await _setup(users, roles, "paging")
    sent = []
    for i in range(7):
        r = await (alice if i % 2 == 0 else bob).request(
            "POST", "/conversations/paging/messages", json={"parts": [{"type": "text/plain", "data": f"m{i}"}],
                                                             "metadata": {"i": i}})
        assert r.status_code == 200, r.text
        sent.append(r.json())
    assert [s["eventId"] for s in sent] == list(range(7))
    page = (await bob.request("GET", "/conversations/paging/messages", params={"limit": 3})).json()
    assert [m["parts"][0]["data"] for m in page["messages"]] == ["m6", "m5", "m4"]
    assert (page["earliestEventId"], page["latestEventId"]) == (4, 6)
    older = (await bob.request("GET", "/conversations/paging/messages",
                               params={"from": page["earliestEventId"] - 1, "limit": 3})).json()
    assert [m["parts"][0]["data"] for m in older["messages"]] == ["m3", "m2", "m1"]
    first = older["messages"][-1]
    assert first["context"]["from"]["id"] == "bob" and first["metadata"] == {"i": 1}
    assert first["context"]["sentBy"] == "session:bob"


async def test_sender_cannot_pose_as_someone_else(users, roles):
    alice, bob = await _setup(users, roles, "spoof")
    await bob.request("POST", "/conversations/spoof/messages",
                      json={"parts": [{"data": "x"}], "from": {"profileId": "alice", "name": "Alice"}})
    msg = (await alice.request("GET", "/conversations/spoof/messages")).json()["messages"][0]
    assert msg["context"]["from"]["id"] == "bob"


async def test_status_updates_move_forward_and_read_implies_delivered(users, roles, app):
    alice, bob = await _setup(users, roles, "statuses")
    mid = (await alice.request("POST", "/conversations/statuses/messages",
                               json={"parts": [{"data": "hello"}]})).json()["id"]
    r = await bob.request("POST", "/conversations/statuses/messages/statusupdates",
                          json=[{"messageIds": [mid], "status": "read", "timestamp": "2026-01-01T10:00:00Z"}])
    assert r.status_code == 200
    # A late "delivered" changes nothing.
    await bob.request("POST", "/conversations/statuses/messages/statusupdates",
                      json=[{"messageIds": [mid], "status": "delivered"}])
    msg = (await alice.request("GET", "/conversations/statuses/messages")).json()["messages"][0]
    assert msg["statusUpdates"] == {"bob": {"status": "read", "on": "2026-01-01T10:00:00.000Z"}}
    events = (await alice.request("GET", "/conversations/statuses/events", params={"from": 0})).json()
    assert [e["name"] for e in events] == ["conversationMessage.sent", "conversationMessage.delivered",
                                           "conversationMessage.read"]
    assert [e["eventId"] for e in events] == [0, 1, 2]
    tail = (await alice.request("GET", "/conversations/statuses/events", params={"from": 2})).json()
    assert [e["eventId"] for e in tail] == [2]
    # Statuses of messages outside the page are orphaned events.
    page = (await alice.request("GET", "/conversations/statuses/messages", params={"limit": 2})).json()
    assert page["messages"] == [] and [e["name"] for e in page["orphanedEvents"]] == [
        "conversationMessage.read", "conversationMessage.delivered"]
    async with app.state.db.read() as session:
        names = (await session.execute(select(Event.name).where(Event.entity_id == "statuses"))).scalars().all()
    assert {"conversation.create", "conversation.participantAdded", "conversationMessage.sent",
            "conversationMessage.delivered", "conversationMessage.read"} <= set(names)


async def test_server_posts_statuses_for_a_profile(space, roles):
    await space.post("/conversations", json={"id": "s", "name": "s", "roles": roles, "isPublic": False,
                                             "participants": [{"id": "p1"}]})
    mid = (await space.post("/conversations/s/messages", json={"parts": [{"data": "x"}]})).json()["id"]
    r = await space.post("/conversations/s/messages/statusupdates", json=[{"messageIds": [mid], "status": "delivered"}])
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "profileId"
    r = await space.post("/conversations/s/messages/statusupdates", params={"profileId": "p1"},
                         json=[{"messageIds": [mid], "status": "delivered"}])
    assert r.status_code == 200
    msg = (await space.get("/conversations/s/messages")).json()["messages"][0]
    assert msg["statusUpdates"]["p1"]["status"] == "delivered"


async def test_typing_requires_membership(users, roles):
    alice, _ = await _setup(users, roles, "typing")
    assert (await alice.request("POST", "/conversations/typing/typing")).status_code == 204
    assert (await alice.request("DELETE", "/conversations/typing/typing")).status_code == 204
    assert (await users["carol"].request("POST", "/conversations/typing/typing")).status_code == 404
