import json

import pytest

from tests.channels.vendor_helpers import add_channel
from tests.peers.graph_api import GraphApiPeer, hub_signature

APP_SECRET = "wa-app-secret"


@pytest.fixture
def graph():
    peer = GraphApiPeer().start()
    yield peer
    peer.stop()


@pytest.fixture
async def wa(space, graph):
    """A space with a WhatsApp Cloud channel `wa` pointed at the Graph API peer."""
    await add_channel(space, "wa", "whatsApp", "whatsapp_cloud", {
        "phoneNumberId": graph.phone_number_id, "accessToken": graph.wa_token, "appSecret": APP_SECRET,
        "verifyToken": "verify-me", "baseUrl": graph.url})
    return space


@pytest.fixture
def notify(anon):
    """POST a WhatsApp notification signed as Meta signs it."""
    async def post(space, payload, secret: str = APP_SECRET, channel: str = "wa"):
        raw = json.dumps(payload).encode()
        return await anon.post(f"/webhooks/whatsapp/{space.space_id}/{channel}", content=raw,
                               headers={"Content-Type": "application/json",
                                        "X-Hub-Signature-256": hub_signature(secret, raw)})
    return post
