"""issue 20 #12: a message queued on a channel whose config is then fixed is retried with the
current configuration (it kept the old one until it failed), unless the channel was deleted."""

from __future__ import annotations

import asyncio
import socket
import time

from onecast.delivery.worker import Worker
from tests.channels.custom.test_custom_http import SECRET, receiver  # noqa: F401 -- the peer fixture
from tests.channels.vendor_helpers import add_channel, message, send


def _closed_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/hook"


def _config(url: str) -> dict:
    return {"url": url, "secret": SECRET, "idField": "crmId"}


async def _drain_until(worker: Worker, space, mid: str, done, timeout: float = 60.0) -> dict:
    """One worker (one provider pool, as in a running server) delivering until `done(message)`."""
    deadline = time.monotonic() + timeout
    while True:
        await worker.drain()
        got = await message(space, mid)
        if done(got) or time.monotonic() > deadline:
            return got
        await asyncio.sleep(0.05)


async def test_a_retry_uses_the_fixed_configuration(app, settings, space, receiver):  # noqa: F811
    await add_channel(space, "crm", "custom", "custom_http", _config(_closed_url()))
    mid = await send(space, to={"crmId": "C-1"}, rules=["crm"], body="hello")
    worker = Worker(app.state.db, settings, name="retry-config")
    try:
        got = await _drain_until(worker, space, mid, lambda m: m["attempts"] >= 1)
        assert got["status"] == "retrying", got  # the first attempt met a closed port
        r = await space.put(
            "/channels/crm",
            json={"type": "custom", "provider": "custom_http", "config": _config(receiver.url + "/hook")},
        )
        assert r.status_code == 200, r.text
        got = await _drain_until(worker, space, mid, lambda m: m["status"] in ("sent", "failed"))
    finally:
        await worker.pool.close()
    assert got["status"] == "sent", got
    assert [request.headers["webhook-id"] for request in receiver.accepted] == [mid]


async def test_a_deleted_channel_is_not_retried_and_the_next_rule_takes_over(app, settings, space):
    await add_channel(space, "crm", "custom", "custom_http", _config(_closed_url()))
    mid = await send(space, to={"crmId": "C-2", "email": "c2@example.com"}, rules=["crm", "email"], body="hello")
    worker = Worker(app.state.db, settings, name="retry-deleted")
    try:
        assert (await _drain_until(worker, space, mid, lambda m: m["attempts"] >= 1))["status"] == "retrying"
        assert (await space.delete("/channels/crm")).status_code == 204
        got = await _drain_until(worker, space, mid, lambda m: m["status"] in ("delivered", "failed"))
    finally:
        await worker.pool.close()
    assert got["status"] == "delivered" and got["statusDetails"]["channel"] == "email", got
    assert got["statusDetails"]["failedChannels"][0]["reason"] == "ChannelDeleted", got
