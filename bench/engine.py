#!/usr/bin/env python3
"""Message engine benchmark (issue 17): prints ONE JSON line of figures, Onecast beside a minimal
reference server measured in the same run, with the ratio Onecast / reference.

For each database (SQLite in a temp file; PostgreSQL with --postgres [URL] or
ONECAST_BENCH_POSTGRES_URL) and each target it migrates a fresh database, creates an API space
with the CLI and starts the server in its own process: `onecast serve` (API + worker) or
bench/engine_ref.py (uvicorn + Starlette writing the same three rows per message, a worker
woken on commit). Then:

  idle     the server's CPU while nothing happens (% of one core)
  single   N single POST /messages (sandbox SMS), 16 connections: accepted/s, round trip p50/p99
  batch    B POST /messages/batch of S: accepted msgs/s
  delivery after each of those, until every message is `delivered` (read from the database):
           end-to-end msgs/s = messages / (first request -> last `delivered`), and the server's
           CPU-ms per message from the first request to the last `delivered`
  webhooks (SQLite) the webhook dispatcher alone, in its own process, draining E pending events
           to a fast loopback receiver; the reference is a bare httpx poster with the same
           4 connections per endpoint (webhook_endpoint_concurrency)

The machine's load average is recorded at the start of each target: other work on the cores
skews every figure.

  .venv/bin/python bench/engine.py [--quick] [--runs 3] [--postgres [URL]]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]

from send import (  # noqa: E402
    Accepted,
    BenchError,
    Server,
    _post,
    database_args,
    database_kinds,
    median_of,
    ms_summary,
    on_fresh_server,
    r,
    report,
    run_cli,
    run_pool,
    sms,
)

TARGETS = ("onecast", "reference")
# Figures compared in "ratio" (Onecast / reference): more is better for each but CPU and idle.
RATIO_KEYS = (
    "single_accepted_per_s",
    "single_p99_ms",
    "batch_msgs_per_s",
    "delivery_msgs_per_s",
    "cpu_ms_per_msg_single",
    "cpu_ms_per_msg_batch",
    "idle_cpu_pct",
    "webhook_events_per_s",
)


class ReferenceServer(Server):
    ready_path = "/healthz"
    label = "reference server"

    def command(self) -> list[str]:
        return [sys.executable, str(ROOT / "bench" / "engine_ref.py"), self.env["ONECAST_DATABASE_URL"], str(self.port)]


class Delivered:
    """Reads, from the database itself, how many messages are `delivered` and when the last was."""

    def __init__(self, db_url: str) -> None:
        self.url = db_url
        self.pg = None

    async def open(self) -> None:
        if not self.url.startswith("sqlite"):
            import asyncpg

            self.pg = await asyncpg.connect(self.url)

    async def close(self) -> None:
        if self.pg is not None:
            await self.pg.close()

    async def read(self) -> tuple[int, float | None]:
        count_sql = "SELECT count(*) FROM messages WHERE status = 'delivered'"
        last_sql = "SELECT max(timestamp) FROM message_status_events WHERE status = 'delivered'"
        if self.pg is not None:
            count, last = await self.pg.fetchval(count_sql), await self.pg.fetchval(last_sql)
            return count, last.timestamp() if last else None
        conn = sqlite3.connect(f"file:{self.url[len('sqlite:///') :]}?mode=ro", uri=True, timeout=30)
        try:
            count = conn.execute(count_sql).fetchone()[0]
            last = conn.execute(last_sql).fetchone()[0]
        finally:
            conn.close()
        return count, (datetime.fromisoformat(last).replace(tzinfo=UTC).timestamp() if last else None)

    async def wait_for(self, total: int, timeout: float) -> float:
        """Poll until `total` messages are delivered; the server time of the last `delivered`."""
        deadline = time.monotonic() + timeout
        while True:
            count, last = await self.read()
            if count >= total and last is not None:
                return last
            if time.monotonic() > deadline:
                raise BenchError(f"{count} of {total} messages delivered after {timeout}s")
            await asyncio.sleep(0.2)


async def measure_phase(server: Server, delivered: Delivered, expected: int, load, n: int, timeout: float) -> dict:
    cpu0, wall0, t0 = server.cpu_seconds(), time.time(), time.perf_counter()
    accept, acc = await load
    elapsed = time.perf_counter() - t0
    cpu_accept = server.cpu_seconds()
    last = await delivered.wait_for(expected, timeout)
    cpu_done = server.cpu_seconds()
    if acc.errors:
        raise BenchError(f"{acc.errors} requests failed: {acc.first_error}")
    return {
        "accepted": len(acc.at),
        "accepted_per_s": r(len(acc.at) / elapsed),
        "request_ms": accept["request_ms"],
        "accept_cpu_util": r((cpu_accept - cpu0) / elapsed, 2),
        "delivered_per_s": r(n / max(last - wall0, 1e-6)),
        "drain_s": r(last - wall0, 3),
        "cpu_ms_per_msg": r((cpu_done - cpu0) * 1000 / n, 2),
    }


async def single_load(client: httpx.AsyncClient, space: str, n: int, concurrency: int):
    acc = Accepted()
    url = f"/apispaces/{space}/messages"
    await run_pool((lambda i=i: _post(client, url, sms(i, "single"), acc, False) for i in range(n)), concurrency)
    return {"request_ms": ms_summary(acc.request_s)}, acc


async def batch_load(client: httpx.AsyncClient, space: str, batches: int, size: int, concurrency: int):
    acc = Accepted()
    url = f"/apispaces/{space}/messages/batch"
    payloads = [[sms(b * size + i, "batch") for i in range(size)] for b in range(batches)]
    await run_pool((lambda p=p: _post(client, url, p, acc, True) for p in payloads), concurrency)
    return {"request_ms": ms_summary(acc.request_s)}, acc


async def drive(server: Server, db_url: str, space: str, key: str, args) -> dict:
    limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
    delivered = Delivered(db_url)
    async with httpx.AsyncClient(
        base_url=server.base,
        headers={"Authorization": f"Bearer {key}"},
        timeout=httpx.Timeout(120, connect=10),
        limits=limits,
    ) as client:
        await server.wait_ready(client)
        await delivered.open()
        try:
            total = 32  # warm-up: connections and code paths, not counted
            await measure_phase(server, delivered, total, single_load(client, space, total, 8), total, args.timeout)
            await asyncio.sleep(1.0)
            cpu0, t0 = server.cpu_seconds(), time.perf_counter()
            await asyncio.sleep(args.idle_seconds)
            idle = r((server.cpu_seconds() - cpu0) * 100 / (time.perf_counter() - t0), 2)
            total += args.messages
            single = await measure_phase(
                server, delivered, total, single_load(client, space, args.messages, 16), args.messages, args.timeout
            )
            n_batch = args.batches * args.batch_size
            total += n_batch
            batch = await measure_phase(
                server,
                delivered,
                total,
                batch_load(client, space, args.batches, args.batch_size, 4),
                n_batch,
                args.timeout,
            )
        finally:
            await delivered.close()
    return {"idle_cpu_pct": idle, "single": single, "batch": batch}


def headline(figures: dict) -> dict:
    """The figures the issue asks for, flat, for the ratio."""
    single, batch = figures["single"], figures["batch"]
    return {
        "single_accepted_per_s": single["accepted_per_s"],
        "single_p50_ms": single["request_ms"]["p50"],
        "single_p99_ms": single["request_ms"]["p99"],
        "batch_msgs_per_s": batch["accepted_per_s"],
        "delivery_msgs_per_s": batch["delivered_per_s"],
        "delivery_single_msgs_per_s": single["delivered_per_s"],
        "cpu_ms_per_msg_single": single["cpu_ms_per_msg"],
        "cpu_ms_per_msg_batch": batch["cpu_ms_per_msg"],
        "idle_cpu_pct": figures["idle_cpu_pct"],
    }


def one_target(kind: str, target: str, args) -> dict:
    def run(server: Server, db_url: str, space: str, key: str) -> dict:
        load = [round(x, 2) for x in os.getloadavg()]
        figures = asyncio.run(drive(server, db_url, space, key, args))
        return {**headline(figures), "detail": figures, "load_avg_at_start": load}

    return on_fresh_server(kind, args.postgres, Server if target == "onecast" else ReferenceServer, run)


# ---------------------------------------------------------------- webhooks, dispatcher alone


async def _dispatcher_child(db_url: str, events: int, url: str) -> dict:
    """Runs in its own process: a space, one webhook on `url`, `events` pending events, then one
    Dispatcher drains them; the time and CPU of the drain only."""
    from onecast.config import Settings
    from onecast.kit.db import Database
    from onecast.kit.events import record_event
    from onecast.spaces.service import create_account_with_space
    from onecast.webhooks import service as webhooks
    from onecast.webhooks.dispatcher import Dispatcher
    from onecast.webhooks.schemas import WebhookIn

    settings = Settings.from_env()
    db = Database(settings.async_database_url, settings)
    async with db.transaction() as session:
        space, _key, _secret = await create_account_with_space(session, "bench")
        await webhooks.create(
            session,
            settings,
            space.id,
            WebhookIn(name="bench", url=url, subscriptions=[{"type": "profile.create"}]),
            "bench",
        )
    for start in range(0, events, 500):
        async with db.transaction() as session:
            for i in range(start, min(events, start + 500)):
                record_event(session, space.id, "profile.create", f"p{i}", {"id": f"p{i}"})
    dispatcher = Dispatcher(db, settings, name="bench")
    cpu0, t0 = time.process_time(), time.perf_counter()
    tried = await dispatcher.drain()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    await dispatcher.close()
    await db.dispose()
    return {"events": events, "tried": tried, "seconds": seconds, "cpu_s": cpu}


async def _poster_child(events: int, url: str, concurrency: int) -> dict:
    """The reference: a bare httpx client posting `events` small JSON bodies, `concurrency` at once."""
    body = {"name": "profile.create", "payload": {"id": "p"}, "revision": 1}
    cpu0, t0 = time.process_time(), time.perf_counter()
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=concurrency)) as client:

        async def post(i: int) -> None:
            (await client.post(url, json={**body, "eventId": str(i)})).raise_for_status()

        await run_pool((lambda i=i: post(i) for i in range(events)), concurrency)
    return {"events": events, "tried": events, "seconds": time.perf_counter() - t0, "cpu_s": time.process_time() - cpu0}


async def webhook_figures(args) -> dict:
    from tests.peers.webhook_receiver import WebhookReceiver

    receiver = await WebhookReceiver().start()
    out = {}
    try:
        for target in TARGETS:
            tmp = tempfile.mkdtemp(prefix="onecast-engine-hooks-")
            try:
                env = {k: v for k, v in os.environ.items() if not k.startswith("ONECAST_")}
                env.update(
                    {
                        "ONECAST_DATABASE_URL": f"sqlite:///{tmp}/bench.db",
                        "ONECAST_LOG_JSON": "true",
                        "ONECAST_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
                    }
                )
                path = f"/{target}"
                if target == "onecast":
                    run_cli(["migrate"], env, tmp)
                proc = await asyncio.create_subprocess_exec(
                    sys.executable,
                    __file__,
                    f"--{target}-webhook-child",
                    str(args.events),
                    receiver.url(path),
                    env=env,
                    cwd=tmp,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.PIPE,
                )
                stdout, stderr = await proc.communicate()
                if proc.returncode != 0:
                    raise BenchError(f"webhook {target} child failed: {stderr.decode()[-2000:]}")
                child = json.loads(stdout.decode().strip().splitlines()[-1])
                got = len(receiver.at(path))
                if got < args.events:
                    raise BenchError(f"webhook {target}: {got} of {args.events} events received")
                out[target] = {
                    "webhook_events_per_s": r(args.events / child["seconds"]),
                    "webhook_cpu_ms_per_event": r(child["cpu_s"] * 1000 / args.events, 3),
                }
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
    finally:
        await receiver.stop()
    return out


def ratios(onecast: dict, reference: dict) -> dict:
    return {
        k: r(onecast[k] / reference[k], 3)
        for k in RATIO_KEYS
        if isinstance(onecast.get(k), (int, float)) and isinstance(reference.get(k), (int, float)) and reference[k]
    }


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] in ("--onecast-webhook-child", "--reference-webhook-child"):
        events, url = int(sys.argv[2]), sys.argv[3]
        child = (
            _dispatcher_child(os.environ["ONECAST_DATABASE_URL"], events, url)
            if sys.argv[1] == "--onecast-webhook-child"
            else _poster_child(events, url, 4)
        )
        print(json.dumps(asyncio.run(child)))
        return 0
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    database_args(p)
    p.add_argument("--messages", type=int, help="single POSTs (default 2000, quick 200)")
    p.add_argument("--batches", type=int, help="batch POSTs (default 50, quick 5)")
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--events", type=int, help="webhook events for the dispatcher (default 2000, quick 300)")
    p.add_argument("--idle-seconds", type=float, help="idle CPU window (default 10, quick 3)")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for delivery per phase")
    args = p.parse_args()
    args.messages = args.messages or (200 if args.quick else 2000)
    args.batches = args.batches or (5 if args.quick else 50)
    args.events = args.events or (300 if args.quick else 2000)
    args.idle_seconds = args.idle_seconds or (3.0 if args.quick else 10.0)
    kinds = database_kinds(p, args)

    def collect(out: dict) -> None:
        for kind in kinds:
            per_target = {}
            for target in TARGETS:
                runs = [one_target(kind, target, args) for _ in range(args.runs)]
                per_target[target] = median_of(runs) if len(runs) > 1 else runs[0]
            if kind == "sqlite":
                hooks = [asyncio.run(webhook_figures(args)) for _ in range(args.runs)]
                for target in TARGETS:
                    per_target[target].update(median_of([h[target] for h in hooks]))
            per_target["ratio"] = ratios(per_target["onecast"], per_target["reference"])
            out[kind] = per_target

    return report("engine", args, collect)


if __name__ == "__main__":
    sys.exit(main())
