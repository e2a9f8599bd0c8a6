"""The native push provider: a `nativePush` send goes to every device registered on the
recipient profile (address = profile id), through the client of the device's platform.
Devices the push service calls dead are removed; the message counts as sent when at least one
device accepted it, and fails permanently (so `rules` fall back) when the profile has no device
this channel can reach."""
from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import structlog

from onecast.channels.base import OutboundMessage, SendResult
from onecast.channels.push.content import PLATFORMS, DeviceResult, PushContent, PushTarget
from onecast.kit.ssrf import AddressGuard, BlockedTarget

log = structlog.get_logger("onecast.push")
CLIENTS = {
    "fcm": "onecast.channels.push_fcm.client:FcmClient",
    "apns": "onecast.channels.push_apns.client:ApnsClient",
    "webPush": "onecast.channels.webpush.client:WebPushClient",
}
MAX_PARALLEL = 20


# Sections for one app: `fcmApps` [{package, ...fcm section}], `apnsApps` [{bundleId, environment?,
# ...apns section}]; they serve devices of that app ahead of the platform's own section.
APP_SECTIONS = {"fcmApps": ("fcm", "package"), "apnsApps": ("apns", "bundleId")}


def create(config: dict[str, Any], db: Any, guard: AddressGuard | None = None) -> PushProvider:
    """The `push` provider: config has a section per platform, `fcm`, `apns` and/or `webPush`, and
    optionally sections per app (`fcmApps`, `apnsApps`)."""
    return PushProvider(config, db, guard=guard)


def _client(platform: str, config: dict[str, Any], guard: AddressGuard) -> Any:
    from onecast.kit.plugins import load

    return load(CLIENTS[platform])(config, guard)


class PushProvider:
    def __init__(self, config: dict[str, Any], db: Any, name: str = "push", guard: AddressGuard | None = None) -> None:
        self.name = name
        self.db = db
        # baseUrl, tokenUrl (and a service account's token_uri) and Web Push endpoints come from the API
        self.guard = guard or AddressGuard()
        # (platform, app, environment) -> client; app and environment None: the platform's section
        self.clients: dict[tuple[str, str | None, str | None], Any] = {}
        self.misconfigured: dict[str, str] = {}
        for platform in PLATFORMS:
            if config.get(platform) is not None:
                self._add(platform, platform, None, None, config[platform])
        for key, (platform, app_key) in APP_SECTIONS.items():
            for index, section in enumerate(config.get(key) or []):
                app = section.get(app_key) if isinstance(section, dict) else None
                label = f"{key}[{app or index}]"
                if not isinstance(app, str) or not app:
                    self.misconfigured[label] = f"ValueError: {app_key} is required"
                    continue
                env = section.get("environment") or None
                self._add(label + (f".{env}" if env else ""), platform, app, env, section)

    def _add(self, label: str, platform: str, app: str | None, env: str | None, section: Any) -> None:
        try:
            if not isinstance(section, dict):
                raise ValueError(f"{label} must be an object")
            self.clients[(platform, app, env)] = _client(platform, section, self.guard)
        except Exception as exc:  # a bad key or JSON is reported on every send, not raised here
            self.misconfigured[label] = f"{type(exc).__name__}: {exc}"

    def client_for(self, target: PushTarget) -> Any | None:
        """The most specific client: the device's app and environment, its app, its platform."""
        for key in ((target.platform, target.app, target.environment), (target.platform, target.app, None),
                    (target.platform, None, None)):
            if key in self.clients:
                return self.clients[key]
        return None

    async def _targets(self, message: OutboundMessage) -> list[PushTarget]:
        from onecast.devices import service as devices

        async with self.db.read() as session:
            rows = await devices.push_targets(session, message.space_id, message.address)
            return [PushTarget(d.id, d.device_id, d.platform, d.token, d.token_hash, d.app, d.environment,
                               dict(d.keys or {})) for d in rows]

    async def _remove(self, space_id: str, gone: list[tuple[PushTarget, DeviceResult]]) -> None:
        from onecast.devices import service as devices

        async with self.db.transaction() as session:
            await devices.remove_dead(session, space_id, [(t.row_id, t.token_hash, r.code or "Gone") for t, r in gone])

    async def send(self, message: OutboundMessage) -> SendResult:
        if self.misconfigured and not self.clients:
            return SendResult.failed("ChannelMisconfigured", "; ".join(self.misconfigured.values()),
                                     misconfigured=self.misconfigured)
        targets = await self._targets(message)
        reachable = [t for t in targets if self.client_for(t) is not None]
        if not reachable:
            apps = sorted({t.platform + (f" ({t.app})" if t.app else "") for t in targets})
            detail = (f"the profile's devices are on {', '.join(apps)}, which this channel does not serve"
                      if targets else "the profile has no registered push device")
            return SendResult.failed("NoPushDevices", detail, devices=len(targets),
                                     **({"misconfigured": self.misconfigured} if self.misconfigured else {}))
        content = PushContent.from_message(message)
        limit = asyncio.Semaphore(MAX_PARALLEL)

        async def one(target: PushTarget) -> DeviceResult:
            async with limit:
                try:
                    return await self.client_for(target).send(target, content)
                except BlockedTarget as exc:
                    return DeviceResult("rejected", code="UrlNotAllowed", error=str(exc))
                except Exception as exc:  # one device's failure must not lose the others' results
                    log.warning("push_device_error", device=target.device_id, error=repr(exc))
                    return DeviceResult("retry", code="ProviderError", error=repr(exc)[:300])

        results = await asyncio.gather(*(one(t) for t in reachable))
        gone = [(t, r) for t, r in zip(reachable, results) if r.status == "gone"]
        if gone:
            await self._remove(message.space_id, gone)
        outcome = _outcome(reachable, results)
        if self.misconfigured:
            outcome.details["misconfigured"] = self.misconfigured
        return outcome

    async def close(self) -> None:
        for client in self.clients.values():
            await client.close()


def _outcome(targets: list[PushTarget], results: list[DeviceResult]) -> SendResult:
    devices = [{"deviceId": t.device_id, "platform": t.platform, "result": r.status,
                **({"providerMessageId": r.provider_id} if r.provider_id else {}),
                **({"code": r.code} if r.code else {}), **({"error": r.error} if r.error else {})}
               for t, r in zip(targets, results)]
    counts = Counter(r.status for r in results)
    details = {"devices": devices, "removedDevices": [t.device_id for t, r in zip(targets, results)
                                                      if r.status == "gone"]}
    accepted = [r for r in results if r.status == "accepted"]
    if accepted:
        return SendResult(ok=True, provider_message_id=accepted[0].provider_id, details=details)
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    if counts["retry"]:
        first = next(r for r in results if r.status == "retry")
        if first.retry_after:
            details["retryAfter"] = first.retry_after
        return SendResult.transient(first.code or "PushUnavailable", f"no device accepted the push ({summary})",
                                    **details)
    if counts["gone"] == len(results):
        return SendResult.failed("PushDevicesGone", f"every device is unregistered ({summary})", **details)
    first = next(r for r in results if r.status == "rejected")
    return SendResult.failed(first.code or "PushRejected",
                             f"no device accepted the push ({summary}): {first.error or first.code}", **details)
