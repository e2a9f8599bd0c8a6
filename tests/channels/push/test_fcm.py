"""FCM HTTP v1: the service account's JWT is exchanged for an access token (cached), the message
has the documented v1 shape, and UNREGISTERED removes the device."""
import json

from tests.channels.push.conftest import devices_of, push_channel, register, send

FCM_TOKEN = "fcm-token-" + "a" * 140


async def test_send_exchanges_the_service_account_jwt_and_posts_a_v1_message(space, deliver, fcm):
    await push_channel(space, fcm=fcm.config)
    await register(space, "ann", "pixel", {"fcm": {"package": "com.example.app", "registrationId": FCM_TOKEN}})
    got = await send(space, deliver, to={"profileId": "ann"}, rules=["nativePush"], title="Hi {{profile.id}}",
                     body="Your order shipped", channelOptions={"nativePush": {
                         "data": {"fcm": {"orderId": 42}},
                         "deepLink": {"trackingLink": "https://t.example.com/c/1",
                                      "fcm": {"url": "example://orders/42"}}}})
    assert got["status"] == "sent", json.dumps(got["statusHistory"])[:3000]
    assert fcm.peer.token_requests == 1 and not fcm.peer.rejected_assertions
    [message] = fcm.peer.messages
    assert message["token"] == FCM_TOKEN
    assert message["notification"] == {"title": "Hi ann", "body": "Your order shipped"}
    assert message["android"]["priority"] == "high"
    data = message["data"]
    assert data["dd_originated"] == "true" and data["messageId"] == got["messageId"]
    assert (data["title"], data["body"]) == ("Hi ann", "Your order shipped")
    assert json.loads(data["dd_data"]) == {"orderId": 42}
    assert json.loads(data["dd_deepLink"]) == {"url": "example://orders/42", "trackingUrl": "https://t.example.com/c/1"}
    sent = next(h for h in got["statusHistory"] if h["status"] == "sent")
    assert sent["details"]["providerMessageId"].startswith(f"projects/{fcm.peer.project}/messages/")
    assert sent["details"]["devices"][0] == {"deviceId": "pixel", "platform": "fcm", "result": "accepted",
                                             "providerMessageId": sent["details"]["providerMessageId"]}


async def test_access_token_is_reused_and_refreshed_when_rejected(space, deliver, fcm):
    await push_channel(space, fcm=fcm.config)
    await register(space, "bob", "phone", {"fcm": {"package": "com.example.app", "registrationId": FCM_TOKEN}})
    for _ in range(3):
        assert (await send(space, deliver, to={"profileId": "bob"}, rules=["nativePush"], body="x"))["status"] == "sent"
    assert fcm.peer.token_requests == 1
    fcm.peer.revoke_tokens()  # Google no longer accepts the cached token: 401 UNAUTHENTICATED
    assert (await send(space, deliver, to={"profileId": "bob"}, rules=["nativePush"], body="y"))["status"] == "sent"
    assert fcm.peer.token_requests == 2
    assert len(fcm.peer.messages) == 4


async def test_silent_push_is_data_only_and_custom_body_is_merged(space, deliver, fcm):
    await push_channel(space, fcm=fcm.config)
    await register(space, "cy", "phone", {"fcm": {"package": "com.example.app", "registrationId": FCM_TOKEN}})
    await send(space, deliver, to={"profileId": "cy"}, rules=["nativePush"], body="sync",
               channelOptions={"nativePush": {"data": {"isSilent": True, "fcm": {"sync": "all"}}}})
    await send(space, deliver, to={"profileId": "cy"}, rules=["nativePush"], body="hello", title="T",
               customBody={"nativePush": {"fcm": {"android": {"collapse_key": "news"}, "data": {"badge": "3"}}}})
    silent, custom = fcm.peer.messages
    assert "notification" not in silent and silent["android"]["priority"] == "normal"
    assert json.loads(silent["data"]["dd_data"]) == {"sync": "all"}
    assert custom["android"] == {"priority": "high", "collapse_key": "news"}
    assert custom["data"]["badge"] == "3" and custom["data"]["body"] == "hello"


async def test_unregistered_token_removes_the_device_and_falls_back(space, deliver, fcm):
    await push_channel(space, fcm=fcm.config)
    await register(space, "dee", "old-phone", {"fcm": {"package": "com.example.app", "registrationId": "stale-1"}})
    fcm.peer.unregistered.add("stale-1")
    got = await send(space, deliver, to={"profileId": "dee", "phoneNumber": "447700900123"},
                     rules=["nativePush", "sms"], body="x")
    assert got["statusDetails"]["channel"] == "sms"
    failed = got["statusDetails"]["failedChannels"][0]
    assert failed["channel"] == "nativePush" and failed["reason"] == "PushDevicesGone"
    assert failed["removedDevices"] == ["old-phone"]
    assert await devices_of(space, "dee") == []


async def test_assertion_signed_with_another_key_is_refused(space, deliver, fcm):
    from tests.peers.keys import RsaKey

    config = {**fcm.config, "serviceAccount": {**fcm.config["serviceAccount"],
                                               "private_key": RsaKey.generate().private_pem}}
    await push_channel(space, fcm=config)
    await register(space, "eve", "phone", {"fcm": {"package": "com.example.app", "registrationId": FCM_TOKEN}})
    got = await send(space, deliver, to={"profileId": "eve"}, rules=["nativePush"], body="x")
    assert got["status"] == "failed"
    assert got["statusHistory"][-1]["details"]["reason"] == "FcmAuthFailed"
    assert fcm.peer.rejected_assertions and not fcm.peer.messages
    assert await devices_of(space, "eve") == ["phone"]
