"""Webhook fixtures: an app that allows loopback targets, a real HTTP receiver, and `drain`,
which fans out the outbox and sends everything due (at a pinned time when given)."""
from __future__ import annotations

import dataclasses
import random
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import httpx
import pytest

from onecast.app import create_app
from onecast.kit.clock import utcnow
from onecast.webhooks.dispatcher import Dispatcher
from tests.conftest import SpaceClient, deliver_space, new_space, strict_app_fixtures
from tests.peers.webhook_receiver import WebhookReceiver

LOOPBACK = "127.0.0.0/8,::1/128"
# `space` meets the production default (private targets refused); `hs` is on an app allowing loopback.
settings, app, anon = strict_app_fixtures()


@pytest.fixture(scope="session")
def wh_settings(settings):
    return dataclasses.replace(settings, webhook_allowed_networks=LOOPBACK, webhook_timeout_seconds=0.5)


@pytest.fixture(scope="session")
async def wh_app(wh_settings):
    application = create_app(wh_settings, run_worker=False)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
async def wh_client(wh_app) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=wh_app), base_url="http://onecast.test") as c:
        yield c


@pytest.fixture
async def hs(wh_app, wh_client) -> SpaceClient:
    """A space on the loopback-allowing app."""
    return await new_space(wh_app, wh_client, "webhooks")


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    peer = await WebhookReceiver().start()
    yield peer
    await peer.stop()


@dataclasses.dataclass
class Drain:
    app: object
    settings: object

    async def __call__(self, space: SpaceClient, *, at: datetime | None = None, flush: bool = True,
                       settings=None) -> int:
        dispatcher = Dispatcher(self.app.state.db, settings or self.settings, name="test-drain",
                                rng=random.Random(7))
        try:
            return await dispatcher.drain(space_id=space.space_id, now=at, flush=flush)
        finally:
            await dispatcher.close()


@pytest.fixture
def drain(wh_app, wh_settings) -> Drain:
    return Drain(wh_app, wh_settings)


@pytest.fixture
def deliver_messages(wh_app, settings):
    async def run(space: SpaceClient) -> None:
        await deliver_space(wh_app, settings, space.space_id)
    return run


def later(seconds: float) -> datetime:
    return utcnow() + timedelta(seconds=seconds)


async def make_hook(space: SpaceClient, url: str, types: list[str] | None = None, **extra) -> dict:
    subs = [{"type": t} for t in (types or ["profile.create", "profile.update"])]
    r = await space.post("/webhooks", json={"name": "crm_system", "url": url, "subscriptions": subs, **extra})
    assert r.status_code == 201, r.text
    return r.json()


async def deliveries(space: SpaceClient, hook_id: str, **params) -> list[dict]:
    r = await space.get(f"/webhooks/{hook_id}/deliveries", params=params)
    assert r.status_code == 200, r.text
    return r.json()
