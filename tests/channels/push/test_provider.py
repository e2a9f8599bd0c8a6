"""The nativePush rule: every registered device of the profile, over its platform; no device means
a permanent failure so `rules` fall back; options are validated at send time."""
from sqlalchemy import select

from onecast.kit.models import Event
from tests.channels.push.conftest import BUNDLE_ID, apns_token, on_every_platform, push_channel, register, send


async def test_one_send_reaches_every_platform(space, deliver, fcm, apns, webpush):
    browser = await on_every_platform(space, "ann", fcm, apns, webpush)
    got = await send(space, deliver, to={"profileId": "ann"}, rules=["nativePush"], title="T", body="everywhere")
    assert got["status"] == "sent"
    assert len(fcm.peer.messages) == len(apns.peer.notifications) == len(webpush.peer.received) == 1
    assert fcm.peer.messages[0]["notification"]["body"] == "everywhere"
    assert apns.peer.notifications[0]["payload"]["aps"]["alert"]["body"] == "everywhere"
    assert b"everywhere" in browser.decrypt(webpush.peer.received[0]["body"])
    sent = next(h for h in got["statusHistory"] if h["status"] == "sent")
    assert {d["deviceId"]: d["result"] for d in sent["details"]["devices"]} == {
        "android": "accepted", "iphone": "accepted", "browser": "accepted"}


async def test_no_device_fails_permanently_and_falls_back(space, deliver, fcm):
    await push_channel(space, fcm=fcm.config)
    got = await send(space, deliver, to={"profileId": "nobody", "email": "nobody@example.com"},
                     rules=["nativePush", "email"], body="x")
    assert got["statusDetails"]["channel"] == "email"
    assert got["statusDetails"]["failedChannels"][0]["reason"] == "NoPushDevices"
    only = await send(space, deliver, to={"profileId": "nobody"}, rules=["nativePush"], body="x")
    assert only["status"] == "failed" and only["attempts"] == 1
    assert only["statusHistory"][-1]["details"]["permanent"] is True


async def test_devices_on_platforms_the_channel_lacks_are_not_reachable(space, deliver, fcm):
    await push_channel(space, fcm=fcm.config)
    await register(space, "bo", "iphone", {"apns": {"bundleId": BUNDLE_ID, "token": apns_token()}})
    got = await send(space, deliver, to={"profileId": "bo"}, rules=["nativePush"], body="x")
    details = got["statusHistory"][-1]["details"]
    assert got["status"] == "failed" and details["reason"] == "NoPushDevices"
    assert "apns" in details["error"]


async def test_platform_providers_serve_one_platform_each(space, deliver, fcm, apns):
    await push_channel(space, "android", provider="fcm", **fcm.config)
    await push_channel(space, "ios", provider="apns", **apns.config)
    await register(space, "cy", "pixel", {"fcm": {"package": "com.example.app", "registrationId": "tok-c"}})
    await register(space, "cy", "iphone", {"apns": {"bundleId": BUNDLE_ID, "token": apns_token()}})
    got = await send(space, deliver, to={"profileId": "cy"}, rules=["ios"], body="x")
    assert got["status"] == "sent" and len(apns.peer.notifications) == 1 and not fcm.peer.messages


async def test_push_service_unavailable_is_retried(space, deliver, fcm):
    await push_channel(space, fcm=fcm.config)
    await register(space, "dee", "pixel", {"fcm": {"package": "com.example.app", "registrationId": "tok-d"}})
    fcm.peer.unavailable = 1
    got = await send(space, deliver, to={"profileId": "dee"}, rules=["nativePush"], body="x")
    assert got["status"] == "sent" and got["attempts"] == 2
    retry = next(h for h in got["statusHistory"] if h["status"] == "retrying")
    assert retry["details"]["reason"] == "UNAVAILABLE"


async def test_misconfigured_channel_fails_with_the_reason(space, deliver):
    await push_channel(space, fcm={"serviceAccount": {"client_email": "x@y", "private_key": "not a key",
                                                      "project_id": "p"}})
    await register(space, "eve", "pixel", {"fcm": {"package": "com.example.app", "registrationId": "tok-e"}})
    got = await send(space, deliver, to={"profileId": "eve"}, rules=["nativePush"], body="x")
    details = got["statusHistory"][-1]["details"]
    assert got["status"] == "failed" and details["reason"] == "ChannelMisconfigured" and "fcm" in details["misconfigured"]


async def test_native_push_options_are_validated(space):
    r = await space.post("/messages", json={"to": {"profileId": "x"}, "rules": ["nativePush"], "body": "x",
                                            "channelOptions": {"nativePush": {"data": {"isSilent": "loud"}}}})
    assert r.status_code == 400 and "channelOptions.nativePush.data.isSilent" in r.text
    r = await space.post("/messages", json={"to": {"profileId": "x"}, "rules": ["nativePush"], "body": "x",
                                            "channelOptions": {"nativePush": {"deepLink": {"fcm": {}}}}})
    assert r.status_code == 400 and "deepLink.fcm.url" in r.text


async def test_dead_device_removal_is_an_event(app, space, deliver, fcm):
    await push_channel(space, fcm=fcm.config)
    await register(space, "fay", "pixel", {"fcm": {"package": "com.example.app", "registrationId": "dead"}})
    fcm.peer.unregistered.add("dead")
    await send(space, deliver, to={"profileId": "fay"}, rules=["nativePush"], body="x")
    async with app.state.db.read() as session:
        events = (await session.execute(select(Event).where(Event.space_id == space.space_id)
                                        .order_by(Event.seq))).scalars().all()
    removed = [e.payload for e in events if e.name == "device.removed"]
    assert removed == [{"profileId": "fay", "deviceId": "pixel", "platform": "fcm", "reason": "UNREGISTERED"}]
