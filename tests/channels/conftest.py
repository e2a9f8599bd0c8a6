import json

import pytest

from tests.peers.graph_api import GraphApiPeer, hub_signature


@pytest.fixture
def graph():
    """Meta's Graph API (WhatsApp Cloud API and Messenger Send API) on loopback."""
    peer = GraphApiPeer().start()
    yield peer
    peer.stop()


def meta_notifier(anon, vendor: str, channel: str, app_secret: str):
    """POST a notification to a Meta webhook, signed with `secret` as Meta signs it."""
    async def post(space, payload, secret: str = app_secret):
        raw = json.dumps(payload).encode()
        return await anon.post(f"/webhooks/{vendor}/{space.space_id}/{channel}", content=raw,
                               headers={"Content-Type": "application/json",
                                        "X-Hub-Signature-256": hub_signature(secret, raw)})
    return post
