"""The app-user WebSocket against real server processes: events reach the right users, and on
PostgreSQL they cross from one server process to another; a socket closes when its session ends
(a logout, its space deleted, the API key it was minted for revoked) or expires."""
import asyncio
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
import pytest
import websockets
from sqlalchemy import update

from onecast.appusers import service as appusers
from onecast.appusers.models import AppSession
from onecast.kit.clock import utcnow
from tests.appusers.helpers import configure_auth, start_session
from tests.appusers.live import EventSocket, running_api
from tests.conftest import SpaceClient, new_space
from tests.hostile.test_console_auth import PASSWORD
from tests.hostile.test_console_auth import _agent_token as inbox_token
from tests.hostile.test_console_auth import _user as console_user
from tests.hostile.test_console_auth import login as console_login
from tests.hostile.test_console_auth import logout as console_logout

# Sessions are checked again only every 10 minutes here: a socket closed within seconds was
# closed by the end itself, not by the periodic check.
SLOW_RECHECK = {"ONECAST_SOCKET_RECHECK_SECONDS": "600"}


@pytest.fixture(scope="module")
def live(database_url):
    with running_api(database_url, **SLOW_RECHECK) as base:
        yield base


async def _space_on(app, base):
    client = httpx.AsyncClient(base_url=base, timeout=30)
    space = await new_space(app, client, "socket")
    await configure_auth(space)
    return space


async def _conversation(space: SpaceClient, cid: str, roles, members):
    r = await space.post("/conversations", json={"id": cid, "name": cid, "roles": roles, "isPublic": False,
                                                 "participants": [{"id": m} for m in members]})
    assert r.status_code == 201, r.text


async def test_socket_pushes_messages_statuses_typing_and_profile(app, live, roles):
    space = await _space_on(app, live)
    alice = await start_session(space.client, space.space_id, "alice")
    bob = await start_session(space.client, space.space_id, "bob")
    await _conversation(space, "chat1", roles, ["alice", "bob"])
    a_sock = await EventSocket.open(live, space.space_id, alice.token)
    b_sock = await EventSocket.open(live, space.space_id, bob.token)
    try:
        r = await alice.request("POST", "/conversations/chat1/messages",
                                json={"parts": [{"type": "text/plain", "data": "hello bob"}]})
        mid = r.json()["id"]
        sent = await b_sock.next("conversationMessage.sent")
        assert sent["conversationId"] == "chat1" and sent["conversationEventId"] == r.json()["eventId"]
        assert sent["payload"]["messageId"] == mid and sent["payload"]["parts"][0]["data"] == "hello bob"
        assert sent["payload"]["context"]["from"]["id"] == "alice"
        await bob.request("POST", "/conversations/chat1/messages/statusupdates",
                          json=[{"messageIds": [mid], "status": "read"}])
        delivered = await a_sock.next("conversationMessage.delivered")
        read = await a_sock.next("conversationMessage.read")
        assert delivered["payload"]["profileId"] == read["payload"]["profileId"] == "bob"
        await bob.request("POST", "/conversations/chat1/typing")
        typing = await a_sock.next("conversation.participantTyping")
        assert typing["payload"] == {"conversationId": "chat1", "profileId": "bob"}
        await bob.request("DELETE", "/conversations/chat1/typing")
        assert (await a_sock.next("conversation.participantTypingOff"))["payload"]["profileId"] == "bob"
        await space.post("/conversations/chat1/participants", json=[{"id": "carol"}])
        added = await a_sock.next("conversation.participantAdded")
        assert added["payload"]["profileId"] == "carol"
        r = await space.patch("/profiles/alice", json={"firstName": "Alice"})
        assert r.status_code == 200, r.text
        update = await a_sock.next("profile.update")
        assert update["payload"]["firstName"] == "Alice" and update["etag"] == r.headers["ETag"]
        # Bob got none of alice's profile updates, nor his own typing.
        await bob.request("POST", "/conversations/chat1/messages", json={"parts": [{"data": "marker"}]})
        await b_sock.next("conversationMessage.sent")
        assert {e["name"] for e in b_sock.seen} <= {"conversationMessage.sent", "conversationMessage.delivered",
                                                   "conversationMessage.read", "conversation.participantAdded"}
    finally:
        await a_sock.close()
        await b_sock.close()
        await space.client.aclose()


async def test_socket_refuses_bad_tokens(app, live):
    space = await _space_on(app, live)
    user = await start_session(space.client, space.space_id, "dora")
    ws = live.replace("http://", "ws://")
    for token in ("nope", space.key):
        with pytest.raises(websockets.InvalidStatus):
            await websockets.connect(f"{ws}/apispaces/{space.space_id}/socket?token={token}")
    other = await new_space(app, space.client, "other")
    with pytest.raises(websockets.InvalidStatus):
        await websockets.connect(f"{ws}/apispaces/{other.space_id}/socket?token={user.token}")
    await user.request("DELETE", f"/sessions/{user.session_id}")
    with pytest.raises(websockets.InvalidStatus):
        await websockets.connect(f"{ws}/apispaces/{space.space_id}/socket?token={user.token}")
    await space.client.aclose()


async def test_events_cross_server_processes_on_postgresql(app, database_url, roles):
    if database_url.startswith("sqlite"):
        pytest.skip("several server processes need PostgreSQL (SQLite serves from one process)")
    with running_api(database_url) as server_a, running_api(database_url) as server_b:
        space_b = await _space_on(app, server_b)
        alice_b = await start_session(space_b.client, space_b.space_id, "alice")
        async with httpx.AsyncClient(base_url=server_a, timeout=30) as client_a:
            bob_a = await start_session(client_a, space_b.space_id, "bob")
            await _conversation(space_b, "across", roles, ["alice", "bob"])
            b_sock = await EventSocket.open(server_a, space_b.space_id, bob_a.token)
            a_sock = await EventSocket.open(server_b, space_b.space_id, alice_b.token)
            try:
                r = await alice_b.request("POST", "/conversations/across/messages",
                                          json={"parts": [{"data": "via B"}]})
                assert (await b_sock.next("conversationMessage.sent"))["payload"]["messageId"] == r.json()["id"]
                assert (await a_sock.next("conversationMessage.sent"))["payload"]["messageId"] == r.json()["id"]
                # Too big for a NOTIFY payload: it travels by reference.
                big = "x" * 20_000
                await bob_a.request("POST", "/conversations/across/messages", json={"parts": [{"data": big}]})
                assert (await a_sock.next("conversationMessage.sent"))["payload"]["parts"][0]["data"] == big
                await bob_a.request("POST", "/conversations/across/typing")
                assert (await a_sock.next("conversation.participantTyping"))["payload"]["profileId"] == "bob"
            finally:
                await a_sock.close()
                await b_sock.close()
        await space_b.client.aclose()


async def _close_code(sock: EventSocket, timeout: float = 10.0) -> int:
    """The code the server closes the socket with (events before the close are skipped)."""
    with pytest.raises(websockets.ConnectionClosed) as closed:
        async with asyncio.timeout(timeout):
            while True:
                await sock.connection.recv()
    return closed.value.rcvd.code


async def _still_open(sock: EventSocket) -> bool:
    await sock.connection.send('{"name": "echo"}')
    return (await sock.next("echo"))["name"] == "echo"


async def _key_agent(app, space: SpaceClient) -> tuple[str, str]:
    """(key id, session token) of a console agent logged in with a second API key of the space."""
    r = await space.post("/keys", json={"name": "console"})
    assert r.status_code == 201, r.text
    key_id = r.json()["id"]
    async with app.state.db.transaction() as session:
        return key_id, await appusers.agent_session_token(session, space.space_id, f"key:{key_id}", "console", key_id)


@asynccontextmanager
async def _sockets(base: str, space: SpaceClient, *tokens: str):
    """The open sockets of these tokens; closed afterwards, with the space's client."""
    socks = []
    try:
        for token in tokens:
            socks.append(await EventSocket.open(base, space.space_id, token))
        yield socks
    finally:
        for sock in socks:
            await sock.close()
        await space.client.aclose()


async def _refused(base: str, space_id: str, token: str) -> None:
    with pytest.raises(websockets.InvalidStatus):
        await websockets.connect(f"{base.replace('http://', 'ws://')}/apispaces/{space_id}/socket?token={token}")


async def test_a_logout_and_a_deleted_space_close_their_sockets_at_once(app, live):
    space = await _space_on(app, live)
    alice = await start_session(space.client, space.space_id, "alice")
    visitor = await start_session(space.client, space.space_id, anonymous_id="v1")
    async with _sockets(live, space, alice.token, visitor.token) as (alice_sock, visitor_sock):
        assert (await alice.request("DELETE", f"/sessions/{alice.session_id}")).status_code == 204
        assert await _close_code(alice_sock) == 4401
        assert await _still_open(visitor_sock)  # the space's other sessions go on
        assert (await space.delete("")).status_code == 204
        assert await _close_code(visitor_sock) == 4401
        await _refused(live, space.space_id, visitor.token)


async def test_a_revoked_key_closes_the_sockets_of_sessions_minted_for_it(app, live):
    space = await _space_on(app, live)
    visitor = await start_session(space.client, space.space_id, anonymous_id="v2")
    key_id, agent_token = await _key_agent(app, space)
    async with _sockets(live, space, agent_token, visitor.token) as (agent_sock, visitor_sock):
        assert (await space.delete(f"/keys/{key_id}")).status_code == 204
        assert await _close_code(agent_sock) == 4401
        assert await _still_open(visitor_sock)
        await _refused(live, space.space_id, agent_token)


async def test_a_console_logout_closes_the_inbox_socket_it_opened(app, live):
    space = await _space_on(app, live)
    name = await console_user(app)
    async with httpx.AsyncClient(base_url=live, timeout=30) as agent:
        assert (await console_login(agent, name, PASSWORD)).status_code == 303
        token = await inbox_token(agent, space.space_id)
        async with _sockets(live, space, token) as (sock,):
            await console_logout(agent)
            assert await _close_code(sock) == 4401
        await _refused(live, space.space_id, token)


async def test_an_expired_session_closes_its_socket_at_the_next_check(app, database_url):
    with running_api(database_url, ONECAST_SOCKET_RECHECK_SECONDS="0.5") as base:
        space = await _space_on(app, base)
        user = await start_session(space.client, space.space_id, "erin")
        async with _sockets(base, space, user.token) as (sock,):
            async with app.state.db.transaction() as session:
                await session.execute(update(AppSession).where(AppSession.id == user.session_id)
                                      .values(expires_on=utcnow() - timedelta(seconds=1)))
            assert await _close_code(sock) == 4401


async def test_deleting_a_space_closes_its_sockets_on_every_server_process(app, database_url):
    if database_url.startswith("sqlite"):
        pytest.skip("several server processes need PostgreSQL (SQLite serves from one process)")
    with running_api(database_url, **SLOW_RECHECK) as server_a, running_api(database_url, **SLOW_RECHECK) as server_b:
        space_b = await _space_on(app, server_b)
        async with httpx.AsyncClient(base_url=server_a, timeout=30) as client_a:
            user = await start_session(client_a, space_b.space_id, anonymous_id="far")
            async with _sockets(server_a, space_b, user.token) as (sock,):
                assert (await space_b.delete("")).status_code == 204  # on server B
                assert await _close_code(sock) == 4401  # on server A
