"""PATCH /profiles/bulk (create or merge each) and DELETE /profiles/bulk."""
from __future__ import annotations

import pytest

from tests.profiles.helpers import create, events, ids, problem


async def test_bulk_patch_creates_and_merges(space, app):
    await create(space, "old", a=1, b=1)
    r = await space.patch("/profiles/bulk", json=[{"id": "new", "x": 1}, {"id": "old", "b": 2}])
    assert r.status_code == 200
    docs = r.json()
    assert [d["id"] for d in docs] == ["new", "old"]
    assert docs[0]["x"] == 1 and docs[1]["a"] == 1 and docs[1]["b"] == 2
    assert await ids(space, {}) == ["new", "old"]
    names = [(e.entity_id, e.name) for e in await events(app, space.space_id)]
    assert names[-2:] == [("new", "profile.create"), ("old", "profile.update")]


async def test_bulk_patch_repeated_id_applies_in_order(space):
    r = await space.patch("/profiles/bulk", json=[{"id": "p", "a": 1}, {"id": "p", "b": 2}])
    assert r.status_code == 200
    assert r.json()[1]["a"] == 1 and r.json()[1]["b"] == 2
    assert (await space.get("/profiles/p")).headers["etag"].startswith('"2-')


async def test_bulk_patch_undeletes(space):
    await create(space, "p", a=1)
    await space.delete("/profiles/p")
    r = await space.patch("/profiles/bulk", json=[{"id": "p", "b": 2}])
    assert r.status_code == 200 and "_deleted" not in r.json()[0]
    assert (await space.get("/profiles/p")).json()["a"] == 1


async def test_bulk_patch_empty_list_is_refused(space):
    r = await space.patch("/profiles/bulk", json=[])
    assert r.status_code == 400 and r.json()["validationFailures"]


@pytest.mark.parametrize("body", [
    [{"id": "ok"}, {"id": "bad", "_x": 1}],
    [{"id": "ok"}, {"name": "no id"}],
    [{"id": "ok"}, {"id": "a/b"}],
    [{"id": "ok"}, {"id": "big", "blob": "x" * 70_000}],
    [{"id": "ok"}, "not an object"],
    {"id": "not a list"},
    [{"id": f"p{i}"} for i in range(1001)],
])
async def test_bulk_patch_is_all_or_nothing(space, body):
    problem(await space.patch("/profiles/bulk", json=body), 400)
    assert await ids(space, {"$includeDeleted": "true"}) == []


async def test_bulk_patch_error_names_the_item(space):
    body = problem(await space.patch("/profiles/bulk", json=[{"id": "a"}, {"id": "b", "_x": 1}]), 400)
    assert body["errors"][0]["field"] == "[1]._x"


async def test_bulk_delete(space, app):
    for pid in ("a", "b", "c"):
        await create(space, pid)
    r = await space.delete("/profiles/bulk", params={"id": ["a", "c", "ghost", "a"]})
    assert r.status_code == 204
    assert await ids(space, {}) == ["b"]
    deletes = [e.entity_id for e in await events(app, space.space_id) if e.name == "profile.delete"]
    assert deletes == ["a", "c"]
    assert (await space.delete("/profiles/bulk", params={"id": "a"})).status_code == 204


async def test_bulk_delete_bad_input(space):
    await create(space, "a")
    problem(await space.delete("/profiles/bulk"), 400)
    problem(await space.delete("/profiles/bulk", params={"id": ["a", "bad\x00"]}), 400)
    problem(await space.delete("/profiles/bulk", params={"id": [f"p{i}" for i in range(1001)]}), 400)
    assert await ids(space, {}) == ["a"]
