#!/usr/bin/env python3
"""E-mail benchmark: prints ONE JSON line of figures. Everything on loopback, against a real
aiosmtpd server (on its own thread) that accepts and counts every mail.

  raw       a bare aiosmtplib client: one connection for all mails, and a new connection per mail
  provider  the email_smtp provider's send() (MIME composition + pool), C concurrent, per poolSize
  e2e       `onecast serve` (SQLite): N POST /messages with an email_smtp channel, C concurrent,
            until every message is `sent`: messages per second from the first accept to the last `sent`

  .venv/bin/python bench/smtp_email.py [--quick]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import httpx
from aiosmtpd.controller import Controller

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from onecast.channels.base import OutboundMessage
from onecast.channels.email_smtp.provider import create


class Counter:
    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            self.count += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mail(i: int) -> EmailMessage:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "bench@onecast.test", f"u{i}@example.com", f"bench {i}"
    m.set_content("Hello from the benchmark. " * 10)
    return m


async def raw_rates(port: int, n: int) -> dict:
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
    await client.connect()
    start = time.perf_counter()
    for i in range(n):
        await client.send_message(mail(i))
    reused = n / (time.perf_counter() - start)
    await client.quit()
    start = time.perf_counter()
    for i in range(n // 4):
        await aiosmtplib.send(mail(i), hostname="127.0.0.1", port=port, start_tls=False)
    fresh = (n // 4) / (time.perf_counter() - start)
    return {"oneConnectionPerSecond": round(reused), "connectionPerMailPerSecond": round(fresh)}


def outbound(i: int) -> OutboundMessage:
    return OutboundMessage(message_id=f"bench-{i}", space_id="s", channel="email", type="email",
                           address=f"u{i}@example.com", body="Hello from the benchmark. " * 10,
                           title=f"bench {i}", custom_body=None, options={}, parts=[], metadata={},
                           attempt=1, expires_on=None)


async def provider_rate(port: int, n: int, pool_size: int, concurrency: int) -> float:
    provider = create({"host": "127.0.0.1", "port": port, "security": "none", "fromAddress": "bench@onecast.test",
                       "poolSize": pool_size}, None)
    queue = list(range(n))

    async def lane() -> None:
        while queue:
            result = await provider.send(outbound(queue.pop()))
            assert result.ok, result
    start = time.perf_counter()
    await asyncio.gather(*(lane() for _ in range(concurrency)))
    rate = n / (time.perf_counter() - start)
    await provider.close()
    return round(rate)


def e2e(port: int, n: int, concurrency: int) -> dict:
    tmp = tempfile.mkdtemp(prefix="onecast-bench-email-")
    api_port = free_port()
    env = {**os.environ, "ONECAST_DATABASE_URL": f"sqlite:///{tmp}/bench.db", "COLUMNS": "400"}
    proc = subprocess.Popen([sys.executable, "-m", "onecast.cli", "serve", "--port", str(api_port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        key = space = None
        while not (key and space):
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError("serve exited")
            space = space or (m.group(1) if (m := re.search(r"Created API space\s+(\S+)", line)) else None)
            key = key or (m.group(1) if (m := re.search(r"(onecast_[A-Za-z0-9_-]{20,})", line)) else None)
        return asyncio.run(_drive(api_port, space, key, port, n, concurrency))
    finally:
        proc.terminate()
        proc.wait(20)


async def _drive(api_port: int, space: str, key: str, smtp_port: int, n: int, concurrency: int) -> dict:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{api_port}/apispaces/{space}",
                                 headers={"Authorization": f"Bearer {key}"}, timeout=30) as api:
        for _ in range(200):
            try:
                await api.get("/channels")
                break
            except httpx.HTTPError:
                await asyncio.sleep(0.05)
        r = await api.post("/channels", json={"id": "email", "type": "email", "provider": "email_smtp", "config": {
            "host": "127.0.0.1", "port": smtp_port, "security": "none", "fromAddress": "bench@onecast.test",
            "poolSize": 4}})
        r.raise_for_status()
        ids: list[str] = []
        queue = list(range(n))

        async def lane() -> None:
            while queue:
                i = queue.pop()
                resp = await api.post("/messages", json={"to": {"email": f"u{i}@example.com"}, "title": "bench",
                                                         "body": "Hello from the benchmark.", "rules": ["email"]})
                resp.raise_for_status()
                ids.append(resp.json()["messageId"])
        start = time.perf_counter()
        await asyncio.gather(*(lane() for _ in range(concurrency)))
        accepted = time.perf_counter() - start
        pending = set(ids)
        while pending:
            for mid in list(pending)[:50]:
                if (await api.get(f"/messages/{mid}")).json()["status"] not in ("processing", "retrying"):
                    pending.discard(mid)
        total = time.perf_counter() - start
    return {"messages": n, "acceptedPerSecond": round(n / accepted), "sentPerSecond": round(n / total)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n = 200 if args.quick else 1000
    counter = Counter()
    port = free_port()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        figures: dict = {"bench": "email", "raw": asyncio.run(raw_rates(port, n))}
        figures["provider"] = {f"pool{size}": asyncio.run(provider_rate(port, n, size, 16)) for size in (1, 4)}
        figures["e2e"] = e2e(port, n // 2, 16)
        figures["serverReceived"] = counter.count
        raw = figures["raw"]["oneConnectionPerSecond"]
        figures["e2eToRawRatio"] = round(figures["e2e"]["sentPerSecond"] / raw, 3)
    finally:
        controller.stop()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
