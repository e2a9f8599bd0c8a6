"""Conversations CRUD and what owners, participants, outsiders and the server may do."""


def _conv(cid, roles, **extra):
    return {"id": cid, "name": f"Conversation {cid}", "roles": roles, "isPublic": False, **extra}


async def test_creator_owns_and_participants_join(users, roles):
    alice = users["alice"]
    r = await alice.request("POST", "/conversations", json=_conv("c1", roles, participants=[{"id": "bob"}]))
    assert r.status_code == 201, r.text
    assert r.json()["participantCount"] == 2 and r.headers["ETag"] == r.json()["_etag"]
    members = (await alice.request("GET", "/conversations/c1/participants")).json()
    assert sorted(members, key=lambda m: m["id"]) == [{"id": "alice", "role": "owner"},
                                                      {"id": "bob", "role": "participant"}]
    again = await alice.request("POST", "/conversations", json=_conv("c1", roles))
    assert again.status_code == 409


async def test_outsiders_see_nothing_private(users, roles):
    alice, carol = users["alice"], users["carol"]
    await alice.request("POST", "/conversations", json=_conv("private", roles))
    await alice.request("POST", "/conversations", json={**_conv("open", roles), "isPublic": True})
    assert (await carol.request("GET", "/conversations/private")).status_code == 404
    assert (await carol.request("GET", "/conversations/open")).status_code == 200
    listed = [c["id"] for c in (await carol.request("GET", "/conversations")).json()]
    assert listed == ["open"]
    mine = [c["id"] for c in (await alice.request("GET", "/conversations", params={"scope": "participant"})).json()]
    assert mine == ["open", "private"]
    r = await carol.request("POST", "/conversations/open/messages", json={"parts": [{"data": "hi"}]})
    assert r.status_code == 403  # seeing a public conversation is not taking part


async def test_only_owners_update_and_delete(users, roles, space):
    alice, bob = users["alice"], users["bob"]
    await alice.request("POST", "/conversations", json=_conv("c2", roles, participants=[{"id": "bob"}]))
    update = {"name": "renamed", "roles": roles}
    assert (await bob.request("PUT", "/conversations/c2", json=update)).status_code == 403
    etag = (await alice.request("GET", "/conversations/c2")).headers["ETag"]
    r = await alice.request("PUT", "/conversations/c2", json=update, headers={"If-Match": '"stale"'})
    assert r.status_code == 412
    r = await alice.request("PUT", "/conversations/c2", json=update, headers={"If-Match": etag})
    assert r.status_code == 200 and r.json()["name"] == "renamed" and r.headers["ETag"] != etag
    assert (await bob.request("DELETE", "/conversations/c2")).status_code == 403
    assert (await alice.request("DELETE", "/conversations/c2")).status_code == 204
    assert (await alice.request("GET", "/conversations/c2")).status_code == 404
    r = await space.get("/conversations/c2", params={"includeDeleted": "true"})
    assert r.status_code == 200 and r.json()["_isDeleted"] is True


async def test_role_privileges_govern_participants(users, roles):
    alice, bob, carol = users["alice"], users["bob"], users["carol"]
    await alice.request("POST", "/conversations", json=_conv("c3", roles, participants=[{"id": "bob"}]))
    assert (await bob.request("POST", "/conversations/c3/participants", json=[{"id": "carol"}])).status_code == 403
    r = await alice.request("POST", "/conversations/c3/participants", json=[{"id": "carol", "role": "member"}])
    assert r.status_code == 201
    assert (await carol.request("GET", "/conversations/c3")).status_code == 200
    r = await bob.request("DELETE", "/conversations/c3/participants", params={"id": "carol"})
    assert r.status_code == 403
    assert (await bob.request("DELETE", "/conversations/c3/participants", params={"id": "bob"})).status_code == 204
    assert (await bob.request("GET", "/conversations/c3")).status_code == 404  # left, no longer sees it
    assert (await alice.request("DELETE", "/conversations/c3/participants",
                                params={"id": "carol"})).status_code == 204
    ids = [m["id"] for m in (await alice.request("GET", "/conversations/c3/participants")).json()]
    assert ids == ["alice"]


async def test_read_only_participants_cannot_send(users, roles):
    alice, bob = users["alice"], users["bob"]
    quiet = {**roles, "participant": {**roles["participant"], "canSend": False}}
    await alice.request("POST", "/conversations", json=_conv("c4", quiet, participants=[{"id": "bob"}]))
    assert (await bob.request("POST", "/conversations/c4/messages",
                              json={"parts": [{"data": "hi"}]})).status_code == 403
    assert (await alice.request("POST", "/conversations/c4/messages",
                                json={"parts": [{"data": "hi"}]})).status_code == 200


async def test_server_key_manages_any_conversation(space, roles):
    r = await space.post("/conversations", json=_conv("srv", roles, participants=[{"id": "dave"}]))
    assert r.status_code == 201 and r.json()["participantCount"] == 1
    r = await space.post("/conversations/srv/messages",
                         json={"parts": [{"data": "from the server"}], "from": {"profileId": "bot", "name": "Bot"}})
    assert r.status_code == 200
    page = (await space.get("/conversations/srv/messages")).json()
    assert page["messages"][0]["context"]["from"] == {"id": "bot", "name": "Bot"}
    listed = [c["id"] for c in (await space.get("/conversations", params={"profileId": "dave"})).json()]
    assert listed == ["srv"]


async def test_other_space_cannot_reach_it(space, other_space, roles):
    await space.post("/conversations", json=_conv("mine", roles))
    assert (await other_space.get("/conversations/mine")).status_code == 404
    r = await other_space.client.get(f"/apispaces/{other_space.space_id}/conversations/mine", headers=space.headers)
    assert r.status_code == 404
