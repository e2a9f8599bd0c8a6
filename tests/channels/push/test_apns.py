"""APNs over HTTP/2 with token auth: ES256 provider token (verified by the peer with the public
key, reused), apns-* headers, and 410 Unregistered / BadDeviceToken removing the device."""
from datetime import UTC, datetime, timedelta

from tests.channels.push.conftest import BUNDLE_ID, apns_token, devices_of, push_channel, register, send


def apns_device(token: str, environment: str = "production") -> dict:
    return {"apns": {"bundleId": BUNDLE_ID, "environment": environment, "token": token}}


async def test_alert_over_http2_with_provider_token_and_headers(space, deliver, apns):
    token = apns_token()
    await push_channel(space, apns=apns.config)
    await register(space, "ann", "iphone", apns_device(token))
    expires = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
    got = await send(space, deliver, to={"profileId": "ann"}, rules=["nativePush"], title="Sale", body="50% off",
                     expiresOn=expires.isoformat(), channelOptions={"nativePush": {
                         "data": {"apns": {"campaign": "spring"}},
                         "deepLink": {"trackingLink": "https://t.example.com/c/2",
                                      "apns": {"url": "example://sale"}}}})
    assert got["status"] == "sent", got["statusHistory"]
    assert apns.peer.http_versions == {"2"}
    [note] = apns.peer.notifications
    assert note["token"] == token
    headers = note["headers"]
    assert (headers["apns-topic"], headers["apns-push-type"], headers["apns-priority"]) == (BUNDLE_ID, "alert", "10")
    assert int(headers["apns-expiration"]) == int(expires.timestamp())
    assert note["payload"]["aps"] == {"alert": {"title": "Sale", "body": "50% off"}, "sound": "default"}
    assert note["payload"]["dd_data"] == {"campaign": "spring"}
    assert note["payload"]["dd_deepLink"] == {"url": "example://sale", "trackingUrl": "https://t.example.com/c/2"}
    assert note["payload"]["messageId"] == got["messageId"]
    sent = next(h for h in got["statusHistory"] if h["status"] == "sent")
    assert sent["details"]["providerMessageId"] == note["apnsId"]


async def test_silent_push_is_a_background_push_with_priority_5(space, deliver, apns):
    await push_channel(space, apns=apns.config)
    await register(space, "bo", "ipad", apns_device(apns_token()))
    got = await send(space, deliver, to={"profileId": "bo"}, rules=["nativePush"], body="refresh",
                     channelOptions={"nativePush": {"data": {"isSilent": True}}})
    assert got["status"] == "sent", got["statusHistory"]
    [note] = apns.peer.notifications
    assert (note["headers"]["apns-push-type"], note["headers"]["apns-priority"]) == ("background", "5")
    assert note["payload"]["aps"] == {"content-available": 1}


async def test_provider_token_is_reused_and_renewed_when_apns_calls_it_expired(space, deliver, apns):
    await push_channel(space, apns=apns.config)
    await register(space, "cy", "iphone", apns_device(apns_token()))
    for _ in range(3):
        assert (await send(space, deliver, to={"profileId": "cy"}, rules=["nativePush"], body="x"))["status"] == "sent"
    assert len(apns.peer.provider_tokens) == 1
    apns.peer.stale_tokens |= apns.peer.provider_tokens  # APNs now answers 403 ExpiredProviderToken
    assert (await send(space, deliver, to={"profileId": "cy"}, rules=["nativePush"], body="y"))["status"] == "sent"
    assert len(apns.peer.provider_tokens) == 2 and len(apns.peer.notifications) == 4


async def test_unregistered_and_bad_tokens_remove_the_device(space, deliver, apns):
    await push_channel(space, apns=apns.config)
    gone, bad, good = apns_token(), "ab" * 16, apns_token()  # the peer wants 32-byte tokens: BadDeviceToken
    apns.peer.unregistered.add(gone)
    for device, token in (("old", gone), ("bad", bad), ("new", good)):
        await register(space, "dee", device, apns_device(token))
    got = await send(space, deliver, to={"profileId": "dee"}, rules=["nativePush"], body="x")
    assert got["status"] == "sent"
    sent = next(h for h in got["statusHistory"] if h["status"] == "sent")
    assert sorted(sent["details"]["removedDevices"]) == ["bad", "old"]
    assert {d["deviceId"]: d.get("code") for d in sent["details"]["devices"]} == {
        "old": "Unregistered", "bad": "BadDeviceToken", "new": None}
    assert await devices_of(space, "dee") == ["new"]


async def test_topic_the_key_may_not_push_to_fails_without_removing(space, deliver, apns):
    await push_channel(space, apns=apns.config)
    await register(space, "eve", "iphone", {"apns": {"bundleId": "com.other.app", "token": apns_token()}})
    got = await send(space, deliver, to={"profileId": "eve"}, rules=["nativePush"], body="x")
    assert got["status"] == "failed"
    assert got["statusHistory"][-1]["details"]["reason"] == "TopicDisallowed"
    assert got["statusHistory"][-1]["details"]["permanent"] is True
    assert await devices_of(space, "eve") == ["iphone"]
