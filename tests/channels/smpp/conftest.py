"""An SMSC peer per test, SMPP channels made through the channels API, and the bind keeper
(the background service) running as `onecast worker` runs it."""
from __future__ import annotations

import asyncio
import dataclasses

import pytest

from onecast.channels.sms_smpp import service
from tests.peers.smsc import Smsc


@pytest.fixture
async def smsc():
    peer = await Smsc().start()
    yield peer
    await peer.stop()


@pytest.fixture
def smpp_settings(settings):
    return dataclasses.replace(settings, smpp_refresh_seconds=0.05)


@pytest.fixture
async def bind_keeper(app, smpp_settings):
    """The sms_smpp background service, stopped (and its binds unbound) after the test."""
    stop = asyncio.Event()
    task = asyncio.create_task(service.run(app.state.db, smpp_settings, stop))
    yield
    stop.set()
    await task


@pytest.fixture
async def smpp_channel(space, smsc):
    """Creates the space's `sms` channel on the peer; deleted after the test so no later
    test's bind keeper dials a stopped peer."""
    created = []

    async def make(channel_id: str = "sms", **config) -> dict:
        response = await space.post("/channels", json={"id": channel_id, "type": "sms", "provider": "sms_smpp",
                                                       "config": smsc.config(**config)})
        assert response.status_code == 201, response.text
        created.append(channel_id)
        return response.json()

    yield make
    for channel_id in created:
        await space.delete(f"/channels/{channel_id}")
