"""One guard for every request the server makes to a URL an API client gave: webhooks, msgapi
callbacks, custom channel URLs, vendor `baseUrl`/`tokenUrl` in channel configs, e-mail attachment
URLs and Web Push subscription endpoints. Targets inside the server's own networks (loopback,
private, link-local, anything not globally routable) are refused unless the operator lists them in
ONECAST_OUTBOUND_ALLOWED_NETWORKS (comma-separated CIDRs, e.g. `127.0.0.0/8,::1/128`);
ONECAST_WEBHOOK_ALLOWED_NETWORKS, its older name, is added to it. URLs the operator set
(ONECAST_PUSH_FCM_BASE_URL, ONECAST_PUSH_APNS_BASE_URL) are trusted as they are."""
from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx

from onecast.kit.urls import NotPlainUrl, plain_http_url

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class BlockedTarget(Exception):
    pass


def parse_networks(raw: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(part.strip(), strict=False) for part in raw.split(",") if part.strip()]


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port


class AddressGuard:
    def __init__(self, allowed_networks: str = "", trusted_urls: tuple[str, ...] = ()) -> None:
        self.allowed = parse_networks(allowed_networks)
        self.trusted = {_origin(url) for url in trusted_urls if url}

    @classmethod
    def from_settings(cls, settings: Any) -> AddressGuard:
        networks = ",".join(filter(None, (getattr(settings, "outbound_allowed_networks", ""),
                                          getattr(settings, "webhook_allowed_networks", ""))))
        return cls(networks, (getattr(settings, "push_fcm_base_url", ""), getattr(settings, "push_apns_base_url", "")))

    def allows(self, address: IPAddress) -> bool:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if any(address in net for net in self.allowed):
            return True
        return address.is_global and not address.is_multicast

    def check_literal(self, url: str) -> None:
        """At configuration time: refuse IP literals and `localhost` outside the allowed
        networks (names are resolved when connecting, since DNS answers change)."""
        if _origin(url) in self.trusted:
            return
        host = urlsplit(url).hostname or ""
        if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(".localhost"):
            addresses = [ipaddress.ip_address("127.0.0.1")]
        else:
            try:
                addresses = [ipaddress.ip_address(host)]
            except ValueError:
                return
        for address in addresses:
            if not self.allows(address):
                raise BlockedTarget(f"{host} is not a public address")

    async def check(self, url: str) -> None:
        """At connection time: every address the name resolves to must be allowed."""
        if _origin(url) in self.trusted:
            return
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise ConnectionError(f"cannot resolve {host}: {exc}") from None
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
            if not self.allows(address):
                raise BlockedTarget(f"{host} resolves to {address}, which is not a public address")

    def client(self, **kwargs: Any) -> httpx.AsyncClient:
        """An httpx client whose every request (each redirect hop too) is checked first.
        Transport options (http1, http2, verify, cert, limits) go to the guarded transport."""
        transport_keys = ("http1", "http2", "verify", "cert", "limits")
        transport = GuardedTransport(self, **{k: kwargs.pop(k) for k in transport_keys if k in kwargs})
        kwargs.setdefault("follow_redirects", False)
        return httpx.AsyncClient(transport=transport, **kwargs)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """Checks the target before each request; a name that does not resolve is a connect error
    (transient, like any network failure), a refused address raises BlockedTarget."""

    def __init__(self, guard: AddressGuard, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.guard = guard

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            await self.guard.check(str(request.url))
        except ConnectionError as exc:
            raise httpx.ConnectError(str(exc), request=request) from None
        return await super().handle_async_request(request)


def url_fields(value: Any, path: str = "") -> list[tuple[str, str]]:
    """(dotted field path, URL) of every `url`, `baseUrl`, `tokenUrl` and `endpoint` string in
    a JSON value (a channel config, a device registration, message parts)."""
    return string_fields(value, URL_KEYS, path)


def string_fields(value: Any, keys: frozenset[str], path: str = "") -> list[tuple[str, str]]:
    """(dotted field path, text) of every string under one of `keys`, at any depth of a JSON value."""
    found: list[tuple[str, str]] = []

    def collect(where: str, text: str) -> str:
        found.append((where, text))
        return text

    map_string_fields(value, keys, collect, path)
    return found


def map_string_fields(value: Any, keys: frozenset[str], change: Callable[[str, str], str], path: str = "") -> Any:
    """A copy of a JSON value with `change(dotted field path, text)` applied to every string under
    one of `keys`, at any depth."""
    if isinstance(value, dict):
        changed = {}
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            is_text = key in keys and isinstance(item, str)
            changed[key] = change(where, item) if is_text else map_string_fields(item, keys, change, where)
        return changed
    if isinstance(value, list):
        return [map_string_fields(item, keys, change, f"{path}[{index}]") for index, item in enumerate(value)]
    return value


URL_KEYS = frozenset({"url", "baseUrl", "tokenUrl", "endpoint"})


def refuse_internal_urls(guard: AddressGuard, value: Any, prefix: str) -> Any:
    """At save time: `value` with every URL field normalised (`onecast.kit.urls`); a 400 naming
    the field of the first URL that is not a plain http(s) URL or whose target the guard refuses."""
    from onecast.kit.errors import invalid

    def checked(where: str, url: str) -> str:
        try:
            normal = plain_http_url(url)
            guard.check_literal(normal)
        except NotPlainUrl as exc:
            raise invalid(f"{prefix}{where}", str(exc), "InvalidUrl") from None
        except BlockedTarget as exc:
            raise invalid(f"{prefix}{where}", f"target not allowed: {exc}", "UrlNotAllowed") from None
        return normal

    return map_string_fields(value, URL_KEYS, checked)
