"""/apispaces/{id}/push: credentials in, metadata out, encrypted at rest, and used by nativePush
(the device's app picks the FCM service account / APNs certificate, the token key the rest)."""
from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import text

from tests.peers.keys import EcKey, RsaKey
from tests.spacepush.conftest import BUNDLE_CERT, BUNDLE_TOKEN


async def register(space, profile_id: str, device_id: str, push: dict) -> None:
    r = await space.put(f"/profiles/{profile_id}/devices/{device_id}", json={"push": push})
    assert r.status_code in (200, 201), r.text


async def send(space, deliver, **message) -> dict:
    r = await space.post("/messages", json=message)
    assert r.status_code in (200, 201, 202), r.text
    await deliver(space)
    return (await space.get(f"/messages/{r.json()['messageId']}")).json()


def sent_details(message: dict) -> dict:
    return next(h for h in message["statusHistory"] if h["status"] == "sent")["details"]


async def test_fcm_credentials_per_package(space, fcm_service, deliver_push):
    accounts = fcm_service.accounts
    r = await space.put("/push/fcm/com.example.alpha", json={"serviceAccount": accounts["project-a"]})
    assert r.status_code == 200, r.text
    assert r.json() == {"package": "com.example.alpha", "projectId": "project-a",
                        "clientEmail": accounts["project-a"]["client_email"],
                        "privateKeyId": accounts["project-a"]["private_key_id"], "updatedOn": r.json()["updatedOn"]}
    # a string holding the JSON is accepted as well (what the console's file upload gives)
    r = await space.put("/push/fcm/com.example.beta", json={"serviceAccount": json.dumps(accounts["project-b"])})
    assert r.status_code == 200, r.text
    config = await space.get("/push")
    assert config.status_code == 200
    assert [(f["package"], f["projectId"]) for f in config.json()["fcm"]] == [
        ("com.example.alpha", "project-a"), ("com.example.beta", "project-b")]
    assert "PRIVATE KEY" not in config.text

    await register(space, "ann", "pixel", {"fcm": {"package": "com.example.alpha", "registrationId": "tok-alpha"}})
    await register(space, "ann", "galaxy", {"fcm": {"package": "com.example.beta", "registrationId": "tok-beta"}})
    await register(space, "ann", "other", {"fcm": {"package": "com.example.nocreds", "registrationId": "tok-x"}})
    got = await send(space, deliver_push, to={"profileId": "ann"}, rules=["nativePush"], title="T", body="hello")
    assert got["status"] == "sent", got
    by_token = {m["token"]: who for m, who in zip(fcm_service.peer.messages, fcm_service.peer.sent_by)}
    assert by_token == {"tok-alpha": ("project-a", accounts["project-a"]["client_email"]),
                        "tok-beta": ("project-b", accounts["project-b"]["client_email"])}
    devices = {d["deviceId"]: d["result"] for d in sent_details(got)["devices"]}
    assert devices == {"pixel": "accepted", "galaxy": "accepted"}  # no credentials for com.example.nocreds


async def test_apns_token_key_and_certificate(space, apns_service, deliver_push, test_ca):
    key = apns_service.token_key
    r = await space.put("/push/apnstoken", json={"keyId": "KEY1234567", "teamId": "TEAM123456",
                                                 "privateKey": key.private_pem})
    assert r.status_code == 200, r.text
    public = await space.get("/push/apnstoken/key")
    assert public.status_code == 200
    assert public.json()["publicKey"].encode() == key.public_pem and "PRIVATE" not in public.text
    assert public.json()["fingerprintSha256"] == r.json()["fingerprintSha256"]

    issued = test_ca.push_certificate(BUNDLE_CERT)
    r = await space.put("/push/apns", json={"environment": "production", "certificate": issued.cert_pem,
                                            "privateKey": issued.key_pem})
    assert r.status_code == 200, r.text
    assert (r.json()["bundleId"], r.json()["environment"]) == (BUNDLE_CERT, "production")  # from the subject UID
    assert r.json()["fingerprintSha256"] == issued.fingerprint
    assert r.json()["expiresOn"].startswith(issued.cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M"))
    cert = await space.get(f"/push/apns/{BUNDLE_CERT}/production/cert")
    assert cert.status_code == 200 and cert.json()["certificate"] == issued.cert_pem
    assert "PRIVATE KEY" not in cert.text
    config = (await space.get("/push")).json()
    assert config["apns"]["token"]["keyId"] == "KEY1234567"
    assert [(c["bundleId"], c["environment"]) for c in config["apns"]["certificates"]] == [(BUNDLE_CERT, "production")]

    token_device, cert_device = "ab" * 32, "cd" * 32
    await register(space, "bo", "phone", {"apns": {"bundleId": BUNDLE_TOKEN, "environment": "production",
                                                   "token": token_device}})
    await register(space, "bo", "tablet", {"apns": {"bundleId": BUNDLE_CERT, "environment": "production",
                                                    "token": cert_device}})
    got = await send(space, deliver_push, to={"profileId": "bo"}, rules=["nativePush"], body="hi")
    assert got["status"] == "sent", got
    notes = {n["token"]: n for n in apns_service.peer.notifications}
    assert set(notes) == {token_device, cert_device}
    assert notes[token_device]["headers"]["authorization"].startswith("bearer ")
    assert notes[token_device]["headers"]["apns-topic"] == BUNDLE_TOKEN
    assert "authorization" not in notes[cert_device]["headers"]
    assert notes[cert_device]["certificate"] == issued.fingerprint  # the TLS client certificate of the bundle
    assert notes[cert_device]["headers"]["apns-topic"] == BUNDLE_CERT


async def test_certificate_of_the_device_environment_only(space, apns_service, deliver_push, test_ca):
    """A development certificate does not serve production devices (and there is no token key)."""
    issued = test_ca.push_certificate(BUNDLE_CERT)
    r = await space.put("/push/apns", json={"environment": "development", "certificate": issued.cert_pem + issued.key_pem})
    assert r.status_code == 200, r.text
    await register(space, "cy", "phone", {"apns": {"bundleId": BUNDLE_CERT, "environment": "production",
                                                   "token": "ef" * 32}})
    got = await send(space, deliver_push, to={"profileId": "cy"}, rules=["nativePush"], body="hi")
    assert got["status"] == "failed" and got["statusHistory"][-1]["details"]["reason"] == "NoPushDevices"
    assert not apns_service.peer.notifications


async def test_delete_and_the_sandbox_again(space, fcm_service, deliver_push):
    await space.put("/push/fcm/com.example.alpha", json={"serviceAccount": fcm_service.accounts["project-a"]})
    assert (await space.delete("/push/fcm/com.example.alpha")).status_code == 204
    assert (await space.delete("/push/fcm/com.example.alpha")).status_code == 404
    assert (await space.get("/push")).json()["fcm"] == []
    await register(space, "dee", "pixel", {"fcm": {"package": "com.example.alpha", "registrationId": "tok-d"}})
    got = await send(space, deliver_push, to={"profileId": "dee"}, rules=["nativePush"], body="x")
    assert got["status"] == "delivered" and not fcm_service.peer.messages  # no credentials: the sandbox serves it
    assert (await space.delete("/push/apnstoken")).status_code == 404
    assert (await space.get("/push/apnstoken/key")).status_code == 404
    assert (await space.get(f"/push/apns/{BUNDLE_CERT}/production/cert")).status_code == 404


async def test_a_push_channel_of_the_space_wins(space, fcm_service, deliver_push):
    await space.put("/push/fcm/com.example.alpha", json={"serviceAccount": fcm_service.accounts["project-a"]})
    r = await space.post("/channels", json={"id": "nativePush", "type": "nativePush", "provider": "sandbox",
                                            "config": {}})
    assert r.status_code == 201, r.text
    await register(space, "eve", "pixel", {"fcm": {"package": "com.example.alpha", "registrationId": "tok-e"}})
    got = await send(space, deliver_push, to={"profileId": "eve"}, rules=["nativePush"], body="x")
    assert got["status"] == "delivered" and not fcm_service.peer.messages


async def test_another_tenant_gets_404_and_changes_nothing(space, other_space, fcm_service):
    account = fcm_service.accounts["project-a"]
    foreign = f"/apispaces/{space.space_id}/push"
    for method, path, body in (("GET", "", None), ("PUT", "/fcm/com.example.alpha", {"serviceAccount": account}),
                               ("GET", "/apnstoken/key", None), ("DELETE", "/apnstoken", None),
                               ("GET", f"/apns/{BUNDLE_CERT}/production/cert", None)):
        r = await other_space.client.request(method, foreign + path, json=body, headers=other_space.headers)
        assert r.status_code == 404, (method, path, r.text)
    assert (await space.get("/push")).json()["fcm"] == []


def _bad_bodies(test_ca) -> list[tuple[str, dict, str]]:
    rsa_key, ec_key = RsaKey.generate(), EcKey.generate()
    issued, stranger = test_ca.push_certificate(BUNDLE_CERT), test_ca.push_certificate("com.example.other")
    account = {"type": "service_account", "project_id": "p", "client_email": "a@p.iam.gserviceaccount.com",
               "private_key": "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n"}
    return [
        ("/push/fcm/com.example.alpha", {"serviceAccount": {"hello": "world"}}, "serviceAccount"),
        ("/push/fcm/com.example.alpha", {"serviceAccount": "not json"}, "serviceAccount"),
        ("/push/fcm/com.example.alpha", {"serviceAccount": account}, "serviceAccount.private_key"),
        ("/push/fcm/com.example.alpha", {"serviceAccount": {**account, "private_key": ec_key.private_pem}},
         "serviceAccount.private_key"),
        ("/push/apnstoken", {"keyId": "KEY1234567", "teamId": "TEAM123456", "privateKey": "nope"}, "privateKey"),
        ("/push/apnstoken", {"keyId": "KEY1234567", "teamId": "TEAM123456", "privateKey": rsa_key.private_pem},
         "privateKey"),
        ("/push/apns", {"environment": "production", "certificate": "garbage"}, "certificate"),
        ("/push/apns", {"environment": "production", "certificate": issued.cert_pem}, "privateKey"),
        ("/push/apns", {"environment": "production", "certificate": issued.cert_pem,
                        "privateKey": stranger.key_pem}, "privateKey"),
        ("/push/apns", {"environment": "production", "p12": "bm90IGEgcDEy"}, "p12"),
    ]


async def test_bad_credentials_are_400_and_nothing_is_stored(space, app, test_ca):
    for path, body, field in _bad_bodies(test_ca):
        r = await space.put(path, json=body)
        assert r.status_code == 400, (path, r.text)
        assert r.json()["errors"][0]["field"] == field, (path, r.json())
    assert (await space.get("/push")).json() == {"apiSpaceId": space.space_id, "fcm": [],
                                                 "apns": {"token": None, "certificates": []}}
    async with app.state.db.read() as session:
        count = (await session.execute(text("SELECT count(*) FROM space_push_credentials WHERE space_id = :s"),
                                       {"s": space.space_id})).scalar_one()
    assert count == 0


async def test_p12_upload(space, test_ca):
    import base64

    from cryptography.hazmat.primitives.serialization import pkcs12

    issued = test_ca.push_certificate(BUNDLE_CERT)
    blob = pkcs12.serialize_key_and_certificates(b"push", issued.key, issued.cert, None,
                                                 serialization.BestAvailableEncryption(b"s3cret"))
    body = {"environment": "development", "p12": base64.b64encode(blob).decode(), "password": "s3cret"}
    r = await space.put("/push/apns", json=body)
    assert r.status_code == 200, r.text
    assert (r.json()["bundleId"], r.json()["fingerprintSha256"]) == (BUNDLE_CERT, issued.fingerprint)
    wrong = await space.put("/push/apns", json={**body, "password": "wrong"})
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "p12"


async def test_secrets_are_encrypted_at_rest(space, app, fcm_service, apns_service, test_ca):
    await space.put("/push/fcm/com.example.alpha", json={"serviceAccount": fcm_service.accounts["project-a"]})
    await space.put("/push/apnstoken", json={"keyId": "KEY1234567", "teamId": "TEAM123456",
                                             "privateKey": apns_service.token_key.private_pem})
    issued = test_ca.push_certificate(BUNDLE_CERT)
    await space.put("/push/apns", json={"environment": "production", "certificate": issued.cert_pem,
                                        "privateKey": issued.key_pem})
    async with app.state.db.read() as session:
        rows = (await session.execute(text("SELECT kind, secret, info FROM space_push_credentials "
                                           "WHERE space_id = :s"), {"s": space.space_id})).all()
    assert sorted(r.kind for r in rows) == ["apnsCert", "apnsToken", "fcm"]
    for row in rows:
        assert row.secret.startswith("enc:v1:")
        assert "PRIVATE KEY" not in row.secret and "PRIVATE KEY" not in str(row.info)
        assert "service_account" not in row.secret


@pytest.mark.parametrize("environment", ["staging"])
async def test_environment_is_production_or_development(space, environment):
    r = await space.delete(f"/push/apns/{BUNDLE_CERT}/{environment}")
    assert r.status_code in (400, 422)


async def test_channel_listing_says_the_credentials_serve_native_push(space, fcm_service, test_ca):
    """GET /channels names what a send would use: the sandbox until the space has push
    credentials, then the credentials (provider push), and the space's own channel above both."""
    async def native_push() -> list[dict]:
        r = await space.get("/channels")
        assert r.status_code == 200, r.text
        return [c for c in r.json() if c["type"] == "nativePush" or c["id"] == "nativePush"]

    assert await native_push() == [{"id": "nativePush", "type": "nativePush", "provider": "sandbox",
                                    "name": "nativePush (sandbox)", "config": {}, "enabled": True,
                                    "sandbox": True, "implicit": True}]
    await space.put("/push/fcm/com.example.alpha", json={"serviceAccount": fcm_service.accounts["project-a"]})
    assert await native_push() == [{"id": "nativePush", "type": "nativePush", "provider": "push",
                                    "name": "nativePush (API space push credentials)", "config": {},
                                    "enabled": True, "sandbox": False, "implicit": True}]
    assert (await space.delete("/push/fcm/com.example.alpha")).status_code == 204
    issued = test_ca.push_certificate(BUNDLE_CERT)
    r = await space.put("/push/apns", json={"environment": "production", "certificate": issued.cert_pem + issued.key_pem})
    assert r.status_code == 200, r.text
    assert [c["provider"] for c in await native_push()] == ["push"]
    sms = next(c for c in (await space.get("/channels")).json() if c["type"] == "sms")
    assert sms["provider"] == "sandbox" and sms["implicit"] is True  # other types are untouched

    r = await space.post("/channels", json={"id": "push-own", "type": "nativePush", "provider": "sandbox",
                                            "config": {}})
    assert r.status_code == 201, r.text
    assert [(c["id"], c["provider"], c.get("implicit", False)) for c in await native_push()] == [
        ("push-own", "sandbox", False)]
    r = await space.put("/channels/push-own", json={"type": "nativePush", "provider": "sandbox", "config": {},
                                                    "enabled": False})
    assert r.status_code == 200, r.text
    assert [(c["id"], c["provider"]) for c in await native_push()] == [("push-own", "sandbox"),
                                                                       ("nativePush", "push")]
