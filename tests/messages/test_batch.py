"""POST /messages/batch: all or nothing, up to 5000 items."""
import pytest
from sqlalchemy import func, select

from onecast.delivery.models import OutboxJob
from onecast.messages.models import Message


async def counts(app, space_id):
    async with app.state.db.transaction() as session:
        messages = (await session.execute(select(func.count()).select_from(Message).where(
            Message.space_id == space_id))).scalar_one()
        jobs = (await session.execute(select(func.count()).select_from(OutboxJob).where(
            OutboxJob.space_id == space_id))).scalar_one()
    return messages, jobs


@pytest.mark.slow  # minutes on a loaded machine: `make test-all`
@pytest.mark.timeout(900)
async def test_batch_of_5000(app, space, deliver):
    items = [{"to": {"phoneNumber": f"4477009{i:05d}"}, "body": f"n{i}", "rules": ["sms"]} for i in range(5000)]
    r = await space.post("/messages/batch", json=items)
    assert r.status_code == 202, r.text[:500]
    answer = r.json()
    assert [a["index"] for a in answer] == list(range(5000))
    assert len({a["messageId"] for a in answer}) == 5000
    assert await counts(app, space.space_id) == (5000, 5000)
    await deliver(space, timeout=300)
    assert await counts(app, space.space_id) == (5000, 0)
    got = (await space.get(f"/messages/{answer[4321]['messageId']}")).json()
    assert got["body"] == "n4321" and got["status"] == "delivered"


async def test_batch_over_limit_is_refused(app, space):
    items = [{"to": {"phoneNumber": "447700900500"}, "body": "x", "rules": ["sms"]}] * 5001
    r = await space.post("/messages/batch", json=items)
    assert r.status_code == 413
    assert await counts(app, space.space_id) == (0, 0)


async def test_one_bad_item_stores_nothing(app, space):
    good = {"to": {"phoneNumber": "447700900501"}, "body": "x", "rules": ["sms"]}
    r = await space.post("/messages/batch", json=[good, good, {"to": {}, "body": "x", "rules": ["sms"]}])
    assert r.status_code == 400
    assert r.json()["validationFailures"][0]["field"].startswith("2.to")
    r = await space.post("/messages/batch", json=[good, {**good, "rules": ["nosuchchannel"]}])
    assert r.status_code == 400 and r.json()["validationFailures"][0]["field"] == "[1].rules[0]"
    assert await counts(app, space.space_id) == (0, 0)


async def test_batch_shapes(space):
    for body in ({"not": "a list"}, [], "[", [1, 2]):
        kwargs = {"content": body} if isinstance(body, str) else {"json": body}
        r = await space.post("/messages/batch", headers={"Content-Type": "application/json"}, **kwargs)
        assert r.status_code == 400, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
