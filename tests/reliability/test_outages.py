"""A provider's server goes away for a while and comes back (SMSC, SMTP server, a webhook
receiver answering 500): the worker keeps
retrying, the queue drains, every accepted message ends final, and the peer saw each message.

Duplicates: a message can reach the peer twice only if the peer took it and the connection died
before its answer reached Onecast, i.e. it arrived before the outage began. So the assertion is:
every message arrived at least once, and every message that arrived twice first arrived before
the server was stopped. (In CI the outage lasts seconds; bench/faults.py runs 2 minutes.)"""
from __future__ import annotations

import asyncio
import base64
import collections

from tests.peers.counting_receiver import CountingReceiver
from tests.peers.smsc import Smsc
from tests.peers.smtp_server import SmtpPeer
from tests.reliability.cluster import RetryingClient
from tests.support.processes import until

OUTAGE_SECONDS = 4.0
BEFORE, DURING = 10, 20  # messages sent before the outage and while the server is down


async def send_all(client: RetryingClient, requests: list[dict]) -> dict[str, str]:
    """Sends each request (six at a time); body text -> message id."""
    accepted: dict[str, str] = {}
    pending = list(requests)

    async def runner() -> None:
        while pending:
            request = pending.pop(0)
            r = await client.request("POST", "/messages", json=request)
            assert r.status_code == 201, r.text
            accepted[request["body"]] = r.json()["messageId"]

    await asyncio.gather(*(runner() for _ in range(6)))
    return accepted


def only_early_duplicates(counts: collections.Counter, early: set) -> list:
    """The keys seen more than once that were not already seen before the outage (should be none)."""
    return [key for key, n in counts.items() if n > 1 and key not in early]


async def test_smsc_down_then_back(cluster):
    smsc = await Smsc().start()
    try:
        space_id, key = cluster.new_space()
        api = cluster.start_api()
        cluster.start_worker()
        async with RetryingClient([api], space_id, key) as client:
            r = await client.request("POST", "/channels", json={"id": "sms", "type": "sms", "provider": "sms_smpp",
                                                                "config": smsc.config()})
            assert r.status_code == 201, r.text
            sms = [{"to": {"phoneNumber": f"4477009{i:05d}"}, "body": f"outage sms {i}", "rules": ["sms"]}
                   for i in range(BEFORE + DURING)]
            accepted = await send_all(client, sms[:BEFORE])
            await until(lambda: len(smsc.submitted) >= BEFORE // 2, "half the messages at the SMSC")
            await smsc.stop()  # every connection dropped, nothing listens
            early = set(smsc.texts())
            accepted |= await send_all(client, sms[BEFORE:])
            await asyncio.sleep(OUTAGE_SECONDS)  # the outage itself: the worker retries meanwhile
            await smsc.start()  # the same port
            statuses = await client.wait_final(list(accepted.values()), timeout=45)
            assert set(statuses.values()) <= {"sent", "delivered"}, statuses
            # Those submitted after the SMSC came back get their receipt, too.
            late = [accepted[text] for text in accepted if text not in early]
            assert set((await client.wait_final(late, 30, {"delivered"})).values()) == {"delivered"}
        counts = collections.Counter(smsc.texts())
        assert set(counts) == set(accepted), cluster.log_tail()
        assert only_early_duplicates(counts, early) == []
    finally:
        await smsc.stop()


async def test_smtp_server_down_then_back(cluster):
    peer = SmtpPeer().start()
    try:
        space_id, key = cluster.new_space()
        api = cluster.start_api()
        cluster.start_worker()
        async with RetryingClient([api], space_id, key) as client:
            r = await client.request("POST", "/channels", json={
                "id": "email", "type": "email", "provider": "email_smtp",
                "config": {"host": peer.host, "port": peer.port, "security": "none",
                           "fromAddress": "news@onecast.test"}})
            assert r.status_code == 201, r.text
            mails = [{"to": {"email": f"reader{i}@example.com"}, "title": "Outage", "body": f"outage mail {i}",
                      "rules": ["email"]} for i in range(BEFORE + DURING)]
            accepted = await send_all(client, mails[:BEFORE])
            await until(lambda: len(peer.received) >= BEFORE // 2, "half the mails at the SMTP server")
            peer.stop()
            early = {m.message["Message-ID"] for m in peer.received}
            accepted |= await send_all(client, mails[BEFORE:])
            await asyncio.sleep(OUTAGE_SECONDS)
            await asyncio.to_thread(peer.start)
            statuses = await client.wait_final(list(accepted.values()), timeout=45)
        assert set(statuses.values()) == {"sent"}, statuses
        counts = collections.Counter(m.message["Message-ID"] for m in peer.received)
        assert {mid.strip("<>").split("@")[0] for mid in counts} == set(accepted.values()), cluster.log_tail()
        assert only_early_duplicates(counts, early) == []
    finally:
        peer.stop()


async def test_webhook_receiver_answering_500_then_recovering(cluster):
    """Every message's `message.sent` event reaches the receiver once it answers 200 again; the
    receiver counts only the events it accepted (Onecast retries the same webhook-id)."""
    receiver = CountingReceiver("", answer_after=0).start()
    cluster.env.update({"ONECAST_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
                        "ONECAST_WEBHOOK_RETRY_SCHEDULE": ",".join(["0.5"] * 40), "ONECAST_WEBHOOK_RETRY_JITTER": "0"})
    try:
        space_id, key = cluster.new_space()
        api = cluster.start_api()
        cluster.start_worker()
        async with RetryingClient([api], space_id, key) as client:
            r = await client.request("POST", "/webhooks", json={"name": "crm", "url": receiver.url + "/events",
                                                                "subscriptions": [{"type": "message.sent"}]})
            assert r.status_code == 201, r.text
            receiver.key = webhook_key(r.json()["secret"])
            receiver.failing = True
            sms = [{"to": {"phoneNumber": f"4477008{i:05d}"}, "body": f"event {i}", "rules": ["sms"]}
                   for i in range(BEFORE + DURING)]
            accepted = await send_all(client, sms)
            await until(lambda: receiver.refused >= 5, "five refused deliveries")
            await asyncio.sleep(OUTAGE_SECONDS)
            receiver.failing = False
            await client.wait_final(list(accepted.values()), timeout=30)
            expected = {f"message.sent {m}" for m in accepted.values()}
            await until(lambda: expected <= receiver.bodies(), "every body at the receiver", timeout=45)
        counts = receiver.counts()
        assert receiver.bodies() == expected and len(counts) == len(expected)
        assert max(counts.values()) == 1, [m for m, n in counts.items() if n > 1]
    finally:
        receiver.stop()


def webhook_key(secret: str) -> bytes:
    return base64.b64decode(secret[len("whsec_"):]) if secret.startswith("whsec_") else secret.encode()
