"""Sending one notification to one device: POST /3/device/{token} over HTTP/2, with the
apns-topic / apns-push-type / apns-priority headers and a provider token (ES256 JWT)."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from onecast.channels.push.content import DeviceResult, PushContent, PushTarget, deep_merge
from onecast.channels.push.tls import verify_for
from onecast.kit.ids import hash_secret
from onecast.kit.ssrf import AddressGuard

APNS_URLS = {"production": "https://api.push.apple.com", "development": "https://api.sandbox.push.apple.com"}
# Apple refuses tokens older than an hour and throttles refreshes more often than every 20 minutes.
TOKEN_LIFETIME = 50 * 60.0
GONE_REASONS = {"Unregistered", "BadDeviceToken"}
STALE_TOKEN_REASONS = {"ExpiredProviderToken", "InvalidProviderToken"}


@dataclass
class _Cached:
    token: str | None = None
    made: float = 0.0


_CACHE: dict[tuple[str, str, str], _Cached] = {}  # per signing key, shared by the process's providers


class ProviderToken:
    def __init__(self, team_id: str, key_id: str, private_key_pem: str,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.team_id, self.key_id, self._clock = team_id, key_id, clock
        self._key = load_pem_private_key(private_key_pem.encode(), password=None)
        self._cached = _CACHE.setdefault((team_id, key_id, hash_secret(private_key_pem)), _Cached())

    def get(self) -> str:
        cached = self._cached
        if cached.token is None or self._clock() - cached.made >= TOKEN_LIFETIME:
            cached.token = jwt.encode({"iss": self.team_id, "iat": int(time.time())}, self._key,
                                      algorithm="ES256", headers={"kid": self.key_id})
            cached.made = self._clock()
        return cached.token

    def invalidate(self, token: str) -> None:
        if self._cached.token == token:
            self._cached.token = None


def apns_payload(content: PushContent) -> dict[str, Any]:
    """`aps` shows the alert (or wakes the app in the background when silent); Comapi's keys
    `dd_originated`, `dd_deepLink` and `dd_data` carry the rest; an image is `imageUrl` with
    `mutable-content: 1` (APNs shows no image by itself: an extension of the app fetches it)."""
    if content.silent:
        aps: dict[str, Any] = {"content-available": 1}
    else:
        alert = {k: v for k, v in (("title", content.title), ("body", content.body)) if v}
        aps = {"alert": alert, "sound": "default"}
        if content.image:  # the app's notification service extension downloads `imageUrl` and attaches it
            aps["mutable-content"] = 1
    payload: dict[str, Any] = {"aps": aps, "dd_originated": True, "messageId": content.message_id}
    if content.image and not content.silent:
        payload["imageUrl"] = content.image
    link = content.deep_link("apns")
    if link:
        payload["dd_deepLink"] = link
    if "apns" in content.data:
        payload["dd_data"] = content.data["apns"]
    return deep_merge(payload, content.custom.get("apns"))


def apns_headers(target: PushTarget, content: PushContent, topic: str | None) -> dict[str, str]:
    headers = {"apns-topic": target.app or topic or "",
               "apns-push-type": "background" if content.silent else "alert",
               "apns-priority": "5" if content.silent else "10"}  # background pushes must use 5
    if content.expires_on is not None:
        headers["apns-expiration"] = str(int(content.expires_on.timestamp()))
    return headers


class ApnsClient:
    """Config: token authentication with `teamId`, `keyId`, `privateKey` (the .p8 PEM), or
    certificate authentication with `certificate` (PEM chain) and `privateKey` (its key: TLS client
    certificate, no bearer token); optional `topic` (when a device has no bundle id), `baseUrl`
    (default: Apple's production or development host, chosen by the device's environment) and
    `caFile` (trust this CA bundle instead of the public roots)."""

    platform = "apns"

    def __init__(self, config: dict[str, Any], guard: AddressGuard | None = None) -> None:
        needed = ("certificate", "privateKey") if config.get("certificate") else ("teamId", "keyId", "privateKey")
        missing = [k for k in needed if not config.get(k)]
        if missing:
            raise ValueError(f"apns needs {', '.join(missing)}")
        client_cert = (config["certificate"], config["privateKey"]) if config.get("certificate") else None
        self.token = None if client_cert else ProviderToken(config["teamId"], config["keyId"], config["privateKey"])
        self.base_url = (config.get("baseUrl") or "").rstrip("/") or None
        self.topic = config.get("topic")
        # HTTP/2 only: APNs speaks nothing else (TLS with ALPN h2, or h2c to a local peer).
        self.http = (guard or AddressGuard()).client(http1=False, http2=True, timeout=httpx.Timeout(15.0, connect=5.0),
                                                      verify=verify_for(config, client_cert))

    def _url(self, target: PushTarget) -> str:
        base = self.base_url or APNS_URLS.get(target.environment or "production", APNS_URLS["production"])
        return f"{base}/3/device/{target.token}"

    async def send(self, target: PushTarget, content: PushContent) -> DeviceResult:
        headers = apns_headers(target, content, self.topic)
        payload = apns_payload(content)
        for attempt in (1, 2):  # a provider token APNs calls stale is made anew once
            token = self.token.get() if self.token else None  # certificate auth: the TLS client cert
            auth = {"authorization": f"bearer {token}"} if token else {}
            try:
                response = await self.http.post(self._url(target), json=payload, headers={**headers, **auth})
            except httpx.HTTPError as exc:
                return DeviceResult("retry", code="ApnsUnreachable", error=repr(exc))
            reason = _reason(response)
            if response.status_code == 403 and reason in STALE_TOKEN_REASONS and attempt == 1 and token:
                self.token.invalidate(token)
                continue
            return _result(response, reason)
        raise AssertionError("unreachable")

    async def close(self) -> None:
        await self.http.aclose()


def _reason(response: httpx.Response) -> str:
    if response.status_code == 200:
        return ""
    try:
        return str(response.json().get("reason") or f"HTTP{response.status_code}")
    except ValueError:
        return f"HTTP{response.status_code}"


def _result(response: httpx.Response, reason: str) -> DeviceResult:
    if response.status_code == 200:
        return DeviceResult("accepted", provider_id=response.headers.get("apns-id"))
    if response.status_code == 410 or reason in GONE_REASONS:
        return DeviceResult("gone", code=reason, error=f"APNs answered {response.status_code} {reason}")
    if response.status_code in (429, 500, 503):
        return DeviceResult("retry", code=reason, error=f"APNs answered {response.status_code} {reason}",
                            retry_after=response.headers.get("retry-after"))
    return DeviceResult("rejected", code=reason, error=f"APNs answered {response.status_code} {reason}")
