"""The customer's app of seed 003 (tests/peers/msgapi_receiver) served on loopback, its URL set as
the space's callback webhook, and `drain`: the webhooks domain's dispatcher sending what is due."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from onecast.webhooks.dispatcher import Dispatcher
from tests.compat.msgapi.client import envelope_ok
from tests.peers.msgapi_receiver import Receiver
from tests.peers.serve import serve_asgi


@asynccontextmanager
async def customer_app(api) -> AsyncIterator[Receiver]:
    """A running receiver, set as the callback (POST /config/webhook); `.app_doc` is the ClientApp."""
    receiver = Receiver()
    async with serve_asgi(receiver.app) as base:
        receiver.app_doc = envelope_ok(await api.post("/config/webhook", {"url": f"{base}/api/v1/message/receive"}))
        yield receiver


async def drain(app, settings, space, at: datetime | None = None) -> int:
    dispatcher = Dispatcher(app.state.db, settings, name="msgapi-test", rng=random.Random(3))
    try:
        return await dispatcher.drain(space_id=space.space_id, now=at)
    finally:
        await dispatcher.close()
