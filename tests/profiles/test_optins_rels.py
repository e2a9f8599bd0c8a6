"""Opt-ins (per profile and space defaults) and primary / linked profile relationships."""
from __future__ import annotations

import pytest

from tests.profiles.helpers import create, events, problem

# --- opt-ins --------------------------------------------------------------------------------


async def test_opt_in_and_out(space, app):
    await create(space, "p1")
    r = await space.put("/profiles/p1/optin", json={"channels": ["sms", "email"]})
    assert r.status_code == 200
    assert r.json()["_optIns"] == {"sms": True, "email": True}
    assert r.headers["etag"].startswith('"2-')

    r = await space.delete("/profiles/p1/optin", params={"channel": ["sms", "whatsapp"]})
    assert r.status_code == 200
    assert r.json()["_optIns"] == {"sms": False, "email": True, "whatsapp": False}
    assert (await space.get("/profiles/p1")).json()["_optIns"] == r.json()["_optIns"]
    updates = [e for e in await events(app, space.space_id, "p1") if e.name == "profile.update"]
    assert [e.payload["_optIns"] for e in updates] == [
        {"sms": True, "email": True}, {"sms": False, "email": True, "whatsapp": False}]


async def test_opt_in_again_changes_nothing(space, app):
    await create(space, "p1")
    await space.put("/profiles/p1/optin", json={"channels": ["sms"]})
    r = await space.put("/profiles/p1/optin", json={"channels": ["sms"]})
    assert r.status_code == 200 and r.headers["etag"].startswith('"2-')
    assert len(await events(app, space.space_id, "p1")) == 2


async def test_opt_ins_survive_replace(space):
    await create(space, "p1", a=1)
    await space.put("/profiles/p1/optin", json={"channels": ["sms"]})
    r = await space.put("/profiles/p1", json={"b": 2})
    assert r.json()["_optIns"] == {"sms": True}


async def test_opt_in_honours_if_match(space):
    await create(space, "p1")
    problem(await space.put("/profiles/p1/optin", json={"channels": ["sms"]}, headers={"If-Match": '"7-x"'}),
            412)
    assert (await space.get("/profiles/p1")).json()["_optIns"] == {}


@pytest.mark.parametrize("body", [
    {"channels": []}, {"channels": ["s m s"]}, {"channels": ["x" * 101]}, {"channels": "sms"},
    {"channels": [1]}, {}, {"channels": ["sms"], "extra": 1}, [], {"channels": ["c"] * 101},
])
async def test_opt_in_bad_bodies(space, body):
    await create(space, "p1")
    problem(await space.put("/profiles/p1/optin", json=body), 400)
    assert (await space.get("/profiles/p1")).json()["_optIns"] == {}


async def test_opt_out_bad_input(space):
    await create(space, "p1")
    problem(await space.delete("/profiles/p1/optin"), 400)
    problem(await space.delete("/profiles/p1/optin", params={"channel": "bad name"}), 400)
    problem(await space.delete("/profiles/p1/optin", params={"channel": ""}), 400)


async def test_opt_in_on_missing_or_deleted_profile_is_404(space):
    problem(await space.put("/profiles/ghost/optin", json={"channels": ["sms"]}), 404)
    await create(space, "p1")
    await space.delete("/profiles/p1")
    problem(await space.delete("/profiles/p1/optin", params={"channel": "sms"}), 404)


async def test_space_defaults(space, other_space):
    r = await space.get("/profiles/optin")
    assert r.status_code == 200 and r.json() == {}
    r = await space.put("/profiles/optin", json={"sms": True, "email": False})
    assert r.status_code == 200 and r.json() == {"sms": True, "email": False}
    assert (await space.get("/profiles/optin")).json() == {"sms": True, "email": False}
    r = await space.put("/profiles/optin", json={"push": True})
    assert r.json() == {"push": True}  # a replace, not a merge
    assert (await other_space.get("/profiles/optin")).json() == {}


@pytest.mark.parametrize("body", [{"sms": "yes"}, {"sms": 1}, {"bad name": True}, {"": True}, [True],
                                  {f"c{i}": True for i in range(101)}, "sms"])
async def test_space_defaults_bad_bodies(space, body):
    await space.put("/profiles/optin", json={"sms": True})
    problem(await space.put("/profiles/optin", json=body), 400)
    assert (await space.get("/profiles/optin")).json() == {"sms": True}


# --- relationships --------------------------------------------------------------------------


async def test_primary_relationship(space, app):
    await create(space, "child")
    await create(space, "parent")
    r = await space.put("/profiles/child/rels/primary/parent")
    assert r.status_code == 200
    assert r.json()["id"] == "child" and r.json()["_primaryProfileId"] == "parent"
    assert r.headers["etag"].startswith('"2-')
    parent = await space.get("/profiles/parent")
    assert parent.json()["_linkedProfileIds"] == ["child"] and parent.headers["etag"].startswith('"2-')
    names = [(e.entity_id, e.name) for e in await events(app, space.space_id)]
    assert ("child", "profile.update") in names and ("parent", "profile.update") in names

    r = await space.delete("/profiles/child/rels/primary/parent")
    assert r.status_code == 200 and "_primaryProfileId" not in r.json()
    assert (await space.get("/profiles/parent")).json()["_linkedProfileIds"] == []
    problem(await space.delete("/profiles/child/rels/primary/parent"), 404, "RelationshipNotFound")


async def test_link_relationship(space):
    for pid in ("main", "c1", "c2"):
        await create(space, pid)
    r = await space.put("/profiles/main/rels/link/c2")
    assert r.status_code == 200 and r.json()["id"] == "main" and r.json()["_linkedProfileIds"] == ["c2"]
    r = await space.put("/profiles/main/rels/link/c1")
    assert r.json()["_linkedProfileIds"] == ["c1", "c2"]
    assert (await space.get("/profiles/c1")).json()["_primaryProfileId"] == "main"
    r = await space.put("/profiles/main/rels/link/c1")  # idempotent
    assert r.status_code == 200 and r.json()["_linkedProfileIds"] == ["c1", "c2"]
    r = await space.delete("/profiles/main/rels/link/c2")
    assert r.status_code == 200 and r.json()["_linkedProfileIds"] == ["c1"]
    assert "_primaryProfileId" not in (await space.get("/profiles/c2")).json()


async def test_new_primary_replaces_the_old_one(space):
    for pid in ("c", "old", "new"):
        await create(space, pid)
    await space.put("/profiles/c/rels/primary/old")
    old_etag = (await space.get("/profiles/old")).headers["etag"]
    r = await space.put("/profiles/c/rels/primary/new")
    assert r.json()["_primaryProfileId"] == "new"
    old = await space.get("/profiles/old")
    assert old.json()["_linkedProfileIds"] == [] and old.headers["etag"] != old_etag
    assert (await space.get("/profiles/new")).json()["_linkedProfileIds"] == ["c"]


async def test_self_links_and_cycles_are_rejected(space):
    for pid in ("a", "b", "c"):
        await create(space, pid)
    problem(await space.put("/profiles/a/rels/primary/a"), 400, "SelfLink")
    problem(await space.put("/profiles/a/rels/link/a"), 400, "SelfLink")
    assert (await space.put("/profiles/a/rels/primary/b")).status_code == 200  # a -> b
    problem(await space.put("/profiles/b/rels/primary/a"), 400, "LinkCycle")
    problem(await space.put("/profiles/a/rels/link/b"), 400, "LinkCycle")
    assert (await space.put("/profiles/b/rels/primary/c")).status_code == 200  # a -> b -> c
    problem(await space.put("/profiles/c/rels/primary/a"), 400, "LinkCycle")
    problem(await space.put("/profiles/a/rels/link/c"), 400, "LinkCycle")
    assert "_primaryProfileId" not in (await space.get("/profiles/c")).json()


async def test_relationships_need_both_live_profiles(space):
    await create(space, "a")
    problem(await space.put("/profiles/a/rels/primary/ghost"), 404)
    problem(await space.put("/profiles/ghost/rels/link/a"), 404)
    await create(space, "gone")
    await space.delete("/profiles/gone")
    problem(await space.put("/profiles/a/rels/primary/gone"), 404)
    problem(await space.delete("/profiles/a/rels/primary/ghost"), 404)
    assert "_primaryProfileId" not in (await space.get("/profiles/a")).json()


async def test_deleted_children_are_not_listed(space):
    for pid in ("p", "c1", "c2"):
        await create(space, pid)
    await space.put("/profiles/p/rels/link/c1")
    await space.put("/profiles/p/rels/link/c2")
    await space.delete("/profiles/c1")
    assert (await space.get("/profiles/p")).json()["_linkedProfileIds"] == ["c2"]
    await space.put("/profiles/c1", params={"undelete": "true"})
    assert (await space.get("/profiles/p")).json()["_linkedProfileIds"] == ["c1", "c2"]
