#!/usr/bin/env python3
"""SMPP benchmark: prints ONE JSON line of figures.

With the SMSC test peer (tests/peers/smsc.py) listening on loopback:

  raw        a bare client (onecast's SMPP link alone: no API, database or worker) submits N
             messages through a window of W: submit_sm_resp/s and receipts/s. This is the
             ceiling the peer and the codec allow on this machine.
  end_to_end a real `onecast serve` (API + worker + bind keeper, SQLite) with an sms_smpp channel
             made through the channels API; N POST /messages (C concurrent). Rates from the first
             accept to the last submit_sm_resp (the peer answered it) and to the last `delivered`
             (the receipt was stored and acknowledged), per-message latencies from statusHistory.

  ratio      end-to-end submit rate / raw submit rate.

  .venv/bin/python bench/smpp.py [--quick] [--messages N] [--window W] [--concurrency C]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from send import BenchError, Server, free_port, ms_summary, r, run_cli, ts  # noqa: E402

from onecast.channels.sms_smpp import pdu as P  # noqa: E402
from onecast.channels.sms_smpp.config import parse_config  # noqa: E402
from onecast.channels.sms_smpp.link import Link  # noqa: E402
from onecast.channels.sms_smpp.provider import submit_params  # noqa: E402
from tests.peers.smsc import Smsc  # noqa: E402

PHONE = "447700900123"


async def until(predicate, timeout: float, what: str) -> float:
    """Poll every 2 ms; the monotonic time the predicate first held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return time.monotonic()
        await asyncio.sleep(0.002)
    raise BenchError(f"timed out waiting for {what}")


async def raw_rate(n: int, window: int) -> dict:
    smsc = await Smsc().start()
    receipts = 0

    async def on_deliver(_pdu: P.Pdu) -> int:
        nonlocal receipts
        receipts += 1
        return P.ESME_ROK

    link = Link(parse_config(smsc.config(windowSize=window)), on_deliver, "bench")
    link.start()
    try:
        if not await link.wait_bound(10):
            raise BenchError("the bare client could not bind")
        params = [submit_params(link.config, f"raw message {i}", "Onecast", PHONE, 1)[0] for i in range(n)]
        start = time.monotonic()
        await asyncio.gather(*(link.submit(p) for p in params))
        submitted = time.monotonic()
        done = await until(lambda: receipts >= n, 120, "raw receipts")
        return {"messages": n, "window": window, "submit_per_s": r(n / (submitted - start)),
                "receipts_per_s": r(n / (done - start))}
    finally:
        await link.close()
        await smsc.stop()


async def end_to_end(args, base: str, space: str, key: str, smsc: Smsc) -> dict:
    headers = {"Authorization": f"Bearer {key}"}
    limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=60) as client:
        channel = {"id": "sms", "type": "sms", "provider": "sms_smpp",
                   "config": smsc.config(windowSize=args.window, binds=args.binds)}
        created = await client.post(f"/apispaces/{space}/channels", json=channel)
        if created.status_code != 201:
            raise BenchError(f"channel not created: {created.text}")
        await until(lambda: len(smsc.bound()) >= args.binds, 30, "the bind keeper to bind")
        accepted: dict[str, float] = {}
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(args.messages):
            queue.put_nowait(i)

        async def poster() -> None:
            while not queue.empty():
                i = queue.get_nowait()
                resp = await client.post(f"/apispaces/{space}/messages", json={
                    "to": {"phoneNumber": PHONE}, "rules": ["sms"], "body": f"bench message {i}"})
                if resp.status_code != 201:
                    raise BenchError(f"POST /messages answered {resp.status_code}: {resp.text[:300]}")
                accepted[resp.json()["messageId"]] = time.time()

        start = time.monotonic()
        await asyncio.gather(*(poster() for _ in range(args.concurrency)))
        accept_done = time.monotonic()
        n = args.messages
        submitted = await until(lambda: len(smsc.submitted) >= n, args.drain_timeout, "every submit_sm")
        delivered = await until(lambda: len(smsc.receipt_acks) >= n, args.drain_timeout, "every receipt stored")
        to_sent, to_delivered, statuses = [], [], {}
        for message_id, at in accepted.items():
            body = (await client.get(f"/apispaces/{space}/messages/{message_id}")).json()
            statuses[body["status"]] = statuses.get(body["status"], 0) + 1
            times = {e["status"]: ts(e["timestamp"]) for e in body["statusHistory"]}
            if "sent" in times:
                to_sent.append(max(0.0, times["sent"] - at))
            if "delivered" in times:
                to_delivered.append(max(0.0, times["delivered"] - at))
    return {"messages": n, "concurrency": args.concurrency, "window": args.window, "binds": args.binds,
            "accept_per_s": r(n / (accept_done - start)), "submit_sm_resp_per_s": r(n / (submitted - start)),
            "delivered_per_s": r(n / (delivered - start)), "statuses": statuses,
            "accept_to_sent_ms": ms_summary(to_sent), "accept_to_delivered_ms": ms_summary(to_delivered)}


async def run_end_to_end(args) -> dict:
    tmp = tempfile.mkdtemp(prefix="onecast-bench-smpp-")
    smsc = await Smsc().start()
    server = None
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ONECAST_")}
        env.update({"ONECAST_DATABASE_URL": f"sqlite:///{tmp}/bench.db", "ONECAST_LOG_JSON": "true",
                    "ONECAST_SMPP_REFRESH_SECONDS": "0.2", "PYTHONUNBUFFERED": "1"})
        await asyncio.to_thread(run_cli, ["migrate"], env, tmp)
        out = await asyncio.to_thread(run_cli, ["spaces", "create", "bench", "--json"], env, tmp)
        created = json.loads(out.strip().splitlines()[-1])
        server = Server(env, tmp, free_port())
        server.start()
        async with httpx.AsyncClient(base_url=server.base) as probe:
            await server.wait_ready(probe)
        return await end_to_end(args, server.base, created["apiSpaceId"], created["apiKey"], smsc)
    finally:
        if server is not None:
            server.stop()
        await smsc.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="a small run (seconds)")
    p.add_argument("--messages", type=int, help="messages per phase (default 2000, quick 200)")
    p.add_argument("--window", type=int, default=10, help="SMPP window (requests in flight per bind)")
    p.add_argument("--binds", type=int, default=1, help="transceiver binds of the channel")
    p.add_argument("--concurrency", type=int, default=16, help="concurrent POSTs")
    p.add_argument("--drain-timeout", type=float, default=300.0)
    args = p.parse_args()
    args.messages = args.messages or (200 if args.quick else 2000)
    try:
        raw = asyncio.run(raw_rate(args.messages, args.window))
        e2e = asyncio.run(run_end_to_end(args))
    except BenchError as exc:
        print(json.dumps({"bench": "smpp", "error": str(exc)}))
        return 1
    ratio = e2e["submit_sm_resp_per_s"] / raw["submit_per_s"] if raw["submit_per_s"] else None
    print(json.dumps({"bench": "smpp", "database": "sqlite", "raw_peer": raw, "end_to_end": e2e,
                      "ratio_end_to_end_to_raw": r(ratio, 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
