"""Peers for FCM, APNs and a Web Push service on loopback, with keys made per test, and helpers
to configure a push channel and register devices through the API."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import pytest

from tests.peers.apns import ApnsPeer
from tests.peers.fcm import FcmPeer
from tests.peers.keys import EcKey, RsaKey
from tests.peers.serve import serve_asgi
from tests.peers.webpush import WebPushPeer

BUNDLE_ID = "com.example.onecast"
FCM_PROJECT = "onecast-demo"


@dataclass
class Vendor:
    peer: Any
    config: dict[str, Any]
    url: str


@pytest.fixture
async def fcm():
    key = RsaKey.generate()
    peer = FcmPeer(public_key_pem=key.public_pem, client_email="push@onecast-demo.iam.gserviceaccount.com",
                   key_id=secrets.token_hex(20), project=FCM_PROJECT)
    async with serve_asgi(peer.app()) as url:
        peer.base_url = url
        account = {"type": "service_account", "project_id": FCM_PROJECT, "private_key_id": peer.key_id,
                   "private_key": key.private_pem, "client_email": peer.client_email,
                   "token_uri": f"{url}/token"}
        yield Vendor(peer, {"serviceAccount": account, "baseUrl": url}, url)


@pytest.fixture
async def apns():
    key = EcKey.generate()
    peer = ApnsPeer(team_id="TEAM123456", key_id="KEY1234567", public_key_pem=key.public_pem, topics={BUNDLE_ID})
    async with serve_asgi(peer.app()) as url:
        yield Vendor(peer, {"teamId": peer.team_id, "keyId": peer.key_id, "privateKey": key.private_pem,
                            "baseUrl": url}, url)


@pytest.fixture
async def webpush():
    vapid = EcKey.generate()
    peer = WebPushPeer(application_server_key=vapid.public_b64)
    async with serve_asgi(peer.app()) as url:
        peer.base_url = url
        yield Vendor(peer, {"vapidPrivateKey": vapid.private_b64, "subject": "mailto:ops@example.com",
                            "allowHttpEndpoints": True}, url)


async def push_channel(space, channel_id: str = "nativePush", provider: str = "push", **config) -> None:
    r = await space.post("/channels", json={"id": channel_id, "type": "nativePush", "provider": provider,
                                            "config": config})
    assert r.status_code == 201, r.text


async def on_every_platform(space, profile_id: str, fcm: Vendor, apns: Vendor, webpush: Vendor):
    """A push channel on all three services and one device of `profile_id` on each; the browser's
    subscription (to decrypt what it receives)."""
    from tests.peers.keys import BrowserSubscription

    await push_channel(space, fcm=fcm.config, apns=apns.config, webPush=webpush.config)
    browser = BrowserSubscription.create(f"{webpush.url}/push/{profile_id}")
    await register(space, profile_id, "android", {"fcm": {"package": "com.example.app", "registrationId": "tok-a"}})
    await register(space, profile_id, "iphone", {"apns": {"bundleId": BUNDLE_ID, "token": apns_token()}})
    await register(space, profile_id, "browser", {"webPush": browser.json()})
    return browser


def apns_token() -> str:
    return secrets.token_hex(32)


async def register(space, profile_id: str, device_id: str, push: dict) -> dict:
    r = await space.put(f"/profiles/{profile_id}/devices/{device_id}", json={"push": push})
    assert r.status_code in (200, 201), r.text
    return r.json()


async def devices_of(space, profile_id: str) -> list[str]:
    r = await space.get(f"/profiles/{profile_id}/devices")
    assert r.status_code == 200, r.text
    return [d["id"] for d in r.json()]


async def send(space, deliver, **message) -> dict:
    r = await space.post("/messages", json=message)
    assert r.status_code in (200, 201, 202), r.text
    await deliver(space)
    return (await space.get(f"/messages/{r.json()['messageId']}")).json()
