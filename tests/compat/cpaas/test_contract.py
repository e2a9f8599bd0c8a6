"""Contract of the `/cpaas/...` prefix (reference seed 000 and comapi-one-api.md §0): the One API
operations without `/apispaces/{id}`, the API space implied by HTTP Basic credentials."""
import pytest


def basic(space) -> tuple[str, str]:
    return ("api-user", space.key)


async def test_http_basic_is_required(anon, space):
    for auth in (None, ("user", "wrong")):
        r = await anon.get("/cpaas/profiles/x", auth=auth)
        assert r.status_code == 401
        assert r.headers["www-authenticate"].lower().startswith("basic")
    r = await anon.get("/cpaas/profiles/x", headers={"Authorization": f"Bearer {space.key}"})
    assert r.status_code == 401


async def test_send_and_read_a_message(anon, space):
    msg = {"to": {"phoneNumber": "+447700900123"}, "rules": ["sms"], "body": "Hi from cpaas"}
    r = await anon.post("/cpaas/messages", json=msg, auth=basic(space))
    assert r.status_code == 201, r.text
    message_id = r.json()["messageId"]
    got = await anon.get(f"/cpaas/messages/{message_id}", auth=basic(space))
    assert got.status_code == 200
    assert got.json()["body"] == "Hi from cpaas" and got.json()["status"] in ("processing", "sent")
    # the same message in the space of the credentials, under /apispaces
    assert (await space.get(f"/messages/{message_id}")).json()["messageId"] == message_id


async def test_batch(anon, space):
    batch = [{"to": {"phoneNumber": "+447700900123"}, "rules": ["sms"], "body": f"m{i}"} for i in range(2)]
    r = await anon.post("/cpaas/messages/batch", json=batch, auth=basic(space))
    assert r.status_code == 202
    assert [item["index"] for item in r.json()] == [0, 1]


async def test_profiles(anon, space):
    r = await anon.post("/cpaas/profiles", json={"id": "ann", "email": "ann@example.com"}, auth=basic(space))
    assert r.status_code == 201, r.text
    got = await anon.get("/cpaas/profiles/ann", auth=basic(space))
    assert got.status_code == 200 and got.json()["email"] == "ann@example.com" and got.headers["etag"]
    query = await anon.get("/cpaas/profiles", params={"email": "ann@example.com"}, auth=basic(space))
    assert [p["id"] for p in query.json()] == ["ann"]
    assert (await anon.delete("/cpaas/profiles/ann", auth=basic(space))).status_code == 204


async def test_errors_are_the_one_apis(anon, space):
    r = await anon.post("/cpaas/messages", json={"to": {}, "rules": ["sms"], "body": "x"}, auth=basic(space))
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["validationFailures"]


async def test_the_space_is_the_credentials(anon, space, other_space):
    r = await anon.post("/cpaas/profiles", json={"id": "mine"}, auth=basic(space))
    assert r.status_code == 201
    assert (await anon.get("/cpaas/profiles/mine", auth=basic(other_space))).status_code == 404
    assert (await other_space.get("/profiles/mine")).status_code == 404


@pytest.mark.parametrize("suffix", ["/templates", "/profiles/optin"])
async def test_reads(anon, space, suffix):
    assert (await anon.get(f"/cpaas{suffix}", auth=basic(space))).status_code == 200


async def test_idempotency_key_replays(anon, space):
    msg = {"to": {"phoneNumber": "+447700900123"}, "rules": ["sms"], "body": "once"}
    headers = {"Idempotency-Key": "cpaas-1"}
    first = await anon.post("/cpaas/messages", json=msg, auth=basic(space), headers=headers)
    again = await anon.post("/cpaas/messages", json=msg, auth=basic(space), headers=headers)
    assert first.json()["messageId"] == again.json()["messageId"]


@pytest.mark.parametrize("fmt", ["json", "ndjson", "csv"])
async def test_streamed_answers_arrive_whole(anon, space, fmt):
    """A streamed answer (the profile export) is the same bytes and headers under /cpaas as under
    /apispaces/{id}; it used to stop after the first chunk (`[`) under a 200."""
    for i in range(3):
        r = await anon.post("/cpaas/profiles", json={"id": f"p{i}", "name": f"N{i}"}, auth=basic(space))
        assert r.status_code == 201
    request = {"format": fmt, "fields": ["name"]}
    direct = await space.post("/profiles/export", json=request)
    via_cpaas = await anon.post("/cpaas/profiles/export", json=request, auth=basic(space))
    assert direct.status_code == via_cpaas.status_code == 200
    assert via_cpaas.content == direct.content
    assert via_cpaas.content.count(b"N") == 3
    for header in ("content-type", "content-disposition"):
        assert via_cpaas.headers[header] == direct.headers[header]
