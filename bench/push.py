#!/usr/bin/env python3
"""Push client benchmark: prints ONE JSON line of figures.

Serves the FCM, APNs and Web Push peers of tests/peers on loopback (same process and event loop,
so the figures include the peers' own cost) and sends N notifications per platform through the
Onecast clients, C at a time: FCM (cached OAuth token, HTTP/1.1 keep-alive), APNs (one HTTP/2
connection, cached ES256 provider token) and Web Push (per message: fresh ECDH key, aes128gcm
encryption; VAPID header cached per origin). Reports sends per second and p50/p99 latency.

  .venv/bin/python bench/push.py [--quick] [--n 1000] [--concurrency 20]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import platform
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from onecast.channels.push.content import PushContent, PushTarget
from onecast.channels.push_apns.client import ApnsClient
from onecast.channels.push_fcm.client import FcmClient
from onecast.channels.webpush.client import WebPushClient
from onecast.kit.ssrf import AddressGuard
from tests.peers.apns import ApnsPeer
from tests.peers.fcm import FcmPeer
from tests.peers.keys import BrowserSubscription, EcKey, RsaKey
from tests.peers.serve import serve_asgi
from tests.peers.webpush import WebPushPeer

CONTENT = PushContent(message_id="bench", title="Benchmark", body="A push of ordinary size " * 4, silent=False,
                      data={"fcm": {"k": "v"}, "apns": {"k": "v"}, "webPush": {"k": "v"}}, deep_links={},
                      tracking_link=None, custom={}, expires_on=None)


def pct(values: list[float], q: float) -> float:
    data = sorted(values)
    k = (len(data) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (k - lo)


async def run(client, targets: list[PushTarget], concurrency: int) -> dict:
    await client.send(targets[0], CONTENT)  # warm up: connection, tokens
    limit = asyncio.Semaphore(concurrency)
    latencies: list[float] = []

    async def one(target: PushTarget) -> str:
        async with limit:
            start = time.perf_counter()
            result = await client.send(target, CONTENT)
            latencies.append(time.perf_counter() - start)
            return result.status

    start = time.perf_counter()
    statuses = await asyncio.gather(*(one(t) for t in targets))
    elapsed = time.perf_counter() - start
    if set(statuses) != {"accepted"}:
        raise SystemExit(f"not every send was accepted: {sorted(set(statuses))}")
    ms = [x * 1000 for x in latencies]
    return {"sends": len(targets), "per_second": round(len(targets) / elapsed, 1),
            "p50_ms": round(pct(ms, 50), 2), "p99_ms": round(pct(ms, 99), 2)}


LOOPBACK = AddressGuard("127.0.0.0/8,::1/128")  # the peers listen on loopback


async def main(n: int, concurrency: int) -> dict:
    figures: dict = {}
    rsa = RsaKey.generate()
    fcm = FcmPeer(public_key_pem=rsa.public_pem, client_email="bench@p.iam.gserviceaccount.com", key_id="k",
                  project="bench")
    async with serve_asgi(fcm.app()) as url:
        fcm.base_url = url
        client = FcmClient({"baseUrl": url, "serviceAccount": {
            "project_id": "bench", "private_key_id": "k", "private_key": rsa.private_pem,
            "client_email": fcm.client_email, "token_uri": f"{url}/token"}}, LOOPBACK)
        targets = [PushTarget(str(i), str(i), "fcm", f"token-{i}", "") for i in range(n)]
        figures["fcm"] = await run(client, targets, concurrency)
        await client.close()
    ec = EcKey.generate()
    apns = ApnsPeer(team_id="TEAM", key_id="KEY", public_key_pem=ec.public_pem, topics={"com.bench"})
    async with serve_asgi(apns.app()) as url:
        client = ApnsClient({"teamId": "TEAM", "keyId": "KEY", "privateKey": ec.private_pem, "baseUrl": url}, LOOPBACK)
        targets = [PushTarget(str(i), str(i), "apns", secrets.token_hex(32), "", app="com.bench") for i in range(n)]
        figures["apns_http2"] = await run(client, targets, concurrency)
        await client.close()
    vapid = EcKey.generate()
    web = WebPushPeer(application_server_key=vapid.public_b64)
    async with serve_asgi(web.app()) as url:
        web.base_url = url
        client = WebPushClient({"vapidPrivateKey": vapid.private_b64, "subject": "mailto:bench@example.com",
                                "allowHttpEndpoints": True}, LOOPBACK)
        browsers = [BrowserSubscription.create(f"{url}/push/{i}") for i in range(min(n, 50))]
        targets = [PushTarget(str(i), str(i), "webPush", b.endpoint, "", keys=b.json()["keys"])
                   for i, b in ((i, browsers[i % len(browsers)]) for i in range(n))]
        figures["webpush"] = await run(client, targets, concurrency)
        await client.close()
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="200 sends per platform")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    n = 200 if args.quick else args.n
    result = asyncio.run(main(n, args.concurrency))
    print(json.dumps({"bench": "push", "n": n, "concurrency": args.concurrency, "python": platform.python_version(),
                      **result}))
