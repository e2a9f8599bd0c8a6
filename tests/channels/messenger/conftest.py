import json

import pytest

from tests.channels.vendor_helpers import add_channel
from tests.peers.graph_api import GraphApiPeer, hub_signature

APP_SECRET = "fb-app-secret"


@pytest.fixture
def graph():
    peer = GraphApiPeer().start()
    yield peer
    peer.stop()


@pytest.fixture
async def fb(space, graph):
    """A space with a Messenger channel `fb` pointed at the Graph API peer."""
    await add_channel(space, "fb", "fbMessenger", "messenger", {
        "pageId": graph.page_id, "pageAccessToken": graph.page_token, "appSecret": APP_SECRET,
        "verifyToken": "fb-verify", "baseUrl": graph.url})
    return space


@pytest.fixture
def notify(anon):
    async def post(space, payload, secret: str = APP_SECRET):
        raw = json.dumps(payload).encode()
        return await anon.post(f"/webhooks/messenger/{space.space_id}/fb", content=raw,
                               headers={"Content-Type": "application/json",
                                        "X-Hub-Signature-256": hub_signature(secret, raw)})
    return post
