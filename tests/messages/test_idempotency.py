"""Idempotency-Key: same key + body replays, another body is 409, nothing is stored twice."""
from sqlalchemy import func, select

from onecast.messages.models import Message

BODY = {"to": {"phoneNumber": "447700900400"}, "body": "once", "rules": ["sms"]}


async def count_messages(app, space_id):
    async with app.state.db.transaction() as session:
        return (await session.execute(select(func.count()).select_from(Message).where(
            Message.space_id == space_id))).scalar_one()


async def test_same_key_same_body_replays(app, space):
    headers = {"Idempotency-Key": "order-1"}
    first = await space.post("/messages", json=BODY, headers=headers)
    second = await space.post("/messages", json=BODY, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["messageId"] == second.json()["messageId"]
    assert second.headers["idempotent-replayed"] == "true"
    assert await count_messages(app, space.space_id) == 1


async def test_same_key_other_body_is_409(app, space):
    headers = {"Idempotency-Key": "order-2"}
    assert (await space.post("/messages", json=BODY, headers=headers)).status_code == 201
    r = await space.post("/messages", json={**BODY, "body": "twice"}, headers=headers)
    assert r.status_code == 409 and r.json()["code"] == "IdempotencyKeyReused"
    assert await count_messages(app, space.space_id) == 1


async def test_keys_are_per_tenant(app, space, other_space):
    headers = {"Idempotency-Key": "shared-key"}
    a = await space.post("/messages", json=BODY, headers=headers)
    b = await other_space.post("/messages", json=BODY, headers=headers)
    assert a.status_code == b.status_code == 201
    assert a.json()["messageId"] != b.json()["messageId"]


async def test_errors_are_replayed_too_and_batches_work(app, space):
    headers = {"Idempotency-Key": "bad-1"}
    bad = {"to": {}, "body": "x", "rules": ["sms"]}
    assert (await space.post("/messages", json=bad, headers=headers)).status_code == 400
    assert (await space.post("/messages", json=bad, headers=headers)).status_code == 400
    headers = {"Idempotency-Key": "batch-1"}
    a = await space.post("/messages/batch", json=[BODY, BODY], headers=headers)
    b = await space.post("/messages/batch", json=[BODY, BODY], headers=headers)
    assert a.status_code == b.status_code == 202 and a.json() == b.json()
    assert await count_messages(app, space.space_id) == 2


async def test_key_too_long_is_400(space):
    r = await space.post("/messages", json=BODY, headers={"Idempotency-Key": "k" * 300})
    assert r.status_code == 400 and r.json()["code"] == "InvalidIdempotencyKey"


async def test_concurrent_duplicates_store_one(app, space):
    import asyncio

    headers = {"Idempotency-Key": "race"}
    results = await asyncio.gather(*[space.post("/messages", json=BODY, headers=headers) for _ in range(5)])
    codes = sorted(r.status_code for r in results)
    assert set(codes) <= {201, 409} and 201 in codes
    ids = {r.json()["messageId"] for r in results if r.status_code == 201}
    assert len(ids) == 1
    assert await count_messages(app, space.space_id) == 1


async def test_expired_answers_are_forgotten(app, space):
    from datetime import timedelta

    from sqlalchemy import update

    from onecast.kit.clock import utcnow
    from onecast.kit.idempotency import purge_expired
    from onecast.kit.models import IdempotencyRecord

    headers = {"Idempotency-Key": "old-key"}
    first = await space.post("/messages", json=BODY, headers=headers)
    async with app.state.db.transaction() as session:
        await session.execute(update(IdempotencyRecord).where(IdempotencyRecord.key == "old-key")
                              .values(created_on=utcnow() - timedelta(hours=25)))
    # past the retention the key is free again: a new message, not a replay
    second = await space.post("/messages", json=BODY, headers=headers)
    assert second.status_code == 201 and second.json()["messageId"] != first.json()["messageId"]
    async with app.state.db.transaction() as session:
        await session.execute(update(IdempotencyRecord).where(IdempotencyRecord.key == "old-key")
                              .values(created_on=utcnow() - timedelta(hours=25)))
    assert await purge_expired(app.state.db) >= 1


async def test_other_writes_replay_too(app, space):
    headers = {"Idempotency-Key": "put-1"}
    assert (await space.post("/profiles", json={"id": "idem"})).status_code == 201
    first = await space.patch("/profiles/idem", json={"n": 1}, headers=headers)
    again = await space.patch("/profiles/idem", json={"n": 1}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true" and again.json() == first.json()
    r = await space.patch("/profiles/idem", json={"n": 2}, headers=headers)
    assert r.status_code == 409
