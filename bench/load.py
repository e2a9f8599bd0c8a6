#!/usr/bin/env python3
"""Mixed-traffic load: prints ONE JSON line of figures per database.

For N minutes (--minutes, default 10) C closed-loop clients (--clients, default 16: each sends its
next request as soon as the last one is answered) pick, by weight, one of:
  single   POST /messages (sandbox sms)                      45 %
  batch    POST /messages/batch of 20                         10 %
  profile  POST /profiles (a new profile)                    25 %
  inbound  POST /messages/inbounds (an SMS from a profile)    20 %
and a webhook subscribed to message.sent delivers every send's event to a receiver in this
process (signature checked), so webhook fan-out runs under the same load.

The rate is the highest the machine *holds*: a client about to send waits while more than
--backlog accepted messages have not yet come back as a message.sent webhook event (accepted,
delivered by the worker, event fanned out and POSTed). Without that bound the API accepts faster
than delivery, and a backlog grows for as long as the load lasts (--backlog 0 turns it off).

SQLite: one `onecast serve` (API + worker). PostgreSQL (--postgres [URL]): --apis `onecast api`
and --workers `onecast worker` processes; clients spread over the APIs.

Reported: requests and accepted messages per second, round trip p50/p99 per kind, end-to-end
p50/p99 (accepted -> its message.sent event at the receiver), time clients waited for the
backlog, peak RSS of every Onecast process (sampled each second) and of all together, and after
the load the drain: time until no message is processing/retrying, the final statuses of every
accepted message (read from the database), and the webhook events received.

  .venv/bin/python bench/load.py [--minutes 10] [--clients 16] [--backlog 300] [--sqlite] [--postgres [URL]]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from send import DEFAULT_PG, pct, r  # noqa: E402

from tests.peers.counting_receiver import CountingReceiver  # noqa: E402
from tests.reliability.cluster import Cluster, Database  # noqa: E402

WEIGHTS = {"single": 45, "batch": 10, "profile": 25, "inbound": 20}
BATCH = 20
IN_FLIGHT = ("processing", "retrying", "scheduled")
FINAL_OUT = ("sent", "delivered", "read", "failed", "expired")  # inbound messages are "received"


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Memory:
    """Peak RSS per process and of all processes together, sampled every second."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster, self.peak_each, self.peak_total = cluster, 0, 0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            sizes = [rss_kb(pid) for pid in self.cluster.pids()]
            self.peak_each = max(self.peak_each, *sizes, 0)
            self.peak_total = max(self.peak_total, sum(sizes))
            try:
                await asyncio.wait_for(stop.wait(), 1)
            except TimeoutError:
                pass


def status_counts(database: Database, space_id: str) -> dict[str, int]:
    sql = f"SELECT status, count(*) FROM messages WHERE space_id = '{space_id}' GROUP BY status"
    if database.is_postgres:
        out = subprocess.run(["psql", database.url, "-qAtF", "\t", "-c", sql], capture_output=True, text=True,
                             check=True, timeout=60).stdout
        return {k: int(v) for k, v in (line.split("\t") for line in out.splitlines() if line)}
    with sqlite3.connect(database.url[len("sqlite:///"):], timeout=30) as conn:
        return dict(conn.execute(sql).fetchall())


class Traffic:
    def __init__(self, bases: list[str], space_id: str, key: str, seed: int,
                 receiver: CountingReceiver, backlog: int) -> None:
        self.bases, self.space_id = bases, space_id
        self.receiver, self.backlog = receiver, backlog
        self.accepted_at: dict[str, float] = {}  # message id -> monotonic time of the 201/202
        self.waited = 0.0
        self.headers = {"Authorization": f"Bearer {key}"}
        self.rng = random.Random(seed)
        self.latency: dict[str, list[float]] = {k: [] for k in WEIGHTS}
        self.errors: dict[str, int] = {}
        self.first_errors: list[str] = []
        self.accepted = 0
        self.counter = 0

    def url(self, suffix: str) -> str:
        return f"{self.rng.choice(self.bases)}/apispaces/{self.space_id}{suffix}"

    def request_for(self, kind: str) -> tuple[str, object, int]:
        self.counter += 1
        n = self.counter
        phone = f"4477009{n % 100000:05d}"
        if kind == "single":
            return "/messages", {"to": {"phoneNumber": phone}, "body": f"load {n}", "rules": ["sms"]}, 201
        if kind == "batch":
            return "/messages/batch", [{"to": {"phoneNumber": f"4477008{(n * BATCH + i) % 100000:05d}"},
                                        "body": f"load batch {n}.{i}", "rules": ["sms"]} for i in range(BATCH)], 202
        if kind == "profile":
            return "/profiles", {"id": f"load-{n}-{self.rng.randrange(10**9)}", "firstName": "Load",
                                 "phoneNumber": phone, "data": {"n": n}}, 201
        return "/messages/inbounds", {"channel": "sms", "from": {"phoneNumber": phone}, "body": f"reply {n}"}, 201

    async def room(self, until: float) -> None:
        """Wait while too many accepted messages have not come back as events."""
        started = time.monotonic()
        while self.backlog and self.accepted - len(self.receiver.arrivals) > self.backlog \
                and time.monotonic() < until:
            await asyncio.sleep(0.02)
        self.waited += time.monotonic() - started

    async def client(self, http: httpx.AsyncClient, until: float) -> None:
        kinds, weights = list(WEIGHTS), list(WEIGHTS.values())
        while time.monotonic() < until:
            kind = self.rng.choices(kinds, weights)[0]
            if kind in ("single", "batch"):
                await self.room(until)
            suffix, body, expected = self.request_for(kind)
            started = time.perf_counter()
            try:
                response = await http.post(self.url(suffix), json=body, headers=self.headers)
                status = response.status_code
            except httpx.HTTPError as exc:
                status, response = type(exc).__name__, None
            self.latency[kind].append(time.perf_counter() - started)
            if status != expected:
                self.errors[kind] = self.errors.get(kind, 0) + 1
                if len(self.first_errors) < 5:
                    self.first_errors.append(f"{kind} {status} {response.text[:200] if response else ''}")
                continue
            answered = time.monotonic()
            if kind == "single":
                self.accepted += 1
                self.accepted_at[response.json()["messageId"]] = answered
            elif kind == "batch":
                self.accepted += len(response.json())
                self.accepted_at.update((item["messageId"], answered) for item in response.json())

    def end_to_end_ms(self) -> list[float]:
        """Accepted -> first arrival of the message's message.sent event, per message."""
        first: dict[str, float] = {}
        for at, _, what in list(self.receiver.arrivals):
            first.setdefault(what.removeprefix("message.sent "), at)
        return [(first[m] - t) * 1000 for m, t in self.accepted_at.items() if m in first]


async def run_one(kind: str, database: Database, args: argparse.Namespace) -> dict:
    cluster = Cluster(database, {"ONECAST_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8"})
    receiver = CountingReceiver("", answer_after=0).start()
    try:
        space_id, key = cluster.new_space("load")
        if database.is_postgres:
            bases = [cluster.start_api() for _ in range(args.apis)]
            for _ in range(args.workers):
                cluster.start_worker()
        else:
            bases = [cluster.start_serve()]
        async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=args.clients * 2)) as http:
            headers = {"Authorization": f"Bearer {key}"}
            created = await http.post(f"{bases[0]}/apispaces/{space_id}/webhooks", headers=headers, json={
                "name": "load", "url": receiver.url + "/events", "subscriptions": [{"type": "message.sent"}]})
            created.raise_for_status()
            receiver.key = created.json()["secret"].encode() if not created.json()["secret"].startswith("whsec_") \
                else __import__("base64").b64decode(created.json()["secret"][6:])
            traffic = Traffic(bases, space_id, key, seed=7, receiver=receiver, backlog=args.backlog)
            memory = Memory(cluster)
            stop = asyncio.Event()
            sampler = asyncio.create_task(memory.run(stop))
            started = time.monotonic()
            until = started + args.minutes * 60
            await asyncio.gather(*(traffic.client(http, until) for _ in range(args.clients)))
            load_seconds = time.monotonic() - started
            # Drain: every accepted message reaches a final status (bounded wait).
            deadline = time.monotonic() + args.drain_minutes * 60
            while True:
                counts = status_counts(database, space_id)
                if not any(counts.get(s) for s in IN_FLIGHT) or time.monotonic() > deadline:
                    break
                await asyncio.sleep(1)
            drained_after = time.monotonic() - started
            sent_total = sum(n for s, n in counts.items() if s in FINAL_OUT)
            # Webhook events of the sends: wait a little for the dispatcher to catch up.
            events_deadline = time.monotonic() + args.drain_minutes * 60
            while len(receiver.counts()) < counts.get("sent", 0) + counts.get("delivered", 0) \
                    and time.monotonic() < events_deadline:
                await asyncio.sleep(1)
            events_after = time.monotonic() - started
            stop.set()
            await sampler
        requests = sum(len(v) for v in traffic.latency.values())
        end_to_end = traffic.end_to_end_ms()
        return {
            "database": kind, "minutes": args.minutes, "clients": args.clients,
            "processes": {"apis": len(bases), "workers": args.workers if database.is_postgres else 0,
                          "serve": 0 if database.is_postgres else 1},
            "requests": requests, "requests_per_s": r(requests / load_seconds),
            "messages_accepted": traffic.accepted, "messages_accepted_per_s": r(traffic.accepted / load_seconds),
            "latency_ms": {k: {"n": len(v), "p50": r(pct([x * 1000 for x in v], 50)),
                               "p99": r(pct([x * 1000 for x in v], 99))} for k, v in traffic.latency.items()},
            "end_to_end_ms": {"p50": r(pct(end_to_end, 50)), "p99": r(pct(end_to_end, 99)), "n": len(end_to_end)},
            "backlog_bound": args.backlog, "clients_waited_for_backlog_s": r(traffic.waited / args.clients),
            "errors": traffic.errors, "first_errors": traffic.first_errors,
            "peak_rss_mb": {"largest_process": r(memory.peak_each / 1024), "all_processes": r(memory.peak_total / 1024)},
            "final_statuses": counts, "messages_in_db": sum(counts.values()),
            "every_accepted_final": sent_total == traffic.accepted and not any(counts.get(s) for s in IN_FLIGHT),
            "drained_after_s": r(drained_after), "delivered_per_s": r(sent_total / drained_after),
            "webhook_events": {"received": len(receiver.counts()), "duplicates": sum(n - 1 for n in receiver.counts().values()),
                               "all_received_after_s": r(events_after)},
        }
    finally:
        receiver.stop()
        cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--drain-minutes", type=float, default=10, help="at most this long to drain after the load")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--backlog", type=int, default=300,
                        help="most accepted messages not yet back as events before senders wait (0: no bound)")
    parser.add_argument("--apis", type=int, default=2, help="PostgreSQL: API processes")
    parser.add_argument("--workers", type=int, default=2, help="PostgreSQL: worker processes")
    parser.add_argument("--sqlite", action="store_true", help="run SQLite (default unless only --postgres)")
    parser.add_argument("--postgres", nargs="?", const=DEFAULT_PG, default=None, help="server URL (loopback)")
    args = parser.parse_args()
    os.environ.setdefault("ONECAST_SECRET_KEYS", "wVbH0xRKxN3pbEC2JQ2tB3ESXTIbAqUNq5bp7BiC8kQ=")
    runs = []
    if args.sqlite or not args.postgres:
        runs.append(("sqlite", None))
    if args.postgres:
        runs.append(("postgresql", args.postgres.rstrip("/") + "/postgres"))
    for kind, like in runs:
        database = Database(like)  # migrates with its own event loop, so before ours
        try:
            figures = asyncio.run(run_one(kind, database, args))
        finally:
            database.drop()
        figures.update({"bench": "load", "at": datetime.now(UTC).isoformat(timespec="seconds"),
                        "machine": f"{platform.machine()} {os.cpu_count()} cpu, load avg {os.getloadavg()[0]:.1f}"})
        print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
