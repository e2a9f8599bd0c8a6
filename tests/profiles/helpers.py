"""Small helpers shared by the profile tests."""
from __future__ import annotations

import re

import httpx
from sqlalchemy import select

from onecast.kit.models import Event

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def problem(r: httpx.Response, status: int, code: str | None = None) -> dict:
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers["content-type"]
    body = r.json()
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code, body
    return body


async def create(space, pid: str, **fields) -> dict:
    r = await space.post("/profiles", json={"id": pid, **fields})
    assert r.status_code == 201, r.text
    return r.json()


async def ids(space, params) -> list[str]:
    r = await space.get("/profiles", params=params)
    assert r.status_code == 200, r.text
    return [d["id"] for d in r.json()]


async def events(app, space_id: str, entity_id: str | None = None) -> list[Event]:
    async with app.state.db.transaction() as session:
        stmt = select(Event).where(Event.space_id == space_id).order_by(Event.seq)
        if entity_id is not None:
            stmt = stmt.where(Event.entity_id == entity_id)
        return list((await session.execute(stmt)).scalars())


def nested(depth: int) -> dict:
    """A profile body whose nesting depth (the document itself counted as 1) is `depth`."""
    body: dict = {"id": f"deep{depth}"}
    current = body
    for _ in range(depth - 1):
        current["a"] = {}
        current = current["a"]
    current["leaf"] = 1
    return body
