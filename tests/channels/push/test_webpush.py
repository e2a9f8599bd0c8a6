"""Web Push: the payload is aes128gcm-encrypted to the subscription (the test decrypts it with the
subscription's private key), VAPID-signed (the peer verifies the JWT), and 404/410 removes the
subscription."""
import json
from datetime import UTC

import pytest
from http_ece import ECEException

from tests.channels.push.conftest import devices_of, push_channel, register, send
from tests.peers.keys import BrowserSubscription, EcKey


async def test_payload_is_encrypted_to_the_subscription_and_vapid_signed(space, deliver, webpush):
    browser = BrowserSubscription.create(f"{webpush.url}/push/sub-1")
    await push_channel(space, webPush=webpush.config)
    await register(space, "ann", "firefox", {"webPush": browser.json()})
    got = await send(space, deliver, to={"profileId": "ann"}, rules=["nativePush"], title="Hello", body="World",
                     channelOptions={"nativePush": {"data": {"webPush": {"page": "/inbox"}},
                                                    "deepLink": {"webPush": {"url": "https://app.example.com/inbox"}}}})
    assert got["status"] == "sent", got["statusHistory"]
    [received] = webpush.peer.received
    assert received["headers"]["content-encoding"] == "aes128gcm"
    assert received["headers"]["ttl"] == "86400" and received["headers"]["urgency"] == "high"
    assert b"World" not in received["body"]
    payload = json.loads(browser.decrypt(received["body"]))
    assert payload == {"messageId": got["messageId"], "title": "Hello", "body": "World", "silent": False,
                       "data": {"page": "/inbox"}, "deepLink": {"url": "https://app.example.com/inbox"}}
    sent = next(h for h in got["statusHistory"] if h["status"] == "sent")
    assert sent["details"]["providerMessageId"] == f"{webpush.url}/messages/1"


async def test_another_subscription_cannot_read_it(space, deliver, webpush):
    ann, eve = (BrowserSubscription.create(f"{webpush.url}/push/{n}") for n in ("ann", "eve"))
    await push_channel(space, webPush=webpush.config)
    await register(space, "ann", "chrome", {"webPush": ann.json()})
    await send(space, deliver, to={"profileId": "ann"}, rules=["nativePush"], body="secret")
    [received] = webpush.peer.received
    with pytest.raises(ECEException, match="InvalidTag"):
        eve.decrypt(received["body"])
    assert json.loads(ann.decrypt(received["body"]))["body"] == "secret"


async def test_gone_subscriptions_are_removed(space, deliver, webpush):
    await push_channel(space, webPush=webpush.config)
    for name in ("a", "b"):
        await register(space, "bo", name, {"webPush": BrowserSubscription.create(f"{webpush.url}/push/{name}").json()})
    await register(space, "bo", "c", {"webPush": BrowserSubscription.create(f"{webpush.url}/nowhere/c").json()})
    webpush.peer.gone.add("a")  # 410; the endpoint of c answers 404
    got = await send(space, deliver, to={"profileId": "bo"}, rules=["nativePush"], body="x")
    assert got["status"] == "sent"
    assert sorted(next(h for h in got["statusHistory"] if h["status"] == "sent")["details"]["removedDevices"]) == ["a", "c"]
    assert await devices_of(space, "bo") == ["b"]


async def test_wrong_vapid_key_is_refused_and_keeps_the_subscription(space, deliver, webpush):
    await push_channel(space, webPush={**webpush.config, "vapidPrivateKey": EcKey.generate().private_b64})
    await register(space, "cy", "edge", {"webPush": BrowserSubscription.create(f"{webpush.url}/push/cy").json()})
    got = await send(space, deliver, to={"profileId": "cy"}, rules=["nativePush"], body="x")
    assert got["status"] == "failed"
    assert got["statusHistory"][-1]["details"]["reason"] == "HTTP403"
    assert not webpush.peer.received
    assert await devices_of(space, "cy") == ["edge"]


async def test_vapid_key_as_pem_and_expiry_as_ttl(space, deliver, webpush):
    from datetime import datetime, timedelta

    vapid = EcKey.generate()
    webpush.peer.application_server_key = vapid.public_b64
    await push_channel(space, webPush={**webpush.config, "vapidPrivateKey": vapid.private_pem})
    browser = BrowserSubscription.create(f"{webpush.url}/push/dee")
    await register(space, "dee", "safari", {"webPush": browser.json()})
    expires = datetime.now(UTC) + timedelta(minutes=10)
    got = await send(space, deliver, to={"profileId": "dee"}, rules=["nativePush"], body="soon",
                     expiresOn=expires.isoformat(), channelOptions={"nativePush": {"data": {"isSilent": True}}})
    assert got["status"] == "sent", got["statusHistory"]
    [received] = webpush.peer.received
    assert 500 < int(received["headers"]["ttl"]) <= 600 and received["headers"]["urgency"] == "normal"
    assert json.loads(browser.decrypt(received["body"]))["silent"] is True


async def test_plain_http_endpoints_are_refused_unless_allowed(space, deliver, webpush):
    await push_channel(space, webPush={**webpush.config, "allowHttpEndpoints": False})
    await register(space, "eve", "chrome", {"webPush": BrowserSubscription.create(f"{webpush.url}/push/eve").json()})
    got = await send(space, deliver, to={"profileId": "eve"}, rules=["nativePush"], body="x")
    assert got["status"] == "failed" and got["statusHistory"][-1]["details"]["reason"] == "InsecureEndpoint"
    assert not webpush.peer.received


async def test_payload_that_cannot_fit_one_record_is_refused(space, deliver, webpush):
    await push_channel(space, webPush=webpush.config)
    await register(space, "fay", "chrome", {"webPush": BrowserSubscription.create(f"{webpush.url}/push/fay").json()})
    got = await send(space, deliver, to={"profileId": "fay"}, rules=["nativePush"], body="x" * 5000)
    assert got["status"] == "failed" and got["statusHistory"][-1]["details"]["reason"] == "PayloadTooLarge"
    assert not webpush.peer.received and await devices_of(space, "fay") == ["chrome"]
