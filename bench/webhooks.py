#!/usr/bin/env python3
"""Webhook benchmark: prints ONE JSON line of figures.

Migrates a fresh SQLite database in a temp directory, creates an API space with the CLI, starts
a real `onecast serve` process (API + worker, whose webhook dispatcher is a background service)
allowed to post to loopback, and a real HTTP receiver (tests/peers/webhook_receiver.py) in this
process. Profiles created over HTTP emit `profile.create` events:

  single   a burst of N events (bulk profile writes of 500), one webhook request per event
  batched  the same burst to a webhook with batch=true (maxBatchSize 100, batchTimeout 1 s)
  paced    P events at a fixed rate (a light load): latency when the dispatcher is idle

events_per_s = events delivered / (first event created -> last one received);
latency = receipt at the receiver - the event's own `timestamp` (same machine clock).

  .venv/bin/python bench/webhooks.py [--quick]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]

from send import BenchError, Server, free_port, ms_summary, run_cli, ts  # noqa: E402

from tests.peers.webhook_receiver import WebhookReceiver  # noqa: E402


async def create_profiles(client: httpx.AsyncClient, space: str, prefix: str, n: int, chunk: int = 500) -> None:
    """A burst: PATCH /profiles/bulk writes `chunk` profiles (and their events) per request."""
    for start in range(0, n, chunk):
        items = [{"id": f"{prefix}{i}"} for i in range(start, min(n, start + chunk))]
        r = await client.patch(f"/apispaces/{space}/profiles/bulk", json=items)
        if r.status_code != 200:
            raise BenchError(f"bulk profiles: {r.status_code} {r.text[:200]}")


async def paced(client: httpx.AsyncClient, space: str, prefix: str, n: int, rate: float) -> None:
    start = time.monotonic()
    for i in range(n):
        await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
        r = await client.post(f"/apispaces/{space}/profiles", json={"id": f"{prefix}{i}"})
        if r.status_code != 201:
            raise BenchError(f"profile create: {r.status_code} {r.text[:200]}")


def events_at(receiver: WebhookReceiver, path: str) -> list[tuple[dict, float]]:
    out = []
    for got in receiver.at(path):
        body = json.loads(got.body)
        for event in body if isinstance(body, list) else [body]:
            out.append((event, got.wall))
    return out


async def phase(client, receiver, space: str, path: str, load, n: int, timeout: float) -> dict:
    started = time.time()
    await load
    accepted = time.time() - started
    deadline = time.monotonic() + timeout
    while len(events_at(receiver, path)) < n:
        if time.monotonic() > deadline:
            raise BenchError(f"{path}: {len(events_at(receiver, path))} of {n} events after {timeout}s")
        await asyncio.sleep(0.05)
    received = events_at(receiver, path)
    last = max(wall for _, wall in received)
    latencies = [wall - ts(event["timestamp"]) for event, wall in received]
    return {"events": n, "requests": len(receiver.at(path)), "create_per_s": round(n / accepted, 1),
            "events_per_s": round(n / (last - started), 1), "latency_ms": ms_summary(latencies)}


async def bench(base: str, space: str, key: str, args) -> dict:
    receiver = await WebhookReceiver().start()
    headers = {"Authorization": f"Bearer {key}"}
    try:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30,
                                     limits=httpx.Limits(max_connections=args.concurrency)) as client:
            async def hook(path: str, **extra) -> None:
                r = await client.post(f"/apispaces/{space}/webhooks", json={
                    "name": path.strip("/"), "url": receiver.url(path), "subscriptions": [{"type": "profile.create"}],
                    **extra})
                if r.status_code != 201:
                    raise BenchError(f"webhook create: {r.status_code} {r.text[:300]}")
                return r.json()["id"]

            async def disable(hook_id: str) -> None:
                got = (await client.get(f"/apispaces/{space}/webhooks/{hook_id}")).json()
                keep = ("name", "url", "subscriptions", "batch", "maxBatchSize", "batchTimeout")
                await client.put(f"/apispaces/{space}/webhooks/{hook_id}",
                                 json={**{k: got[k] for k in keep}, "enabled": False})

            figures = {}
            single = await hook("/single")
            figures["single"] = await phase(client, receiver, space, "/single", create_profiles(
                client, space, "s", args.events), args.events, args.timeout)
            await disable(single)
            batched = await hook("/batched", batch=True, maxBatchSize=100, batchTimeout=1)
            figures["batched"] = await phase(client, receiver, space, "/batched", create_profiles(
                client, space, "b", args.events), args.events, args.timeout)
            await disable(batched)
            await hook("/paced")
            figures["paced"] = await phase(client, receiver, space, "/paced", paced(
                client, space, "p", args.paced, args.rate), args.paced, args.timeout)
            figures["paced"]["rate_per_s"] = args.rate
            return figures
    finally:
        await receiver.stop()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer events")
    p.add_argument("--events", type=int, default=2000)
    p.add_argument("--paced", type=int, default=300)
    p.add_argument("--rate", type=float, default=50.0)
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--timeout", type=float, default=300.0)
    args = p.parse_args()
    if args.quick:
        args.events, args.paced = 300, 100
    with tempfile.TemporaryDirectory(prefix="onecast-bench-webhooks-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ONECAST_")}
        env.update({"ONECAST_DATABASE_URL": f"sqlite:///{tmp}/bench.db", "ONECAST_LOG_JSON": "true",
                    "ONECAST_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8", "PYTHONUNBUFFERED": "1"})
        run_cli(["migrate"], env, tmp)
        created = json.loads(run_cli(["spaces", "create", "bench", "--json"], env, tmp).strip().splitlines()[-1])
        server = Server(env, tmp, free_port())
        server.start()
        try:
            async def run() -> dict:
                async with httpx.AsyncClient(base_url=server.base) as probe:
                    await server.wait_ready(probe)
                return await bench(server.base, created["apiSpaceId"], created["apiKey"], args)

            figures = asyncio.run(run())
        except BenchError as exc:
            print(json.dumps({"bench": "webhooks", "error": str(exc), "log": server.log_tail()}))
            return 1
        finally:
            server.stop()
    print(json.dumps({"bench": "webhooks", "database": "sqlite", **figures}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
