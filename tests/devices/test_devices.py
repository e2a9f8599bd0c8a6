"""Push devices on profiles: register (create/replace), read, list, remove, the validation
summary, a token moving between profiles, and bad registrations."""
from sqlalchemy import select

from onecast.kit.models import Event

APNS_TOKEN = "0a" * 32
FCM = {"fcm": {"package": "com.example.app", "registrationId": "reg-1"}}
APNS = {"apns": {"bundleId": "com.example.ios", "environment": "development", "token": APNS_TOKEN}}
WEB = {"webPush": {"endpoint": "https://push.example.net/send/abc", "expirationTime": None,
                   "keys": {"p256dh": "B" + "A" * 86, "auth": "c2VjcmV0c2VjcmV0MTIzNA"}}}


async def test_register_read_replace_list_remove(space):
    r = await space.put("/profiles/ann/devices/pixel", json={"push": FCM, "platform": "android", "sdkVersion": "2.1"})
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["id"] == "pixel" and created["profileId"] == "ann" and created["push"] == FCM
    assert created["platform"] == "android" and created["sdkVersion"] == "2.1"
    assert (await space.get("/profiles/ann")).status_code == 200  # the profile was created for it
    r = await space.put("/profiles/ann/devices/pixel", json={"push": {"fcm": {**FCM["fcm"], "registrationId": "reg-2"}}})
    assert r.status_code == 200 and r.json()["push"]["fcm"]["registrationId"] == "reg-2"
    assert r.json()["_createdOn"] == created["_createdOn"] and "platform" not in r.json()
    assert (await space.put("/profiles/ann/devices/iphone", json={"push": APNS})).status_code == 201
    listed = (await space.get("/profiles/ann/devices")).json()
    assert [(d["id"], d["push"]) for d in listed] == [("pixel", {"fcm": {"package": "com.example.app",
                                                                          "registrationId": "reg-2"}}),
                                                      ("iphone", APNS)]
    assert (await space.get("/profiles/ann/devices/iphone")).json()["push"] == APNS
    assert (await space.delete("/profiles/ann/devices/iphone")).status_code == 204
    r = await space.get("/profiles/ann/devices/iphone")
    assert r.status_code == 404 and r.json()["code"] == "NotFound"
    assert (await space.delete("/profiles/ann/devices/iphone")).status_code == 404
    assert [d["id"] for d in (await space.get("/profiles/ann/devices")).json()] == ["pixel"]


async def test_web_push_subscription_is_kept_as_given(space):
    r = await space.put("/profiles/bo/devices/firefox", json={"push": WEB})
    assert r.status_code == 201, r.text
    assert r.json()["push"] == {"webPush": {"endpoint": WEB["webPush"]["endpoint"], "keys": WEB["webPush"]["keys"]}}


async def test_a_token_registered_elsewhere_moves(app, space):
    await space.put("/profiles/old-user/devices/shared-phone", json={"push": FCM})
    await space.put("/profiles/new-user/devices/shared-phone", json={"push": FCM})
    assert (await space.get("/profiles/old-user/devices")).json() == []
    assert [d["id"] for d in (await space.get("/profiles/new-user/devices")).json()] == ["shared-phone"]
    async with app.state.db.read() as session:
        names = [(e.name, e.payload.get("reason")) for e in (await session.execute(
            select(Event).where(Event.space_id == space.space_id, Event.name.like("device.%"))
            .order_by(Event.seq))).scalars()]
    assert names == [("device.registered", None), ("device.removed", "TokenRegisteredElsewhere"),
                     ("device.registered", None)]


async def test_validation_summarises_devices_per_profile(space):
    await space.put("/profiles/cy/devices/a", json={"push": FCM})
    await space.put("/profiles/cy/devices/b", json={"push": APNS})
    await space.put("/profiles/cy/devices/c", json={"push": WEB})
    r = await space.post("/profiles/devices/push/validation", json={"ids": ["cy", "nobody"]})
    assert r.status_code == 200, r.text
    assert r.json() == [
        {"id": "cy", "pushDevicesCount": 3, "fcm": ["com.example.app"], "apns": ["com.example.ios.development"],
         "webPush": ["https://push.example.net"]},
        {"id": "nobody", "pushDevicesCount": 0, "fcm": [], "apns": [], "webPush": []}]


async def test_bad_registrations_name_the_field(space):
    cases = [
        ({"push": {**FCM, **APNS}}, "push"),
        ({"push": {}}, "push"),
        ({"push": {"apns": {**APNS["apns"], "token": "not-hex"}}}, "push.apns.token"),
        ({"push": {"apns": {**APNS["apns"], "environment": "staging"}}}, "push.apns.environment"),
        ({"push": {"webPush": {**WEB["webPush"], "keys": {"p256dh": "short", "auth": "x"}}}}, "push.webPush.keys.p256dh"),
        ({"push": {"webPush": {**WEB["webPush"], "endpoint": "ftp://x"}}}, "push.webPush.endpoint"),
        ({"push": {"fcm": {"package": "a\u0000b", "registrationId": "r"}}}, "push.fcm.package"),
        ({"push": FCM, "extra": 1}, "extra"),
    ]
    for body, field in cases:
        r = await space.put("/profiles/dee/devices/d1", json=body)
        assert r.status_code == 400, (body, r.text)
        assert any(e["field"].startswith(f"body.{field}") for e in r.json()["errors"]), (field, r.json()["errors"])
    assert (await space.get("/profiles/dee/devices")).json() == []


async def test_devices_are_per_space(space, other_space):
    await space.put("/profiles/eve/devices/p", json={"push": FCM})
    assert (await other_space.get("/profiles/eve/devices")).json() == []
    assert (await other_space.get("/profiles/eve/devices/p")).status_code == 404
    r = await space.client.get(space.path("/profiles/eve/devices"), headers=other_space.headers)
    assert r.status_code == 404


async def test_devices_per_profile_are_capped(space, monkeypatch):
    from onecast.devices import service

    monkeypatch.setattr(service, "MAX_DEVICES_PER_PROFILE", 2)
    for n in range(2):
        assert (await space.put(f"/profiles/fay/devices/d{n}", json={"push": {"fcm": {
            "package": "p", "registrationId": f"r{n}"}}})).status_code == 201
    r = await space.put("/profiles/fay/devices/d2", json={"push": {"fcm": {"package": "p", "registrationId": "r2"}}})
    assert r.status_code == 409 and r.json()["code"] == "TooManyDevices"
    r = await space.put("/profiles/fay/devices/d1", json={"push": {"fcm": {"package": "p", "registrationId": "r9"}}})
    assert r.status_code == 200  # replacing an existing device is always possible


async def test_a_dead_token_removes_only_the_registration_it_belonged_to(app, space):
    from onecast.devices import service
    from onecast.kit.ids import hash_secret

    await space.put("/profiles/gus/devices/phone", json={"push": FCM})
    async with app.state.db.read() as session:
        [device] = await service.list_devices(session, space.space_id, "gus")
    await space.put("/profiles/gus/devices/phone", json={"push": {"fcm": {"package": "p", "registrationId": "fresh"}}})
    async with app.state.db.transaction() as session:  # FCM's answer for the old token arrives late
        assert await service.remove_dead(session, space.space_id, [(device.id, hash_secret("reg-1"), "UNREGISTERED")]) == 0
        assert await service.remove_dead(session, "another-space", [(device.id, hash_secret("fresh"), "UNREGISTERED")]) == 0
    assert [d["id"] for d in (await space.get("/profiles/gus/devices")).json()] == ["phone"]
    async with app.state.db.transaction() as session:
        assert await service.remove_dead(session, space.space_id, [(device.id, hash_secret("fresh"), "UNREGISTERED")]) == 1
    assert (await space.get("/profiles/gus/devices")).json() == []


async def test_validation_refuses_ids_that_cannot_be_stored(space):
    r = await space.post("/profiles/devices/push/validation", content=b'{"ids": ["ok", "bad\\ud800"]}',
                         headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"].startswith("body.ids.1")
