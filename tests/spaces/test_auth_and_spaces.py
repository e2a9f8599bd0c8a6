"""API spaces, keys, authentication and tenant isolation."""
import pytest


async def test_missing_and_wrong_key_are_401(anon, space):
    r = await anon.get(space.path("/channels"))
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "Unauthorized"
    r = await anon.get(space.path("/channels"), headers={"Authorization": "Bearer onecast_nope"})
    assert r.status_code == 401


async def test_key_of_another_space_gets_404(space, other_space):
    sent = await space.post("/messages", json={"to": {"phoneNumber": "447700900001"}, "body": "hi", "rules": ["sms"]})
    assert sent.status_code == 201
    message_id = sent.json()["messageId"]
    intruder = other_space.client
    for method, suffix in [("GET", f"/messages/{message_id}"), ("GET", "/channels"),
                           ("POST", "/messages"), ("GET", "/sandbox/messages"),
                           ("DELETE", f"/messages/{message_id}")]:
        r = await intruder.request(method, space.path(suffix), headers=other_space.headers, json={})
        assert r.status_code == 404, (method, suffix, r.text)
    # and B's own view never shows A's message
    r = await other_space.get(f"/messages/{message_id}")
    assert r.status_code == 404


async def test_space_lifecycle_and_keys(anon, space):
    r = await anon.get("/apispaces", headers=space.headers)
    assert r.status_code == 200
    assert [s["id"] for s in r.json()] == [space.space_id]

    r = await anon.post("/apispaces", headers=space.headers, json={"name": "second"})
    assert r.status_code == 201
    second = r.json()
    assert second["name"] == "second" and second["apiKey"].startswith("onecast_")
    r = await anon.get("/apispaces", headers=space.headers)
    assert {s["id"] for s in r.json()} == {space.space_id, second["id"]}

    # the new space's key works for its data, not for the first space's
    new_headers = {"Authorization": f"Bearer {second['apiKey']}"}
    assert (await anon.get(f"/apispaces/{second['id']}/channels", headers=new_headers)).status_code == 200
    assert (await anon.get(space.path("/channels"), headers=new_headers)).status_code == 404

    r = await anon.get(f"/apispaces/{second['id']}", headers=space.headers)
    etag = r.headers["etag"]
    r = await anon.put(f"/apispaces/{second['id']}", headers={**space.headers, "If-Match": '"stale"'},
                       json={"name": "renamed"})
    assert r.status_code == 412
    r = await anon.put(f"/apispaces/{second['id']}", headers={**space.headers, "If-Match": etag},
                       json={"name": "renamed"})
    assert r.status_code == 200 and r.json()["name"] == "renamed"

    # keys: create, list (no secret), revoke -> 401
    r = await anon.post(f"/apispaces/{second['id']}/keys", headers=space.headers, json={"name": "ci"})
    assert r.status_code == 201
    key = r.json()
    listed = (await anon.get(f"/apispaces/{second['id']}/keys", headers=space.headers)).json()
    assert key["id"] in {k["id"] for k in listed}
    assert all("apiKey" not in k for k in listed)
    extra = {"Authorization": f"Bearer {key['apiKey']}"}
    assert (await anon.get(f"/apispaces/{second['id']}/channels", headers=extra)).status_code == 200
    r = await anon.delete(f"/apispaces/{second['id']}/keys/{key['id']}", headers=space.headers)
    assert r.status_code == 204
    assert (await anon.get(f"/apispaces/{second['id']}/channels", headers=extra)).status_code == 401

    # deleting a space disables its keys
    assert (await anon.delete(f"/apispaces/{second['id']}", headers=space.headers)).status_code == 204
    assert (await anon.get(f"/apispaces/{second['id']}/channels", headers=new_headers)).status_code == 401
    assert (await anon.get(f"/apispaces/{second['id']}", headers=space.headers)).status_code == 404


async def test_other_account_cannot_see_or_manage_space(anon, space, other_space):
    r = await anon.get(f"/apispaces/{space.space_id}", headers=other_space.headers)
    assert r.status_code == 404
    r = await anon.put(f"/apispaces/{space.space_id}", headers=other_space.headers, json={"name": "x"})
    assert r.status_code == 404
    r = await anon.post(f"/apispaces/{space.space_id}/keys", headers=other_space.headers, json={})
    assert r.status_code == 404
    r = await anon.get("/apispaces", headers=other_space.headers)
    assert space.space_id not in {s["id"] for s in r.json()}


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": 5}, {"name": "x", "extra": 1}, [], "text"])
async def test_bad_space_bodies(anon, space, body):
    r = await anon.post("/apispaces", headers=space.headers, json=body)
    assert r.status_code == 400
    assert r.json()["validationFailures"]
    assert [s["id"] for s in (await anon.get("/apispaces", headers=space.headers)).json()] == [space.space_id]


async def test_stored_key_is_hashed(app, space):
    from sqlalchemy import select

    from onecast.spaces.models import ApiKey

    async with app.state.db.transaction() as session:
        hashes = (await session.execute(select(ApiKey.key_hash).where(ApiKey.space_id == space.space_id))).scalars().all()
    assert hashes and space.key not in hashes and all(len(h) == 64 for h in hashes)
