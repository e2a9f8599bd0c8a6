"""The session handshake: nonce challenge, HS256 JWT from the space's backend, session token;
anonymous sessions; reading and ending sessions."""
import time

import jwt

from tests.appusers.helpers import AUDIENCE, ISSUER, SECRET, configure_auth, login_jwt, start_session


async def _challenge(client, space_id):
    return (await client.get(f"/apispaces/{space_id}/sessions/start")).json()


async def _post(client, space_id, challenge, token):
    return await client.post(f"/apispaces/{space_id}/sessions", json={
        "authenticationId": challenge["authenticationId"], "authenticationToken": token})


async def test_auth_config_round_trip(space):
    r = await space.get("/auth")
    assert r.json()["sharedSecret"] is None
    await configure_auth(space, claim="userId")
    assert (await space.get("/auth")).json() == {"issuer": ISSUER, "audience": AUDIENCE, "sharedSecret": SECRET,
                                                 "idClaim": "userId"}


async def test_the_creating_accounts_key_sets_a_new_spaces_auth(space, other_space, anon):
    """PUT /apispaces/{newId}/auth is a space setting like the others: the key that created the space
    (its account's) sets it, and the new space's app users then log in with it."""
    created = (await anon.post("/apispaces", headers=space.headers, json={"name": "app"})).json()
    config = {"issuer": ISSUER, "audience": AUDIENCE, "sharedSecret": SECRET, "idClaim": "sub"}
    r = await anon.put(f"/apispaces/{created['id']}/auth", headers=space.headers, json=config)
    assert r.status_code == 200, r.text
    assert (await anon.get(f"/apispaces/{created['id']}/auth", headers=space.headers)).json() == config
    new_key = {"Authorization": f"Bearer {created['apiKey']}"}
    assert (await anon.get(f"/apispaces/{created['id']}/auth", headers=new_key)).json() == config
    assert (await space.get("/auth")).json()["sharedSecret"] is None  # the creator's own space is untouched
    for method in ("GET", "PUT"):  # another account's key: 404, nothing changes
        r = await anon.request(method, f"/apispaces/{created['id']}/auth", headers=other_space.headers,
                               json={**config, "issuer": "https://evil.example"})
        assert r.status_code == 404
    await start_session(anon, created["id"], "alice")


async def test_jwt_session_starts_and_token_works(space, anon):
    await configure_auth(space)
    challenge = await _challenge(anon, space.space_id)
    assert challenge["provider"] == "jsonWebToken" and challenge["nonce"]
    r = await _post(anon, space.space_id, challenge, login_jwt("alice", challenge["nonce"]))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["session"]["profileId"] == "alice" and body["session"]["isActive"]
    assert body["session"]["state"] == "SessionStarted"
    # The user now has a profile, and the session token reads its own session.
    assert (await space.get("/profiles/alice")).status_code == 200
    headers = {"Authorization": f"Bearer {body['token']}"}
    r = await anon.get(f"/apispaces/{space.space_id}/sessions/{body['session']['id']}", headers=headers)
    assert r.status_code == 200 and r.json()["profileId"] == "alice"
    # The challenge is single-use.
    again = await _post(anon, space.space_id, challenge, login_jwt("alice", challenge["nonce"]))
    assert again.status_code == 401


async def test_custom_id_claim(space, anon):
    await configure_auth(space, claim="userId")
    challenge = await _challenge(anon, space.space_id)
    token = login_jwt("bob", challenge["nonce"], claim="userId")
    r = await _post(anon, space.space_id, challenge, token)
    assert r.status_code == 201 and r.json()["session"]["profileId"] == "bob"


async def test_bad_tokens_are_refused(space, anon):
    await configure_auth(space)
    bad = {
        "wrong secret": lambda n: login_jwt("eve", n, secret="a guessed secret that is long enough!"),
        "wrong nonce": lambda n: login_jwt("eve", "another nonce"),
        "wrong issuer": lambda n: login_jwt("eve", n, issuer="https://evil"),
        "wrong audience": lambda n: login_jwt("eve", n, audience="https://evil"),
        "expired": lambda n: login_jwt("eve", n, lifetime=-10),
        "not a jwt": lambda n: "garbage",
        "alg none": lambda n: jwt.encode({"sub": "eve", "nonce": n, "iss": ISSUER, "aud": AUDIENCE,
                                          "exp": int(time.time()) + 60}, None, algorithm="none"),
    }
    for name, make in bad.items():
        challenge = await _challenge(anon, space.space_id)
        r = await _post(anon, space.space_id, challenge, make(challenge["nonce"]))
        assert r.status_code == 401, (name, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    assert (await space.get("/profiles/eve")).status_code == 404


async def test_without_auth_config_only_anonymous_sessions(space, anon):
    challenge = await _challenge(anon, space.space_id)
    r = await _post(anon, space.space_id, challenge, login_jwt("alice", challenge["nonce"]))
    assert r.status_code == 401
    user = await start_session(anon, space.space_id, anonymous_id="visitor-1")
    assert user.profile_id == "anon_visitor-1"


async def test_anonymous_token_is_bound_to_its_nonce_and_space(space, other_space, anon):
    challenge = await _challenge(anon, space.space_id)
    r = await anon.get(f"/apispaces/{other_space.space_id}/sessions/tokens/anon",
                       params={"id": "v", "nonce": challenge["nonce"]})
    token = r.json()["token"]
    assert (await _post(anon, space.space_id, challenge, token)).status_code == 401


async def test_end_session_revokes_the_token(space, anon):
    await configure_auth(space)
    user = await start_session(anon, space.space_id, "carol")
    assert (await user.request("GET", f"/sessions/{user.session_id}")).status_code == 200
    assert (await user.request("DELETE", f"/sessions/{user.session_id}")).status_code == 204
    r = await user.request("GET", f"/sessions/{user.session_id}")
    assert r.status_code == 401
    # The server still sees the ended session.
    r = await space.get(f"/sessions/{user.session_id}")
    assert r.status_code == 200 and r.json()["isActive"] is False and r.json()["state"] == "SessionEnded"


async def test_users_see_only_their_own_sessions_and_space(space, other_space, anon):
    await configure_auth(space)
    alice = await start_session(anon, space.space_id, "alice")
    bob = await start_session(anon, space.space_id, "bob")
    assert (await alice.request("GET", f"/sessions/{bob.session_id}")).status_code == 404
    r = await anon.get(f"/apispaces/{other_space.space_id}/sessions/{alice.session_id}", headers=alice.headers)
    assert r.status_code == 404
    r = await anon.get(f"/apispaces/{space.space_id}/auth", headers=alice.headers)
    assert r.status_code == 401  # the auth config needs the API key


async def test_unknown_space(anon):
    assert (await anon.get("/apispaces/nope/sessions/start")).status_code == 404


async def test_a_sessions_push_registration_becomes_a_device_of_the_profile(space, anon):
    await configure_auth(space)
    challenge = await _challenge(anon, space.space_id)
    r = await anon.post(f"/apispaces/{space.space_id}/sessions", json={
        "authenticationId": challenge["authenticationId"],
        "authenticationToken": login_jwt("carol", challenge["nonce"]), "deviceId": "phone-1", "platform": "android",
        "push": {"fcm": {"package": "com.example.app", "registrationId": "fcm-token-123"}}})
    assert r.status_code == 201, r.text
    [device] = (await space.get("/profiles/carol/devices")).json()
    assert device["id"] == "phone-1" and device["push"]["fcm"]["package"] == "com.example.app"
    bad = await anon.post(f"/apispaces/{space.space_id}/sessions", json={
        "authenticationId": (await _challenge(anon, space.space_id))["authenticationId"],
        "authenticationToken": "x", "push": {"apns": {"bundleId": "b", "token": "not hex"}}})
    assert bad.status_code == 400


async def test_the_shared_secret_is_encrypted_at_rest(app, space):
    from sqlalchemy import text

    await configure_auth(space)
    async with app.state.db.read() as session:
        raw = (await session.execute(text("SELECT shared_secret FROM app_auth_configs WHERE space_id = :s"),
                                     {"s": space.space_id})).scalar_one()
    assert raw.startswith("enc:v1:") and SECRET not in raw
