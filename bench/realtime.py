#!/usr/bin/env python3
"""App-messaging benchmark: prints ONE JSON line of figures.

Migrates a fresh database (SQLite in a temp file; PostgreSQL too when ONECAST_BENCH_POSTGRES_URL
names an empty database), creates a space with the CLI and starts real `onecast api` processes:
one on SQLite; two on PostgreSQL, the sender on one and the receiving socket on the other, so
every event crosses processes through LISTEN/NOTIFY. Alice posts N messages one at a time to a
conversation; bob's socket receives them. Figures: POST latency, post -> socket latency
(p50/p95 ms) and messages per second.

  .venv/bin/python bench/realtime.py [--messages 200]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import httpx

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tests.appusers.helpers import configure_auth, start_session
from tests.appusers.live import EventSocket, running_api
from tests.conftest import SpaceClient

ROLES = {"owner": {"canSend": True, "canAddParticipants": True, "canRemoveParticipants": True},
         "participant": {"canSend": True, "canAddParticipants": False, "canRemoveParticipants": False}}


def _cli(database_url: str, *args: str) -> str:
    env = {**os.environ, "ONECAST_DATABASE_URL": database_url}
    return subprocess.run([sys.executable, "-m", "onecast.cli", *args], env=env, capture_output=True, text=True,
                          check=True).stdout


def _pct(values: list[float], q: float) -> float:
    return round(sorted(values)[min(len(values) - 1, int(q * len(values)))] * 1000, 2)


async def _run(sender: str, receiver: str, space_id: str, key: str, n: int) -> dict:
    async with httpx.AsyncClient(base_url=sender, timeout=30) as send_client, \
            httpx.AsyncClient(base_url=receiver, timeout=30) as recv_client:
        space = SpaceClient(send_client, space_id, key)
        await configure_auth(space)
        alice = await start_session(send_client, space_id, "alice")
        bob = await start_session(recv_client, space_id, "bob")
        await space.post("/conversations", json={"id": "bench", "name": "bench", "roles": ROLES, "isPublic": False,
                                                 "participants": [{"id": "alice"}, {"id": "bob"}]})
        sock = await EventSocket.open(receiver, space_id, bob.token)
        post_latency, delivery_latency = [], []
        started = time.perf_counter()
        for i in range(n):
            t0 = time.perf_counter()
            r = await alice.request("POST", "/conversations/bench/messages", json={"parts": [{"data": f"m{i}"}]})
            post_latency.append(time.perf_counter() - t0)
            event = await sock.next("conversationMessage.sent")
            assert event["payload"]["messageId"] == r.json()["id"]
            delivery_latency.append(time.perf_counter() - t0)
        elapsed = time.perf_counter() - started
        await sock.close()
    return {"messages": n, "post_p50_ms": _pct(post_latency, 0.5), "post_p95_ms": _pct(post_latency, 0.95),
            "socket_p50_ms": _pct(delivery_latency, 0.5), "socket_p95_ms": _pct(delivery_latency, 0.95),
            "per_second": round(n / elapsed, 1), "median_s": round(statistics.median(delivery_latency), 4)}


def bench(database_url: str, n: int, processes: int) -> dict:
    _cli(database_url, "migrate")
    created = json.loads(_cli(database_url, "spaces", "create", "bench", "--json").strip().splitlines()[-1])
    if processes == 1:
        with running_api(database_url) as base:
            return asyncio.run(_run(base, base, created["apiSpaceId"], created["apiKey"], n))
    with running_api(database_url) as sender, running_api(database_url) as receiver:
        return {**asyncio.run(_run(sender, receiver, created["apiSpaceId"], created["apiKey"], n)),
                "processes": 2}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=200)
    args = parser.parse_args()
    figures = {"bench": "realtime"}
    with tempfile.TemporaryDirectory() as tmp:
        figures["sqlite"] = bench(f"sqlite:///{tmp}/bench.db", args.messages, 1)
    if os.environ.get("ONECAST_BENCH_POSTGRES_URL"):
        figures["postgresql"] = bench(os.environ["ONECAST_BENCH_POSTGRES_URL"], args.messages, 2)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
