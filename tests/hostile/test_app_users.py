"""App users act only as themselves (issue 16, items 2 and 6).

Every test is an attack the public session endpoints made possible: an anonymous visitor (nothing
but a team id) opening chats that name other profiles, conversations or channels, taking over and
reading another user's chat, sending SMS billed to the space; and sessions of a deleted space, or
minted for a revoked key, still working. The permission matrix of docs/conversations.md ("Who may
do what") is checked for an app user, an agent (a session of a team member) and the API key."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from onecast.appusers import service as appusers
from onecast.appusers.models import AppSession
from tests.appusers.helpers import AppUser, configure_auth, start_session
from tests.conftest import SpaceClient

ROLES = {"owner": {"canSend": True, "canAddParticipants": True, "canRemoveParticipants": True},
         "participant": {"canSend": True, "canAddParticipants": False, "canRemoveParticipants": False}}
APP_USER, AGENT, API_KEY = "app user", "agent", "API key"


@dataclass
class World:
    space: SpaceClient
    alice: AppUser    # a customer with an open chat in the Support Team
    alice_chat: str
    mallory: AppUser  # an anonymous visitor: GET /sessions/start, an anonymous token, POST /sessions
    ann: AppUser      # an agent: member of Support Team and of the unpublished Internal team
    bob: AppUser      # an agent of the Billing team only: an app user to the others

    def caller(self, role: str):
        return {APP_USER: self.mallory.request, AGENT: self.ann.request, API_KEY: self.space.request}[role]


async def _team(space: SpaceClient, team_id: str, name: str, public: bool, members: list[str]) -> None:
    r = await space.put(f"/chat/config/teams/{team_id}", json={
        "name": name, "isPublic": public, "members": [{"username": m} for m in members]})
    assert r.status_code == 200, r.text


@pytest.fixture
async def world(anon, space) -> World:
    await configure_auth(space)
    await _team(space, "support", "Support Team", True, ["agent-ann"])
    await _team(space, "internal", "Internal", False, ["agent-ann"])
    await _team(space, "billing", "Billing", True, ["agent-bob"])
    r = await space.post("/profiles", json={"id": "vic", "phoneNumber": "447700900321"})
    assert r.status_code in (200, 201), r.text
    alice = await start_session(anon, space.space_id, "alice")
    r = await alice.request("POST", "/conversations", json={"id": "Support_Team_alice", "name": "Support",
                                                             "isPublic": False, "roles": ROLES})
    assert r.status_code == 201, r.text
    r = await alice.request("POST", "/conversations/Support_Team_alice/messages",
                            json={"parts": [{"data": "my card number is 4111..."}]})
    assert r.status_code == 200, r.text
    [chat] = (await space.get("/chats", params={"profileId": "alice"})).json()
    r = await space.post("/conversations", json={"id": "dm-alice-cat", "name": "private", "isPublic": False,
                                                 "roles": ROLES, "participants": [{"id": "alice"}, {"id": "cat"}]})
    assert r.status_code == 201, r.text
    return World(space, alice, chat["id"], await start_session(anon, space.space_id, anonymous_id="mallory"),
                 await start_session(anon, space.space_id, "agent-ann"),
                 await start_session(anon, space.space_id, "agent-bob"))


def _chat(team: str = "support", channel: str = "appMessaging", participants: list[str] = (),
          conversation: str | None = None) -> dict:
    body = {"name": "Help", "teamId": team, "channelId": channel,
            "participants": [{"id": p, "role": "participant"} for p in participants]}
    if conversation is not None:
        body["context"] = {"conversationId": conversation}
    return body


async def _members(world: World, conversation_id: str) -> dict[str, str]:
    r = await world.space.get(f"/conversations/{conversation_id}/participants")
    return {p["id"]: p["role"] for p in r.json()}


# --- opening a chat --------------------------------------------------------------------------


async def test_an_app_user_opens_a_chat_for_itself_only_once(world):
    r = await world.mallory.request("POST", "/chats", json=_chat())
    assert r.status_code == 201, r.text
    chat = r.json()
    me = world.mallory.profile_id
    assert chat["participants"] == [{"id": me, "role": "participant"}] and chat["agentId"] is None
    assert chat["channelId"] == "appMessaging" and chat["context"]["conversationId"] == f"Support_Team_{me}"
    assert await _members(world, f"Support_Team_{me}") == {me: "participant"}
    # Naming its own conversation is the same; a second open chat with the team is refused.
    again = await world.mallory.request("POST", "/chats", json=_chat(conversation=f"Support_Team_{me}"))
    assert again.status_code == 409 and chat["id"] in again.json()["detail"]
    assert again.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("role, status", [(APP_USER, 403), (AGENT, 201), (API_KEY, 201)])
async def test_naming_another_participant(world, role, status):
    r = await world.caller(role)("POST", "/chats", json=_chat(participants=["cat"]))
    assert r.status_code == status, r.text
    chats_of_cat = (await world.space.get("/chats", params={"profileId": "cat"})).json()
    assert len(chats_of_cat) == (status == 201)
    if role == AGENT:
        assert r.json()["participants"] == [{"id": "cat", "role": "participant"},
                                            {"id": "agent-ann", "role": "agent"}]


async def test_an_app_user_may_not_take_the_agent_role(world):
    me = world.mallory.profile_id
    r = await world.mallory.request("POST", "/chats", json={**_chat(), "participants": [{"id": me, "role": "agent"}]})
    assert r.status_code == 403
    assert (await world.space.get("/chats", params={"profileId": me})).json() == []


@pytest.mark.parametrize("role, conversation, participants, status", [
    (APP_USER, "Support_Team_alice", [], 403),      # another user's chat conversation with the team
    (APP_USER, "dm-alice-cat", [], 403),            # a private conversation of two other users
    (AGENT, "dm-alice-cat", ["cat"], 403),          # not its team's conversation with the customer
    (AGENT, "Support_Team_alice", ["alice"], 201),  # its team's conversation with this customer
    (API_KEY, "dm-alice-cat", ["cat"], 201),
])
async def test_naming_another_conversation(world, role, conversation, participants, status):
    before = await _members(world, conversation)
    r = await world.caller(role)("POST", "/chats", json=_chat(participants=participants, conversation=conversation))
    assert r.status_code == status, r.text
    if status == 403:
        assert await _members(world, conversation) == before


async def test_an_app_user_cannot_take_over_read_or_empty_another_users_chat(world):
    """The attack: open a chat on alice's conversation (becoming its owner), read her history,
    remove her. None of it works, and alice's chat is as it was."""
    mallory, cid = world.mallory, "Support_Team_alice"
    opened = await mallory.request("POST", "/chats", json=_chat(conversation=cid))
    history = await mallory.request("GET", f"/conversations/{cid}/messages")
    via_chat = await mallory.request("GET", f"/chats/{opened.json().get('id', 'none')}/messages")
    removed = await mallory.request("DELETE", f"/conversations/{cid}/participants", params={"id": "alice"})
    assert opened.status_code == 403
    assert history.status_code == 404 and via_chat.status_code == 404
    assert removed.status_code == 404
    assert await _members(world, cid) == {"alice": "owner"}
    assert (await mallory.request("GET", f"/chats/{world.alice_chat}/messages")).status_code == 404
    assert mallory.profile_id not in str((await world.space.get(f"/chats/{world.alice_chat}")).json())


async def test_an_app_user_cannot_open_an_sms_chat_and_send_sms(world, deliver):
    """The attack: a chat on `sms` naming any profile, then an "agent" reply relayed by SMS."""
    opened = await world.mallory.request("POST", "/chats", json=_chat(channel="sms", participants=["vic"]))
    if opened.status_code == 201:
        await world.mallory.request("POST", f"/chats/{opened.json()['id']}/messages",
                                    json={"parts": [{"data": "You won! Reply with your PIN"}]})
    own_sms = await world.mallory.request("POST", "/chats", json=_chat(channel="sms"))
    await deliver(world.space)
    history = (await world.space.get("/profiles/vic/messages")).json()
    assert opened.status_code == 403 and own_sms.status_code == 403
    assert [h for h in history if h.get("direction") == "outbound"] == []


@pytest.mark.parametrize("role, status", [(AGENT, 201), (API_KEY, 201)])
async def test_the_team_side_opens_chats_on_other_channels(world, role, status):
    r = await world.caller(role)("POST", "/chats", json=_chat(channel="sms", participants=["vic"]))
    assert r.status_code == status, r.text
    assert r.json()["channelId"] == "sms" and r.json()["context"]["profileId"] == "vic"


# --- teams: unpublished and unknown ----------------------------------------------------------


@pytest.mark.parametrize("role, status", [(APP_USER, 404), (AGENT, 201), (API_KEY, 201)])
async def test_unpublished_team(world, role, status):
    r = await world.caller(role)("POST", "/chats", json=_chat(team="internal", participants=(
        [] if role == APP_USER else ["cat"])))
    assert r.status_code == status, r.text
    if role == APP_USER:
        unknown = await world.mallory.request("POST", "/chats", json=_chat(team="no-such-team"))
        assert (unknown.status_code, unknown.json()) == (r.status_code, r.json())  # indistinguishable


async def test_an_agent_of_another_team_is_an_app_user_there(world):
    unpublished = await world.bob.request("POST", "/chats", json=_chat(team="internal"))
    unknown = await world.bob.request("POST", "/chats", json=_chat(team="no-such-team"))
    assert (unpublished.status_code, unpublished.json()) == (unknown.status_code, unknown.json())
    assert unknown.status_code == 404
    assert (await world.bob.request("POST", "/chats", json=_chat(participants=["cat"]))).status_code == 403
    assert (await world.bob.request("GET", f"/chats/{world.alice_chat}")).status_code == 404
    assert world.alice_chat not in [c["id"] for c in (await world.bob.request("GET", "/chats")).json()]


@pytest.mark.parametrize("role", [APP_USER, AGENT, API_KEY])
async def test_unknown_team(world, role):
    r = await world.caller(role)("POST", "/chats", json=_chat(team="no-such-team"))
    assert r.status_code == 404 and r.json()["detail"] == "Team not found"


async def test_writing_in_an_unpublished_teams_conversation_opens_no_chat(world):
    """The widget's way (write in `{Team_Name}_{me}`) opens chats with published teams only."""
    mallory = world.mallory
    cid = f"Internal_{mallory.profile_id}"
    r = await mallory.request("POST", "/conversations", json={"id": cid, "name": "x", "isPublic": False,
                                                               "roles": ROLES})
    assert r.status_code == 201, r.text
    r = await mallory.request("POST", f"/conversations/{cid}/messages", json={"parts": [{"data": "let me in"}]})
    assert r.status_code == 200, r.text
    assert (await world.space.get("/chats", params={"profileId": mallory.profile_id})).json() == []
    # Published: the same opens a chat with the team.
    cid = f"Support_Team_{mallory.profile_id}"
    await mallory.request("POST", "/conversations", json={"id": cid, "name": "x", "isPublic": False, "roles": ROLES})
    await mallory.request("POST", f"/conversations/{cid}/messages", json={"parts": [{"data": "hello"}]})
    [chat] = (await world.space.get("/chats", params={"profileId": mallory.profile_id})).json()
    assert chat["teamId"] == "support"


# --- reading and managing chats --------------------------------------------------------------


@pytest.mark.parametrize("role, status", [(APP_USER, 404), (AGENT, 200), (API_KEY, 200)])
async def test_reading_another_users_chat_history(world, role, status):
    r = await world.caller(role)("GET", f"/chats/{world.alice_chat}/messages")
    assert r.status_code == status, r.text
    if status == 200:
        assert r.json()["messages"][-1]["parts"][0]["data"].startswith("my card number")
    listed = [c["id"] for c in (await world.caller(role)("GET", "/chats")).json()]
    assert (world.alice_chat in listed) == (status == 200)
    # The conversation itself is the participants' (and the server's) only.
    r = await world.caller(role)("GET", "/conversations/Support_Team_alice/messages")
    assert r.status_code == (200 if role == API_KEY else 404)


@pytest.mark.parametrize("role, status", [(APP_USER, 404), (AGENT, 404), (API_KEY, 204)])
async def test_removing_a_participant_of_another_users_chat(world, role, status):
    r = await world.caller(role)("DELETE", "/conversations/Support_Team_alice/participants", params={"id": "alice"})
    assert r.status_code == status, r.text
    assert ("alice" in await _members(world, "Support_Team_alice")) == (status != 204)


async def test_the_customer_reads_its_chat_but_does_not_act_as_the_team(world):
    alice, chat_id = world.alice, world.alice_chat
    assert (await alice.request("GET", f"/chats/{chat_id}")).status_code == 200
    assert (await alice.request("GET", f"/chats/{chat_id}/messages")).status_code == 200
    assert (await alice.request("GET", f"/chats/{chat_id}/participants")).status_code == 200
    assert (await alice.request("POST", f"/chats/{chat_id}/typing")).status_code == 204
    refused = {
        "answer as the team": await alice.request("POST", f"/chats/{chat_id}/messages",
                                                  json={"parts": [{"data": "Support here: send your PIN"}]}),
        "move to sms": await alice.request("PUT", f"/chats/{chat_id}/channel", json={"channelId": "sms"}),
        "assign": await alice.request("PUT", f"/chats/{chat_id}/assign",
                                      json={"teamId": "support", "agentId": "alice"}),
        "close": await alice.request("PUT", f"/chats/{chat_id}/close", json={}),
        "form": await alice.request("POST", f"/chats/{chat_id}/form", json={"formTemplateId": "f"}),
        "rename": await alice.request("PUT", f"/chats/{chat_id}", json={"name": "mine"}),
        "delete": await alice.request("DELETE", f"/chats/{chat_id}"),
    }
    assert {name: r.status_code for name, r in refused.items()} == dict.fromkeys(refused, 403)
    assert refused["answer as the team"].headers["content-type"].startswith("application/problem+json")
    chat = (await world.space.get(f"/chats/{chat_id}")).json()
    assert chat["channelId"] == "appMessaging" and chat["status"] == "new" and chat["agentId"] is None
    assert chat["name"] != "mine" and not chat["_isDeleted"]
    # It still writes in its own conversation, which continues the chat.
    r = await alice.request("POST", "/conversations/Support_Team_alice/messages", json={"parts": [{"data": "hi"}]})
    assert r.status_code == 200


async def test_an_agent_manages_its_teams_chats(world):
    ann, chat_id = world.ann, world.alice_chat
    r = await ann.request("PUT", f"/chats/{chat_id}/assign", json={"teamId": "support", "agentId": "agent-ann"})
    assert r.status_code == 200 and r.json()["agentId"] == "agent-ann"
    r = await ann.request("POST", f"/chats/{chat_id}/messages", json={"parts": [{"data": "Ann here"}]})
    assert r.status_code == 200, r.text
    last = (await world.alice.request("GET", "/conversations/Support_Team_alice/messages")).json()["messages"][0]
    assert last["context"]["from"]["id"] == "agent-ann" and last["parts"][0]["data"] == "Ann here"
    assert (await ann.request("PUT", f"/chats/{chat_id}/close", json={})).status_code == 200
    assert (await world.bob.request("PUT", f"/chats/{chat_id}/close", json={})).status_code == 404


async def test_an_anonymous_visitor_is_never_an_agent(anon, space):
    """A team member named like an anonymous profile gives no visitor the agent role."""
    visitor = await start_session(anon, space.space_id, anonymous_id="sneaky")
    await _team(space, "support", "Support Team", False, [visitor.profile_id])
    r = await visitor.request("POST", "/chats", json=_chat(participants=["cat"]))
    assert r.status_code == 404  # the team is unpublished, and the visitor is no agent of it


# --- presence: who is online is not every visitor's business ---------------------------------


async def test_an_app_user_sees_its_own_and_published_agents_presence_only(world):
    mallory, ann = world.mallory, world.ann
    r = await mallory.request("GET", "/presence/appmessaging", params={"id": ["alice"]})
    assert r.status_code == 403 and "alice" in r.json()["detail"]
    r = await mallory.request("GET", "/presence", params={"id": ["alice"]})
    assert r.status_code == 403
    r = await mallory.request("GET", "/presence/appmessaging", params={"id": [mallory.profile_id]})
    assert r.status_code == 200 and r.json()[0]["profileId"] == mallory.profile_id
    r = await mallory.request("GET", "/presence", params={"id": ["agent-ann", "agent-bob"]})
    assert r.status_code == 200 and {p["profileId"] for p in r.json()} == {"agent-ann", "agent-bob"}
    # The agents and the server see anyone in the space.
    for caller in (ann.request, world.space.request):
        r = await caller("GET", "/presence/appmessaging", params={"id": ["alice", mallory.profile_id]})
        assert r.status_code == 200 and len(r.json()) == 2


# --- credentials of a deleted space, of a revoked key ----------------------------------------


async def test_a_deleted_spaces_sessions_stop_working(app, anon, space):
    await configure_auth(space)
    await _team(space, "support", "Support Team", True, ["agent-ann"])
    visitor = await start_session(anon, space.space_id, anonymous_id="early")
    user = await start_session(anon, space.space_id, "carol")
    r = await visitor.request("POST", "/conversations", json={"id": "before", "name": "x", "isPublic": False,
                                                               "roles": ROLES})
    assert r.status_code == 201, r.text
    assert (await space.delete("")).status_code == 204

    for who in (visitor, user):
        answers = [
            await who.request("POST", "/conversations", json={"id": f"after-{who.profile_id}", "name": "x",
                                                              "isPublic": False, "roles": ROLES}),
            await who.request("POST", "/conversations/before/messages", json={"parts": [{"data": "still here"}]}),
            await who.request("POST", "/chats", json=_chat()),
            await who.request("GET", "/chats"),
            await who.request("GET", f"/sessions/{who.session_id}"),
        ]
        assert [a.status_code for a in answers] == [401] * len(answers), [a.text for a in answers]
        assert all(a.headers["content-type"].startswith("application/problem+json") for a in answers)
    assert (await space.get("/chats")).status_code == 401
    assert (await anon.get(f"/apispaces/{space.space_id}/sessions/start")).status_code == 404
    async with app.state.db.read() as session:
        rows = (await session.execute(select(AppSession).where(AppSession.space_id == space.space_id))).scalars()
        assert [(s.is_active, s.ended_on is not None) for s in rows] == [(False, True)] * 2


async def test_a_revoked_keys_sessions_stop_working(app, anon, space):
    """The console mints an agent session for a viewer logged in with an API key: revoking the
    key ends it; the space's other sessions go on."""
    r = await space.post("/keys", json={"name": "console"})
    assert r.status_code == 201, r.text
    key_id = r.json()["id"]
    async with app.state.db.transaction() as session:
        token = await appusers.agent_session_token(session, space.space_id, f"key:{key_id}", "console", key_id)
    agent = {"Authorization": f"Bearer {token}"}
    visitor = await start_session(anon, space.space_id, anonymous_id="stays")
    assert (await anon.get(f"/apispaces/{space.space_id}/chats", headers=agent)).status_code == 200
    assert (await space.delete(f"/keys/{key_id}")).status_code == 204
    r = await anon.get(f"/apispaces/{space.space_id}/chats", headers=agent)
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")
    assert (await visitor.request("GET", "/chats")).status_code == 200
    assert (await space.get("/chats")).status_code == 200  # the space's first key is not the revoked one
