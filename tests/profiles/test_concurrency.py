"""Racing writers: no lost updates, no database errors (on PostgreSQL the inserts really race)."""
from __future__ import annotations

import asyncio

from tests.profiles.helpers import create, events


async def test_concurrent_upserts_of_a_new_id(space, app):
    results = await asyncio.gather(*[
        space.patch("/profiles/racer", params={"allowcreate": "true"}, json={f"f{i}": i}) for i in range(8)])
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200] * 7 + [201], [r.text for r in results]
    doc = (await space.get("/profiles/racer")).json()
    assert all(doc[f"f{i}"] == i for i in range(8))
    names = [e.name for e in await events(app, space.space_id, "racer")]
    assert names == ["profile.create"] + ["profile.update"] * 7


async def test_concurrent_creates_of_one_id(space):
    results = await asyncio.gather(*[space.post("/profiles", json={"id": "once", "n": i}) for i in range(6)])
    assert sorted(r.status_code for r in results) == [201] + [409] * 5


async def test_concurrent_patches_lose_nothing(space):
    await create(space, "p")
    await asyncio.gather(*[space.patch("/profiles/p", json={f"k{i}": i}) for i in range(8)])
    r = await space.get("/profiles/p")
    assert all(r.json()[f"k{i}"] == i for i in range(8)) and r.headers["etag"].startswith('"9-')


async def test_concurrent_links_cannot_close_a_cycle(space):
    await create(space, "a")
    await create(space, "b")
    results = await asyncio.gather(space.put("/profiles/a/rels/primary/b"), space.put("/profiles/b/rels/primary/a"))
    assert sorted(r.status_code for r in results) == [200, 400]
