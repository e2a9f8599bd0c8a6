"""Presence follows real sockets on a running server."""
import httpx

from tests.appusers.helpers import configure_auth, start_session
from tests.appusers.live import EventSocket, running_api
from tests.conftest import new_space


async def test_presence_follows_sockets(app, database_url):
    with running_api(database_url) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            space = await new_space(app, client, "presence")
            await configure_auth(space)
            agent = await start_session(client, space.space_id, "agent-zed")
            visitor = await start_session(client, space.space_id, anonymous_id="p1")
            agent_socket = await EventSocket.open(base, space.space_id, agent.token)
            visitor_socket = await EventSocket.open(base, space.space_id, visitor.token)
            status = (await agent.request("GET", "/presence", params={"id": "agent-zed"})).json()[0]
            assert status["status"] == "available" and status["isConnected"] is True
            assert (await agent.request("POST", "/presence/away")).status_code == 204
            assert (await space.get("/presence", params={"id": "agent-zed"})).json()[0]["status"] == "away"
            online = (await space.get("/presence/appmessaging", params={"id": visitor.profile_id})).json()[0]
            assert online["status"] == "online" and online["createdOn"]
            await visitor_socket.close()
            await agent_socket.close()
