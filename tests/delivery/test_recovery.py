"""A channel that answers again after failing sends in a row: the jobs waiting for a retry on it
become due at once instead of at their backoff (onecast.delivery.recovery)."""
import dataclasses

from onecast.delivery.recovery import RECOVERY_AFTER
from onecast.delivery.worker import Worker


async def set_sandbox(space, **settings) -> None:
    r = await space.put("/sandbox/settings", json=settings)
    assert r.status_code == 200, r.text


async def send(space, n: int, tag: str, channel: str = "sms") -> list[str]:
    to = {"sms": lambda i: {"phoneNumber": f"4477009{i:05d}"}, "email": lambda i: {"email": f"r{i}@example.com"}}
    ids = []
    for i in range(n):
        r = await space.post("/messages", json={"to": to[channel](i), "body": f"{tag} {i}", "rules": [channel]})
        assert r.status_code == 201, r.text
        ids.append(r.json()["messageId"])
    return ids


async def statuses(space, ids: list[str]) -> list[str]:
    return [(await space.get(f"/messages/{m}")).json()["status"] for m in ids]


async def test_the_backlog_of_an_outage_is_due_when_the_channel_answers_again(app, space, settings, monkeypatch):
    monkeypatch.setattr("onecast.channels.sandbox.provider.SETTINGS_TTL", 0)  # see setting changes at once
    slow_retries = dataclasses.replace(settings, retry_base_seconds=120, retry_max_seconds=600)
    worker = Worker(app.state.db, slow_retries, name="recovery-test", space_id=space.space_id)
    await set_sandbox(space, failChannels={"sms": "transient"})
    down = await send(space, RECOVERY_AFTER + 1, "outage")
    await worker.drain()
    assert await statuses(space, down) == ["retrying"] * len(down)  # next tries minutes away

    await set_sandbox(space, failChannels={})
    back = await send(space, 1, "recovered")
    await worker.drain()  # the new send succeeds, so the waiting ones are due and sent too
    assert await statuses(space, back + down) == ["delivered"] * (len(down) + 1)


async def test_one_recipient_failing_among_successes_keeps_its_backoff(app, space, settings):
    slow_retries = dataclasses.replace(settings, retry_base_seconds=120, retry_max_seconds=600)
    worker = Worker(app.state.db, slow_retries, name="recovery-test-2", space_id=space.space_id)
    await set_sandbox(space, failAddresses={"+447700900000": "transient"})
    ids = await send(space, 3, "mixed")  # the first address fails, the others succeed
    await worker.drain()
    assert await statuses(space, ids) == ["retrying", "delivered", "delivered"]
    more = await send(space, 3, "more")
    await worker.drain()
    assert (await statuses(space, ids + more)).count("retrying") == 2  # both tries of the failing one wait
