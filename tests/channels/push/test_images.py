"""An image part on nativePush reaches every platform the way it documents images: FCM
`notification.image`, APNs `mutable-content: 1` with `imageUrl` for the app's notification service
extension, Web Push `image` in the payload the service worker shows."""

import json

from tests.channels.push.conftest import on_every_platform, push_channel, send

IMAGE = "https://cdn.example.com/sale.png"


async def test_an_image_reaches_fcm_apns_and_web_push(space, deliver, fcm, apns, webpush):
    browser = await on_every_platform(space, "ann", fcm, apns, webpush)
    got = await send(
        space,
        deliver,
        to={"profileId": "ann"},
        rules=["nativePush"],
        title="Sale",
        messageParts=[{"type": "text/plain", "data": "50% off"}, {"type": "image/png", "url": IMAGE}],
    )
    assert got["status"] == "sent"
    assert fcm.peer.messages[0]["notification"] == {"title": "Sale", "body": "50% off", "image": IMAGE}
    payload = apns.peer.notifications[0]["payload"]
    assert payload["aps"]["mutable-content"] == 1 and payload["imageUrl"] == IMAGE
    shown = json.loads(browser.decrypt(webpush.peer.received[0]["body"]))
    assert shown["image"] == IMAGE and shown["body"] == "50% off"


async def test_an_image_the_device_cannot_download_is_refused(space, fcm):
    await push_channel(space, fcm=fcm.config)
    inline = {"type": "image/png", "data": "iVBORw0KGgo="}
    r = await space.post(
        "/messages", json={"to": {"profileId": "x"}, "rules": ["nativePush"], "messageParts": [inline]}
    )
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "messageParts[0].url"
    two = [{"type": "image/png", "url": IMAGE}, {"type": "image/jpeg", "url": IMAGE}]
    r = await space.post("/messages", json={"to": {"profileId": "x"}, "rules": ["nativePush"], "messageParts": two})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "messageParts[1]"
