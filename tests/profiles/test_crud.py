"""Create, read, replace, merge, soft delete and undelete one profile, with ETags and events."""
from __future__ import annotations

import pytest

from tests.profiles.helpers import ISO_MS, create, events, ids, nested, problem


async def test_create_returns_document_and_etag(space):
    r = await space.post("/profiles", json={"id": "alice@example.com", "phoneNumber": "447700900123",
                                            "address": {"city": "Leeds"}})
    assert r.status_code == 201
    doc = r.json()
    assert doc["id"] == "alice@example.com"
    assert doc["phoneNumber"] == "447700900123"
    assert doc["address"] == {"city": "Leeds"}
    assert ISO_MS.match(doc["_createdOn"]) and ISO_MS.match(doc["_updatedOn"])
    assert doc["_createdBy"].startswith("access:") and doc["_updatedBy"] == doc["_createdBy"]
    assert doc["_optIns"] == {}
    assert "_deleted" not in doc and "_primaryProfileId" not in doc
    assert r.headers["etag"].startswith('"1-')

    got = await space.get("/profiles/alice@example.com")
    assert got.status_code == 200
    assert got.json() == {**doc, "_linkedProfileIds": []}
    assert got.headers["etag"] == r.headers["etag"]


async def test_create_existing_is_409(space):
    await create(space, "p1")
    problem(await space.post("/profiles", json={"id": "p1", "x": 1}), 409, "ProfileExists")
    assert "x" not in (await space.get("/profiles/p1")).json()


async def test_create_over_a_deleted_profile_is_409_and_says_undelete(space):
    await create(space, "p1")
    assert (await space.delete("/profiles/p1")).status_code == 204
    body = problem(await space.post("/profiles", json={"id": "p1"}), 409, "ProfileExists")
    assert "undelete" in body["detail"]


async def test_get_missing_is_404(space):
    problem(await space.get("/profiles/nobody"), 404, "NotFound")


async def test_put_replaces_fields_and_bumps_revision(space):
    created = await create(space, "p1", a=1, b=2)
    r = await space.put("/profiles/p1", json={"b": 3, "c": {"d": True}})
    assert r.status_code == 200
    doc = r.json()
    assert "a" not in doc and doc["b"] == 3 and doc["c"] == {"d": True}
    assert doc["_createdOn"] == created["_createdOn"]
    assert r.headers["etag"].startswith('"2-')
    assert (await space.get("/profiles/p1")).json()["b"] == 3


async def test_put_with_matching_id_in_body_and_mismatch(space):
    await create(space, "p1")
    assert (await space.put("/profiles/p1", json={"id": "p1", "x": 1})).status_code == 200
    problem(await space.put("/profiles/p1", json={"id": "p2", "x": 2}), 400)
    assert (await space.get("/profiles/p1")).json()["x"] == 1


async def test_put_missing_profile_is_404(space):
    problem(await space.put("/profiles/ghost", json={"x": 1}), 404)
    problem(await space.get("/profiles/ghost"), 404)


async def test_put_without_body_is_400(space):
    await create(space, "p1")
    problem(await space.put("/profiles/p1"), 400)


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
async def test_if_match(space, method):
    await create(space, "p1", n=0)
    etag = (await space.get("/profiles/p1")).headers["etag"]
    body = {"json": {"n": 1}} if method != "DELETE" else {}
    problem(await space.request(method, "/profiles/p1", headers={"If-Match": '"9-stale"'}, **body), 412,
            "PreconditionFailed")
    current = await space.get("/profiles/p1")
    assert current.json()["n"] == 0 and current.headers["etag"] == etag
    r = await space.request(method, "/profiles/p1", headers={"If-Match": f'"0-x", W/{etag}'}, **body)
    assert r.status_code == (204 if method == "DELETE" else 200)


async def test_if_match_star_and_stale_after_write(space):
    await create(space, "p1")
    first = (await space.get("/profiles/p1")).headers["etag"]
    assert (await space.put("/profiles/p1", json={"v": 1}, headers={"If-Match": "*"})).status_code == 200
    problem(await space.put("/profiles/p1", json={"v": 2}, headers={"If-Match": first}), 412)


async def test_patch_merges_and_deletes(space):
    await create(space, "p1", a=1, b={"x": 1}, c=3, d=4)
    r = await space.patch("/profiles/p1", params={"deletes": "c,d"}, json={"b": {"y": 2}, "e": None})
    assert r.status_code == 200
    doc = r.json()
    assert doc["a"] == 1 and doc["b"] == {"y": 2} and doc["e"] is None
    assert "c" not in doc and "d" not in doc
    assert r.headers["etag"].startswith('"2-')


async def test_patch_with_merge_patch_content_type(space):
    await create(space, "p1")
    r = await space.patch("/profiles/p1", content=b'{"z": 1}',
                          headers={"content-type": "application/merge-patch+json"})
    assert r.status_code == 200 and r.json()["z"] == 1


async def test_patch_missing_is_404_unless_allowcreate(space):
    problem(await space.patch("/profiles/new", json={"a": 1}), 404)
    r = await space.patch("/profiles/new", params={"allowcreate": "true"}, json={"a": 1})
    assert r.status_code == 201
    assert r.json()["a"] == 1 and r.headers["etag"].startswith('"1-')
    r = await space.patch("/profiles/new", params={"allowcreate": "true"}, json={"b": 2})
    assert r.status_code == 200 and r.json()["a"] == 1 and r.json()["b"] == 2


async def test_patch_allowcreate_undeletes_a_deleted_profile(space, app):
    await create(space, "p1", a=1)
    await space.delete("/profiles/p1")
    r = await space.patch("/profiles/p1", params={"allowcreate": "true"}, json={"b": 2})
    assert r.status_code == 200
    assert r.json()["a"] == 1 and r.json()["b"] == 2 and "_deleted" not in r.json()
    names = [e.name for e in await events(app, space.space_id, "p1")]
    assert names == ["profile.create", "profile.delete", "profile.undelete", "profile.update"]


@pytest.mark.parametrize("deletes", ["_createdOn", "id", "a,,_x"])
async def test_patch_deletes_cannot_name_system_fields(space, deletes):
    await create(space, "p1", a=1)
    problem(await space.patch("/profiles/p1", params={"deletes": deletes}, json={}), 400)
    assert (await space.get("/profiles/p1")).json()["a"] == 1


async def test_soft_delete_and_undelete(space):
    await create(space, "p1", a=1)
    await create(space, "p2")
    r = await space.delete("/profiles/p1")
    assert r.status_code == 204 and r.content == b""
    problem(await space.get("/profiles/p1"), 404)
    problem(await space.delete("/profiles/p1"), 404)
    problem(await space.put("/profiles/p1", json={"a": 2}), 404)
    problem(await space.patch("/profiles/p1", json={"a": 2}), 404)
    assert await ids(space, {}) == ["p2"]
    assert await ids(space, {"$includeDeleted": "true"}) == ["p1", "p2"]

    hidden = await space.get("/profiles/p1", params={"$includeDeleted": "true"})
    assert hidden.status_code == 200
    assert hidden.json()["_deleted"] is True and ISO_MS.match(hidden.json()["_deletedOn"])
    assert (await space.get("/profiles/p1", params={"includeDeleted": "true"})).status_code == 200

    r = await space.put("/profiles/p1", params={"undelete": "true"})
    assert r.status_code == 200
    assert r.json()["a"] == 1 and "_deleted" not in r.json()
    assert (await space.get("/profiles/p1")).status_code == 200
    assert await ids(space, {}) == ["p1", "p2"]


async def test_undelete_with_empty_body_keeps_fields_and_with_fields_replaces(space):
    await create(space, "p1", a=1)
    await space.delete("/profiles/p1")
    r = await space.put("/profiles/p1", params={"undelete": "true"}, json={})
    assert r.status_code == 200 and r.json()["a"] == 1
    await space.delete("/profiles/p1")
    r = await space.put("/profiles/p1", params={"undelete": "true"}, json={"b": 2})
    assert r.status_code == 200 and "a" not in r.json() and r.json()["b"] == 2


async def test_undelete_of_missing_is_404_and_of_live_is_a_no_op(space):
    problem(await space.put("/profiles/ghost", params={"undelete": "true"}), 404)
    await create(space, "p1")
    r = await space.put("/profiles/p1", params={"undelete": "true"})
    assert r.status_code == 200 and r.headers["etag"].startswith('"1-')


async def test_events_are_recorded_with_revisions(space, app):
    created = await create(space, "p1", a=1)
    await space.patch("/profiles/p1", json={"b": 2})
    await space.put("/profiles/p1", json={"c": 3})
    await space.delete("/profiles/p1")
    await space.put("/profiles/p1", params={"undelete": "true"})
    recorded = await events(app, space.space_id, "p1")
    assert [(e.name, e.revision) for e in recorded] == [
        ("profile.create", 1), ("profile.update", 2), ("profile.update", 3),
        ("profile.delete", 4), ("profile.undelete", 5)]
    assert recorded[0].payload == created
    assert recorded[1].payload["a"] == 1 and recorded[1].payload["b"] == 2
    assert recorded[2].payload["c"] == 3 and "a" not in recorded[2].payload
    delete = recorded[3].payload
    assert set(delete) == {"id", "date", "by"} and delete["id"] == "p1" and ISO_MS.match(delete["date"])
    assert delete["by"] == created["_createdBy"]
    assert recorded[4].payload == {"id": "p1"}


# --- bad input: always a 4xx problem and nothing stored -------------------------------------

BAD_CREATE_BODIES = [
    pytest.param({"name": "no id"}, id="missing-id"),
    pytest.param({"id": 42}, id="id-not-string"),
    pytest.param({"id": ""}, id="empty-id"),
    pytest.param({"id": "x" * 256}, id="id-too-long"),
    pytest.param({"id": "a/b"}, id="id-with-slash"),
    pytest.param({"id": "tab\there"}, id="id-with-control"),
    pytest.param({"id": "bulk"}, id="reserved-id"),
    pytest.param({"id": "optin"}, id="reserved-id-optin"),
    pytest.param({"id": "bad", "_createdOn": "2020-01-01"}, id="system-field"),
    pytest.param({"id": "bad", "_optIns": {"sms": True}}, id="optins-field"),
    pytest.param({"id": "bad", "s": "nul\u0000"}, id="nul-in-value"),
    pytest.param({"id": "bad", "o": {"k\u0000": 1}}, id="nul-in-key"),
    pytest.param({"id": "bad", "blob": "x" * 70_000}, id="over-64k"),
    pytest.param(nested(11), id="too-deep"),
    pytest.param({"id": "bad", "l": [[[[[[[[[[[1]]]]]]]]]]]}, id="too-deep-arrays"),
]


@pytest.mark.parametrize("body", BAD_CREATE_BODIES)
async def test_create_rejects_bad_bodies(space, body):
    problem(await space.post("/profiles", json=body), 400)
    assert await ids(space, {"$includeDeleted": "true"}) == []


async def test_system_field_error_names_the_field(space):
    body = problem(await space.post("/profiles", json={"id": "p", "_secret": 1}), 400, "SystemField")
    assert body["errors"][0]["field"] == "_secret"


async def test_depth_and_size_at_the_limit_are_accepted(space):
    assert (await space.post("/profiles", json=nested(10))).status_code == 201
    assert (await space.post("/profiles", json={"id": "big", "blob": "x" * 60_000})).status_code == 201


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"text"', b"null", b'{"id": "p", "n": NaN}',
                                 b'{"id": "p", "n": Infinity}', b'{"id": "p", "s": "\\ud800"}'])
async def test_malformed_or_non_object_bodies(space, raw):
    r = await space.post("/profiles", content=raw, headers={"content-type": "application/json"})
    problem(r, 400)
    assert await ids(space, {}) == []


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
@pytest.mark.parametrize("body", [
    {"_updatedBy": "me"}, {"blob": "y" * 70_000}, {"s": "\u0000"}, [1], "text", {"id": 5},
])
async def test_update_rejects_bad_bodies_and_keeps_the_profile(space, method, body):
    await create(space, "p1", keep=True)
    etag = (await space.get("/profiles/p1")).headers["etag"]
    r = await space.request(method, "/profiles/p1", json=body)
    assert 400 <= r.status_code < 500
    problem(r, r.status_code)
    after = await space.get("/profiles/p1")
    assert after.headers["etag"] == etag and after.json()["keep"] is True


async def test_patch_cannot_grow_a_profile_past_64k(space):
    await create(space, "p1", a="x" * 40_000)
    problem(await space.patch("/profiles/p1", json={"b": "y" * 40_000}), 400, "ProfileTooLarge")
    assert "b" not in (await space.get("/profiles/p1")).json()


async def test_ids_with_unusual_characters_round_trip(space):
    for pid in ["user+tag@example.com", "447700900123", "ünïcødé 名前", "a b", "x?y#z"]:
        await create(space, pid, ok=1)
        from urllib.parse import quote
        r = await space.get("/profiles/" + quote(pid, safe=""))
        assert r.status_code == 200 and r.json()["id"] == pid


async def test_path_id_with_nul_is_400_not_500(space):
    for method in ("GET", "DELETE"):
        body = problem(await space.request(method, "/profiles/a%00b"), 400)
        assert body["errors"][0]["field"] == "path.id"


# --- authentication and tenant isolation ----------------------------------------------------


async def test_requires_a_key(space, anon):
    problem(await anon.get(space.path("/profiles")), 401)
    problem(await anon.post(space.path("/profiles"), json={"id": "x"}), 401)


async def test_other_space_key_sees_404_for_everything(space, other_space):
    await create(space, "p1", secret="s")
    await create(space, "p2")

    async def foreign(method: str, suffix: str, **kw):
        return await other_space.client.request(method, space.path(suffix), headers=other_space.headers, **kw)

    calls = [
        ("GET", "/profiles/p1", {}), ("GET", "/profiles", {}), ("POST", "/profiles", {"json": {"id": "p9"}}),
        ("PUT", "/profiles/p1", {"json": {"x": 1}}), ("PATCH", "/profiles/p1", {"json": {"x": 1}}),
        ("DELETE", "/profiles/p1", {}), ("PATCH", "/profiles/bulk", {"json": [{"id": "p1"}]}),
        ("DELETE", "/profiles/bulk?id=p1", {}), ("GET", "/profiles/optin", {}),
        ("PUT", "/profiles/optin", {"json": {"sms": True}}),
        ("PUT", "/profiles/p1/optin", {"json": {"channels": ["sms"]}}),
        ("DELETE", "/profiles/p1/optin?channel=sms", {}),
        ("PUT", "/profiles/p1/rels/primary/p2", {}), ("PUT", "/profiles/p1/rels/link/p2", {}),
    ]
    for method, suffix, kw in calls:
        problem(await foreign(method, suffix, **kw), 404)
    doc = (await space.get("/profiles/p1")).json()
    assert doc["secret"] == "s" and doc["_optIns"] == {} and "x" not in doc
    assert await ids(space, {}) == ["p1", "p2"]


async def test_spaces_do_not_share_profiles(space, other_space):
    await create(space, "shared-id", owner="a")
    assert await ids(other_space, {}) == []
    assert await ids(other_space, {"owner": "a"}) == []
    problem(await other_space.get("/profiles/shared-id"), 404)
    r = await other_space.post("/profiles", json={"id": "shared-id", "owner": "b"})
    assert r.status_code == 201
    assert (await space.get("/profiles/shared-id")).json()["owner"] == "a"
    problem(await other_space.put("/profiles/shared-id/rels/link/p-a"), 404)
