"""URLs the server calls (webhooks, custom channels) that are not plain: refused when saved,
stored in one normal form, and when an old row holds one anyway, each send is a failed attempt on
the retry schedule (the webhook ends disabled), never a lane the dispatcher claims again at once."""
from __future__ import annotations

import asyncio
import dataclasses
import random
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from onecast.channels.models import Channel
from onecast.kit.clock import utcnow
from onecast.webhooks.dispatcher import Dispatcher
from onecast.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery
from tests.channels.vendor_helpers import add_channel, message, send

# Each is read as 127.0.0.1 by some resolver, or is refused by the HTTP client when sending.
NOT_PLAIN = ["http://0177.0.0.1:8000/x", "http://127.000.000.001:8000/", "http://\u2460\u2461\u2466.0.0.1:8000/",
             "http://2130706433/x", "http://0x7f.0.0.1/x", "http://127.1/x", "http://xn--ls8h.la/x",
             "http://[fe80::1%25eth0]/x", "http://hooks.example.com@127.0.0.1/x", "http://exa mple.com/x",
             "http://example.com:0/x", "ftp://example.com/x", "http://-bad-.example.com/x"]
SUBSCRIPTIONS = [{"type": "profile.create"}]


async def webhook_rows(app, space_id: str) -> list[Webhook]:
    async with app.state.db.read() as session:
        return list((await session.execute(select(Webhook).where(Webhook.space_id == space_id))).scalars())


@pytest.mark.parametrize("url", NOT_PLAIN)
async def test_a_webhook_url_that_is_not_plain_is_refused_and_nothing_is_stored(app, space, url):
    r = await space.post("/webhooks", json={"name": "crm", "url": url, "subscriptions": SUBSCRIPTIONS})
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] in ("InvalidUrl", "UrlNotAllowed") and r.json()["errors"][0]["field"] == "url"
    assert await webhook_rows(app, space.space_id) == []


async def test_an_updated_webhook_url_is_checked_too(space):
    r = await space.post("/webhooks", json={"name": "crm", "url": "https://hooks.example.com/a",
                                            "subscriptions": SUBSCRIPTIONS})
    assert r.status_code == 201, r.text
    hook = r.json()
    r = await space.put(f"/webhooks/{hook['id']}", json={"name": "crm", "url": "http://0177.0.0.1/a",
                                                         "subscriptions": SUBSCRIPTIONS})
    assert r.status_code == 400 and r.json()["code"] == "InvalidUrl", r.text
    assert (await space.get(f"/webhooks/{hook['id']}")).json()["url"] == "https://hooks.example.com/a"


@pytest.mark.parametrize(("given", "stored"), [
    ("HTTPS://Hooks.EXAMPLE.com:443/in?x=1", "https://hooks.example.com/in?x=1"),
    ("https://ex\u00e4mple.com./in", "https://xn--exmple-cua.com/in"),
    ("https://\uff45xample.com:8443/in", "https://example.com:8443/in"),  # a full-width e
])
async def test_the_normal_form_of_a_webhook_url_is_stored(space, given, stored):
    r = await space.post("/webhooks", json={"name": "crm", "url": given, "subscriptions": SUBSCRIPTIONS})
    assert r.status_code == 201, r.text
    assert r.json()["url"] == stored
    assert (await space.get(f"/webhooks/{r.json()['id']}")).json()["url"] == stored


@pytest.mark.parametrize("url", ["http://0177.0.0.1:9/x", "http://\u2460\u2461\u2466.0.0.1:9/x",
                                 "http://user:pw@crm.example.com/x"])
async def test_a_custom_channel_url_that_is_not_plain_is_refused(space, url):
    r = await space.post("/channels", json={"id": "crm", "type": "custom", "provider": "custom_http",
                                            "config": {"url": url, "secret": "s3cret"}})
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "InvalidUrl" and r.json()["errors"][0]["field"] == "config.url"
    assert (await space.get("/channels/crm")).status_code == 404


async def test_a_custom_channel_url_is_stored_in_its_normal_form(space):
    await add_channel(space, "crm", "custom", "custom_http", {"url": "HTTPS://CRM.example.com:443/in",
                                                              "secret": "s3cret"})
    assert (await space.get("/channels/crm")).json()["config"]["url"] == "https://crm.example.com/in"


# --- rows saved before URLs were checked ---------------------------------------------------------

OLD_ROW_URLS = ["http://0177.0.0.1:8000/x", "http://127.000.000.001:8000/x", "http://\u2460\u2461\u2466.0.0.1:8000/x",
                "http://xn--ls8h.la/x"]


class OneSpaceDispatcher(Dispatcher):
    """The dispatcher's service loop, on one space's webhooks only, counting lane claims."""

    def __init__(self, *args, space_id: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.space_id = space_id
        self.claims = 0

    async def due_webhooks(self, now, space_id=None):
        return await super().due_webhooks(now, self.space_id)

    async def _claim_lane(self, webhook_id: str) -> bool:
        self.claims += 1
        return await super()._claim_lane(webhook_id)


async def hooks_with_old_urls(app, space) -> list[str]:
    """Webhooks with a pending delivery each, whose URL is then set in the database as an old row's."""
    ids = []
    for i, url in enumerate(OLD_ROW_URLS):
        r = await space.post("/webhooks", json={"name": f"old{i}", "url": f"https://hook{i}.example.com/x",
                                                "subscriptions": SUBSCRIPTIONS})
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
        async with app.state.db.transaction() as session:
            await session.execute(update(Webhook).where(Webhook.id == ids[-1]).values(url=url))
    assert (await space.post("/profiles", json={"id": "p1"})).status_code in (200, 201)
    return ids


async def test_the_dispatcher_does_not_spin_on_an_old_rows_url(app, settings, space):
    ids = await hooks_with_old_urls(app, space)
    fast = dataclasses.replace(settings, webhook_poll_seconds=0.02)
    dispatcher = OneSpaceDispatcher(app.state.db, fast, name="test-old-urls", space_id=space.space_id)
    stop = asyncio.Event()
    service = asyncio.create_task(dispatcher.run(stop))
    await asyncio.sleep(1.5)  # 75 polls
    stop.set()
    await service
    async with app.state.db.read() as session:
        attempts = list((await session.execute(select(WebhookAttempt).where(
            WebhookAttempt.webhook_id.in_(ids)))).scalars())
        deliveries = list((await session.execute(select(WebhookDelivery).where(
            WebhookDelivery.webhook_id.in_(ids)))).scalars())
    # One failed attempt each, recorded with its error, the next one on the schedule (5 s on).
    assert sorted(a.webhook_id for a in attempts) == sorted(ids), attempts
    assert all(a.outcome == "retry" and a.status_code is None and a.error for a in attempts)
    assert all(d.status == "pending" and d.attempts == 1 and d.next_attempt_on > utcnow() for d in deliveries)
    assert dispatcher.claims <= 2 * len(ids), dispatcher.claims  # claimed, renewed once, released


async def test_an_old_rows_url_fails_on_the_schedule_until_the_webhook_is_disabled(app, settings, space):
    ids = await hooks_with_old_urls(app, space)
    budget = dataclasses.replace(settings, webhook_disable_after_seconds=3600.0)

    async def drain(at) -> int:
        dispatcher = Dispatcher(app.state.db, budget, name="test-old-urls", rng=random.Random(7))
        try:
            return await dispatcher.drain(space_id=space.space_id, now=at)
        finally:
            await dispatcher.close()

    start = utcnow() + timedelta(seconds=1)
    assert await drain(start) == len(ids)
    assert await drain(start) == 0  # nothing is due again before its retry
    assert await drain(start + timedelta(seconds=3601)) == len(ids)
    for hook_id in ids:
        got = (await space.get(f"/webhooks/{hook_id}")).json()
        assert got["enabled"] is False and got["disabledReason"].startswith("Every delivery failed since"), got
        [delivery] = (await space.get(f"/webhooks/{hook_id}/deliveries")).json()
        assert delivery["attempts"] == 2 and delivery["status"] == "pending"
        assert all(a["outcome"] == "retry" and a["error"] for a in delivery["attemptLog"])


async def test_a_custom_channel_with_an_old_rows_url_fails_the_message_once(app, space, deliver):
    await add_channel(space, "crm", "custom", "custom_http", {"url": "https://crm.example.com/in", "secret": "s3cret",
                                                              "idField": "crmId"})
    async with app.state.db.transaction() as session:
        channel = (await session.execute(select(Channel).where(
            Channel.space_id == space.space_id, Channel.channel_id == "crm"))).scalar_one()
        channel.config = {**channel.config, "url": "http://0177.0.0.1:9/in"}
        channel.revision += 1
    mid = await send(space, to={"crmId": "C-1"}, rules=["crm"], body="x")
    await deliver(space)
    got = await message(space, mid)
    assert got["status"] == "failed" and got["attempts"] == 1, got
    assert got["statusHistory"][-1]["details"]["reason"] == "InvalidUrl", got
