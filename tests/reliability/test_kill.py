"""kill -9 of a worker and of an API process while clients send: afterwards every accepted
message is final (`sent`) and reached the provider, and nothing was sent twice except what the
killed worker had in flight.

What is asserted, and why: delivery to a provider is at-least-once. A worker killed after the
provider received a message but before it recorded `sent` leaves the job leased; when the lease
ends another worker sends it again (same webhook-id, so a Standard Webhooks receiver can drop
it). So at the peer (the custom channel's receiver, counting webhook-ids = message ids):
- every accepted message id arrived at least once, and no other id arrived;
- an id that arrived twice had its first arrival before the kill (it was in flight in the killed
  worker), and there are at most as many such ids as the killed worker had send slots;
- killing an API process causes no duplicate at all: clients retry with their Idempotency-Key,
  which answers the first result (or IdempotencyKeyApplied if the process died between commit
  and answer; that message is then found at the peer by its body), never a second message."""
from __future__ import annotations

import asyncio
import time

from tests.peers.counting_receiver import CountingReceiver
from tests.reliability.cluster import RetryingClient
from tests.reliability.conftest import FAST

SECRET = "whsec_cmVsaWFiaWxpdHktdGVzdC1zZWNyZXQtMTIz"
UNITS = 60  # every 4th unit is a batch of 5, the others single sends: 120 messages


async def make_custom_channel(client: RetryingClient, url: str) -> None:
    r = await client.request("POST", "/channels", json={"id": "crm", "type": "custom", "provider": "custom_http",
                                                        "config": {"url": url + "/hook", "secret": SECRET}})
    assert r.status_code == 201, r.text


async def send_units(client: RetryingClient, tag: str, units: int, on_unit=None) -> dict[str, str | None]:
    """Sends `units` requests, 6 at a time; body text -> message id (None: applied, answer lost)."""
    accepted: dict[str, str | None] = {}
    queue = list(range(units))

    async def one(i: int) -> None:
        if i % 4 == 0:
            items = [{"to": {"profileId": f"{tag}-{i}-{j}"}, "body": f"{tag} {i}.{j}", "rules": ["crm"]}
                     for j in range(5)]
            r = await client.request("POST", "/messages/batch", json=items)
            bodies = [item["body"] for item in items]
            ids = [item["messageId"] for item in r.json()] if r.status_code == 202 else [None] * 5
        else:
            body = f"{tag} {i}"
            r = await client.request("POST", "/messages", json={"to": {"profileId": f"{tag}-{i}"}, "body": body,
                                                                "rules": ["crm"]})
            bodies, ids = [body], [r.json()["messageId"] if r.status_code == 201 else None]
        assert r.status_code in (201, 202) or r.json()["code"] == "IdempotencyKeyApplied", r.text
        accepted.update(zip(bodies, ids))
        if on_unit is not None:
            await on_unit(len(accepted))

    async def runner() -> None:
        while queue:
            await one(queue.pop(0))

    await asyncio.gather(*(runner() for _ in range(6)))
    return accepted


async def settle(client: RetryingClient, receiver: CountingReceiver, accepted: dict[str, str | None]) -> list[str]:
    """Waits until every accepted message is final and returns their ids (answers lost to a kill
    are looked up at the peer by body)."""
    ids = [m for m in accepted.values() if m]
    statuses = await client.wait_final(ids, timeout=45)
    assert set(statuses.values()) == {"sent"}, {m: s for m, s in statuses.items() if s != "sent"}
    lost_answers = {body for body, m in accepted.items() if m is None}
    deadline = time.monotonic() + 30
    while not lost_answers <= receiver.bodies() and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert lost_answers <= receiver.bodies()
    with receiver.lock:
        ids += [webhook_id for _, webhook_id, body in receiver.arrivals if body in lost_answers]
    return sorted(set(ids))


async def test_kill_9_of_a_worker_mid_load(cluster):
    receiver = CountingReceiver(SECRET).start()
    try:
        space_id, key = cluster.new_space()
        api = cluster.start_api()
        doomed = cluster.start_worker()
        cluster.start_worker()
        killed_at: list[float] = []

        async def kill_when_busy(_accepted: int) -> None:
            # Kill once the receiver has taken some messages, so the worker is mid-stream.
            if not killed_at and len(receiver.arrivals) >= 20:
                killed_at.append(time.monotonic())
                cluster.kill(doomed)

        async with RetryingClient([api], space_id, key) as client:
            await make_custom_channel(client, receiver.url)
            accepted = await send_units(client, "w", UNITS, kill_when_busy)
            if not killed_at:  # the workers were faster than the senders: kill now, mid-drain
                killed_at.append(time.monotonic())
                cluster.kill(doomed)
            ids = await settle(client, receiver, accepted)
        counts = receiver.counts()
        assert sorted(counts) == ids, cluster.log_tail()
        first = receiver.first_arrival()
        twice = [m for m, n in counts.items() if n > 1]
        with receiver.lock:
            seen = [(round(at - killed_at[0], 3), m) for at, m, _ in receiver.arrivals if m in twice]
        assert all(first[m] < killed_at[0] for m in twice), (seen, cluster.log_tail())
        assert len(twice) <= int(FAST["ONECAST_WORKER_CONCURRENCY"]) and max(counts.values()) <= 2, seen
    finally:
        receiver.stop()


async def test_kill_9_of_an_api_process_mid_load(cluster):
    receiver = CountingReceiver(SECRET).start()
    try:
        space_id, key = cluster.new_space()
        api_a, api_b = cluster.start_api(), cluster.start_api()
        cluster.start_worker()
        killed = asyncio.Event()

        async def kill_when_busy(accepted: int) -> None:
            if not killed.is_set() and accepted >= 40:
                killed.set()
                cluster.kill_api(api_a)  # the client's requests to it fail; it retries on api_b
                await asyncio.to_thread(cluster.restart_api, api_a)

        async with RetryingClient([api_a, api_b], space_id, key) as client:
            await make_custom_channel(client, receiver.url)
            accepted = await send_units(client, "a", UNITS, kill_when_busy)
            assert killed.is_set() and client.retries > 0
            ids = await settle(client, receiver, accepted)
        counts = receiver.counts()
        assert sorted(counts) == ids and len(ids) == len(accepted) == 120, cluster.log_tail()
        assert max(counts.values()) == 1, [m for m, n in counts.items() if n > 1]
    finally:
        receiver.stop()
