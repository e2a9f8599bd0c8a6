"""A retry after the API died mid-request: if the request's changes were committed before the
answer was stored, the retry must not apply it again (before the fix, a retry after the takeover
time created and sent a second message); if nothing was committed, the retry applies it once."""
import json
from datetime import timedelta

from sqlalchemy import func, select, update

from onecast.kit import idempotency
from onecast.kit.clock import utcnow
from onecast.kit.models import IdempotencyRecord
from onecast.messages.models import Message

BODY = {"to": {"phoneNumber": "447700900401"}, "body": "crash", "rules": ["sms"]}


async def _messages(app, space_id: str) -> int:
    async with app.state.db.read() as session:
        return (await session.execute(select(func.count()).select_from(Message).where(
            Message.space_id == space_id))).scalar_one()


async def _age_keys(app, key: str) -> str:
    """Make the key look older than the takeover time, as if the crash was long ago; its state."""
    async with app.state.db.transaction() as session:
        await session.execute(update(IdempotencyRecord).where(IdempotencyRecord.key == key).values(
            created_on=utcnow() - timedelta(minutes=5)))
        return (await session.execute(select(IdempotencyRecord.state).where(IdempotencyRecord.key == key))
                ).scalar_one()


async def test_a_request_committed_before_the_crash_is_not_applied_again(app, space, monkeypatch):
    async def died(*_args, **_kwargs) -> None:  # the process stopped before storing the answer
        return None

    with monkeypatch.context() as patch:
        patch.setattr(idempotency, "_store_answer", died)
        first = await space.post("/messages", json=BODY, headers={"Idempotency-Key": "crash-after-commit"})
    assert first.status_code == 201
    assert await _age_keys(app, "crash-after-commit") == "applied"
    retry = await space.post("/messages", json=BODY, headers={"Idempotency-Key": "crash-after-commit"})
    assert retry.status_code == 409 and retry.json()["code"] == "IdempotencyKeyApplied"
    assert await _messages(app, space.space_id) == 1


async def test_a_request_that_died_before_committing_is_applied_by_the_retry(app, space):
    claimed = await idempotency._claim_record(app.state.db, await _scope_of(app, space), "crash-before-commit",
                                              _fingerprint(space, BODY))
    assert claimed is None  # a pending record, as a request that died before its commit leaves it
    assert await _age_keys(app, "crash-before-commit") == "pending"
    headers = {"Idempotency-Key": "crash-before-commit", "Content-Type": "application/json"}
    retry = await space.post("/messages", content=json.dumps(BODY), headers=headers)
    assert retry.status_code == 201, retry.text
    again = await space.post("/messages", content=json.dumps(BODY), headers=headers)
    assert again.json()["messageId"] == retry.json()["messageId"]
    assert await _messages(app, space.space_id) == 1


async def _scope_of(app, space) -> str:
    from onecast.kit.ids import hash_secret
    from onecast.spaces.models import ApiKey, ApiSpace

    async with app.state.db.read() as session:
        key_id, account_id = (await session.execute(
            select(ApiKey.id, ApiSpace.account_id).join(ApiSpace, ApiSpace.id == ApiKey.space_id)
            .where(ApiKey.key_hash == hash_secret(space.key)))).one()
    return idempotency.key_scope(account_id, space.space_id, key_id)


def _fingerprint(space, body: dict) -> str:
    import hashlib

    raw = json.dumps(body).encode()
    return hashlib.sha256(b"\n".join([b"POST", space.path("/messages").encode(), b"", raw])).hexdigest()
