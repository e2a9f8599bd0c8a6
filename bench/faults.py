#!/usr/bin/env python3
"""Fault scenarios at full duration: ONE JSON line of figures per scenario.

  kill      kill -9 of one of two workers, then of one of two API processes (restarted at
            once), while messages keep coming to a custom channel (counted at its receiver).
  smsc      the SMSC peer (tests/peers/smsc.py) stops for --outage seconds (default 120) while
            messages keep coming; then it listens again on the same port.
  smtp      the same with the aiosmtpd peer (tests/peers/smtp_server.py).
  webhook   a webhook receiver answers 500 for --webhook-outage seconds (default 600), then 200.
  pgrestart `pg_ctlcluster --skip-systemctl-redirect <version> main restart` mid-load, sending to
            a custom channel counted at its receiver
            (PostgreSQL only; refuses while other databases of the server have clients, since
            a restart would break them, unless --force).

Each scenario runs real `onecast api` + `onecast worker` processes with the product's default
retry settings unless --env KEY=VALUE overrides them, sends at --rate messages/s before, during
and after the fault (clients retry with their Idempotency-Key), and reports: accepted, final
statuses, messages seen at the peer (distinct and duplicates), and how long after recovery the
queue drained.

  .venv/bin/python bench/faults.py [kill smsc smtp webhook pgrestart] [--outage 120] [--webhook-outage 600]
                                   [--rate 5] [--postgres [URL]] [--env ONECAST_MAX_ATTEMPTS=20]
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from send import DEFAULT_PG, r  # noqa: E402

from tests.peers.counting_receiver import CountingReceiver  # noqa: E402
from tests.peers.smsc import Smsc  # noqa: E402
from tests.peers.smtp_server import SmtpPeer  # noqa: E402
from tests.reliability.cluster import FINAL, Cluster, Database, RetryingClient  # noqa: E402


class Load:
    """Sends one message every 1/rate seconds while running; body text -> message id."""

    def __init__(self, client: RetryingClient, make, rate: float) -> None:
        self.client, self.make, self.rate = client, make, rate
        self.accepted: dict[str, str | None] = {}
        self.refused: list[str] = []
        self.n = 0
        self.tasks: set[asyncio.Task] = set()

    async def _one(self, request: dict) -> None:
        response = await self.client.request("POST", "/messages", json=request)
        if response.status_code == 201:
            self.accepted[request["body"]] = response.json()["messageId"]
        elif response.json().get("code") == "IdempotencyKeyApplied":
            self.accepted[request["body"]] = None
        else:
            self.refused.append(f"{response.status_code} {response.text[:200]}")

    async def run_for(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.n += 1
            task = asyncio.create_task(self._one(self.make(self.n)))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
            await asyncio.sleep(1 / self.rate)

    async def settle(self) -> None:
        while self.tasks:
            await asyncio.gather(*list(self.tasks))


async def drain(client: RetryingClient, ids: list[str], timeout: float, final=FINAL) -> tuple[dict, float]:
    started = time.monotonic()
    statuses = await client.wait_final(ids, timeout, final)
    return dict(collections.Counter(statuses.values())), time.monotonic() - started


def dupes(counter: collections.Counter) -> int:
    return sum(n - 1 for n in counter.values())


async def scenario_smsc(cluster: Cluster, args: argparse.Namespace) -> dict:
    smsc = await Smsc().start()
    try:
        space_id, key = cluster.new_space("faults")
        api = cluster.start_api()
        cluster.start_worker()
        async with RetryingClient([api], space_id, key, give_up_after=args.outage + 120) as client:
            created = await client.request("POST", "/channels", json={"id": "sms", "type": "sms",
                                                                      "provider": "sms_smpp", "config": smsc.config()})
            assert created.status_code == 201, created.text
            load = Load(client, lambda n: {"to": {"phoneNumber": f"4477009{n:05d}"}, "body": f"fault sms {n}",
                                           "rules": ["sms"]}, args.rate)
            await load.run_for(args.lead)
            await smsc.stop()
            await load.run_for(args.outage)
            await smsc.start()
            recovered = time.monotonic()
            await load.run_for(args.lead)
            await load.settle()
            ids = [m for m in load.accepted.values() if m]
            statuses, _ = await drain(client, ids, args.drain)
        seen = collections.Counter(smsc.texts())
        return {"outage_s": args.outage, "accepted": len(load.accepted), "refused": len(load.refused),
                "final_statuses": statuses, "drained_s_after_recovery": r(time.monotonic() - recovered),
                "peer_distinct": len(seen), "peer_duplicates": dupes(seen),
                "accepted_missing_at_peer": len(set(load.accepted) - set(seen))}
    finally:
        await smsc.stop()


async def scenario_smtp(cluster: Cluster, args: argparse.Namespace) -> dict:
    peer = SmtpPeer().start()
    try:
        space_id, key = cluster.new_space("faults")
        api = cluster.start_api()
        cluster.start_worker()
        async with RetryingClient([api], space_id, key, give_up_after=args.outage + 120) as client:
            created = await client.request("POST", "/channels", json={
                "id": "email", "type": "email", "provider": "email_smtp",
                "config": {"host": peer.host, "port": peer.port, "security": "none", "fromAddress": "f@onecast.test"}})
            assert created.status_code == 201, created.text
            load = Load(client, lambda n: {"to": {"email": f"r{n}@example.com"}, "title": "Fault",
                                           "body": f"fault mail {n}", "rules": ["email"]}, args.rate)
            await load.run_for(args.lead)
            peer.stop()
            await load.run_for(args.outage)
            await asyncio.to_thread(peer.start)
            recovered = time.monotonic()
            await load.run_for(args.lead)
            await load.settle()
            ids = [m for m in load.accepted.values() if m]
            statuses, _ = await drain(client, ids, args.drain)
        seen = collections.Counter(m.message["Message-ID"].strip("<>").split("@")[0] for m in peer.received)
        return {"outage_s": args.outage, "accepted": len(load.accepted), "refused": len(load.refused),
                "final_statuses": statuses, "drained_s_after_recovery": r(time.monotonic() - recovered),
                "peer_distinct": len(seen), "peer_duplicates": dupes(seen),
                "accepted_missing_at_peer": len(set(ids) - set(seen))}
    finally:
        peer.stop()


async def scenario_webhook(cluster: Cluster, args: argparse.Namespace) -> dict:
    receiver = CountingReceiver("", answer_after=0).start()
    try:
        space_id, key = cluster.new_space("faults")
        api = cluster.start_api()
        cluster.start_worker()
        async with RetryingClient([api], space_id, key) as client:
            created = await client.request("POST", "/webhooks", json={
                "name": "faults", "url": receiver.url + "/events", "subscriptions": [{"type": "message.sent"}]})
            assert created.status_code == 201, created.text
            secret = created.json()["secret"]
            receiver.key = base64.b64decode(secret[6:]) if secret.startswith("whsec_") else secret.encode()
            load = Load(client, lambda n: {"to": {"phoneNumber": f"4477008{n:05d}"}, "body": f"fault event {n}",
                                           "rules": ["sms"]}, args.rate)
            receiver.failing = True
            await load.run_for(args.webhook_outage)
            receiver.failing = False
            recovered = time.monotonic()
            await load.run_for(args.lead)
            await load.settle()
            ids = [m for m in load.accepted.values() if m]
            statuses, _ = await drain(client, ids, args.drain)
            expected = {f"message.sent {m}" for m in ids}
            deadline = time.monotonic() + args.drain
            while not expected <= receiver.bodies() and time.monotonic() < deadline:
                await asyncio.sleep(1)
        counts = receiver.counts()
        return {"outage_s": args.webhook_outage, "accepted": len(load.accepted), "final_statuses": statuses,
                "answered_500": receiver.refused, "events_received": len(counts), "event_duplicates": dupes(counts),
                "events_missing": len(expected - receiver.bodies()),
                "all_events_s_after_recovery": r(time.monotonic() - recovered)}
    finally:
        receiver.stop()


CUSTOM_SECRET = "whsec_" + base64.b64encode(b"faults-bench-custom-channel-secret").decode()


async def custom_channel_load(client: RetryingClient, receiver: CountingReceiver, tag: str, rate: float) -> Load:
    """Load on a custom channel whose receiver counts every message id it gets (the peer count)."""
    created = await client.request("POST", "/channels", json={
        "id": "crm", "type": "custom", "provider": "custom_http",
        "config": {"url": receiver.url + "/hook", "secret": CUSTOM_SECRET}})
    assert created.status_code == 201, created.text
    return Load(client, lambda n: {"to": {"profileId": f"{tag}-{n}"}, "body": f"fault {tag} {n}",
                                   "rules": ["crm"]}, rate)


def peer_figures(receiver: CountingReceiver, load: Load, fault_at: float) -> dict:
    """Distinct and repeated message ids at the peer; a repeat whose first copy arrived before the
    fault was in flight when it struck (at-least-once), any other would be a real duplicate."""
    counts = receiver.counts()
    first = receiver.first_arrival()
    twice = [m for m, n in counts.items() if n > 1]
    return {"peer_distinct": len(counts), "peer_duplicates": dupes(counts),
            "duplicates_in_flight_at_the_fault": sum(1 for m in twice if first[m] < fault_at),
            "accepted_missing_at_peer": len(set(load.accepted) - receiver.bodies())}


async def scenario_kill(cluster: Cluster, args: argparse.Namespace) -> dict:
    receiver = CountingReceiver(CUSTOM_SECRET, answer_after=0.02).start()
    try:
        space_id, key = cluster.new_space("faults")
        apis = [cluster.start_api(), cluster.start_api()]
        doomed = cluster.start_worker()
        cluster.start_worker()
        async with RetryingClient(apis, space_id, key, give_up_after=120) as client:
            load = await custom_channel_load(client, receiver, "kill", args.rate)
            await load.run_for(args.lead)
            worker_killed = time.monotonic()
            cluster.kill(doomed)
            await load.run_for(args.lead)
            cluster.kill_api(apis[0])  # requests to it fail until it is back; clients retry on the other
            restart = asyncio.create_task(asyncio.to_thread(cluster.restart_api, apis[0]))
            await load.run_for(args.lead)
            await restart
            await load.settle()
            ids = [m for m in load.accepted.values() if m]
            statuses, _ = await drain(client, ids, args.drain)
            drained = time.monotonic() - worker_killed
        return {"accepted": len(load.accepted), "answer_lost": sum(1 for m in load.accepted.values() if m is None),
                "refused": len(load.refused), "client_retries": client.retries, "final_statuses": statuses,
                **peer_figures(receiver, load, worker_killed), "drained_s_after_worker_kill": r(drained)}
    finally:
        receiver.stop()


def other_clients(database: Database) -> int:
    sql = ("SELECT count(*) FROM pg_stat_activity WHERE datname IS NOT NULL AND datname NOT IN "
           f"('{database.name}', 'postgres') AND pid <> pg_backend_pid()")
    return int(subprocess.run(["psql", database.admin, "-qAtc", sql], capture_output=True, text=True,
                              check=True).stdout.strip())


async def scenario_pgrestart(cluster: Cluster, args: argparse.Namespace) -> dict:
    database = cluster.database
    if not database.is_postgres:
        return {"skipped": "PostgreSQL only (--postgres)"}
    if other_clients(database) and not args.force:
        return {"skipped": f"{other_clients(database)} clients on other databases of this server; "
                           "a restart would break them (--force to run anyway)"}
    receiver = CountingReceiver(CUSTOM_SECRET, answer_after=0.02).start()
    try:
        space_id, key = cluster.new_space("faults")
        api = cluster.start_api()
        cluster.start_worker()
        version = sorted(os.listdir("/etc/postgresql"))[-1]
        async with RetryingClient([api], space_id, key, give_up_after=300) as client:
            load = await custom_channel_load(client, receiver, "pg", args.rate)
            await load.run_for(args.lead)
            began = time.monotonic()
            restart = asyncio.create_task(asyncio.to_thread(
                subprocess.run, ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
                capture_output=True, text=True, timeout=300))
            await load.run_for(args.lead)
            done = await restart
            restart_s = time.monotonic() - began
            await load.run_for(args.lead)
            await load.settle()
            ids = [m for m in load.accepted.values() if m]
            statuses, _ = await drain(client, ids, args.drain)
            drained = time.monotonic() - began
        return {"postgres": version, "restart_rc": done.returncode, "restart_s": r(restart_s),
                "accepted": len(load.accepted), "answer_lost": sum(1 for m in load.accepted.values() if m is None),
                "refused": len(load.refused), "first_refused": load.refused[:3], "client_retries": client.retries,
                "final_statuses": statuses, **peer_figures(receiver, load, began),
                "drained_s_after_restart_began": r(drained)}
    finally:
        receiver.stop()


SCENARIOS = {"kill": scenario_kill, "smsc": scenario_smsc, "smtp": scenario_smtp, "webhook": scenario_webhook, "pgrestart": scenario_pgrestart}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", default=list(SCENARIOS), choices=[[], *SCENARIOS], metavar="SCENARIO")
    parser.add_argument("--outage", type=float, default=120, help="SMSC / SMTP down, seconds")
    parser.add_argument("--webhook-outage", type=float, default=600, help="webhook receiver answering 500, seconds")
    parser.add_argument("--lead", type=float, default=10, help="seconds of load before and after a fault")
    parser.add_argument("--rate", type=float, default=5, help="messages per second")
    parser.add_argument("--drain", type=float, default=900, help="at most this long to wait for final statuses")
    parser.add_argument("--postgres", nargs="?", const=DEFAULT_PG, default=None)
    parser.add_argument("--force", action="store_true", help="pgrestart even if other databases have clients")
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE for every Onecast process")
    args = parser.parse_args()
    os.environ.setdefault("ONECAST_SECRET_KEYS", "wVbH0xRKxN3pbEC2JQ2tB3ESXTIbAqUNq5bp7BiC8kQ=")
    env = dict(item.split("=", 1) for item in args.env)
    like = args.postgres.rstrip("/") + "/postgres" if args.postgres else None
    for name in args.scenarios or list(SCENARIOS):
        database = Database(like)
        # The peers listen on loopback, which outbound requests may not reach unless allowed.
        cluster = Cluster(database, {"ONECAST_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8", **env})
        started = time.monotonic()
        try:
            figures = asyncio.run(SCENARIOS[name](cluster, args))
        finally:
            cluster.stop()
            database.drop()
        figures = {"bench": "faults", "scenario": name, "database": "postgresql" if like else "sqlite",
                   "env": env, "rate_per_s": args.rate, **figures, "took_s": r(time.monotonic() - started),
                   "at": datetime.now(UTC).isoformat(timespec="seconds"),
                   "machine": f"{platform.machine()} {os.cpu_count()} cpu, load avg {os.getloadavg()[0]:.1f}"}
        print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
