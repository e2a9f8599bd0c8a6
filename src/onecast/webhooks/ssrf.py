"""Refuse webhook targets inside the server's own networks (loopback, private, link-local,
anything not globally routable) unless the operator lists them in
ONECAST_WEBHOOK_ALLOWED_NETWORKS (comma-separated CIDRs, e.g. `127.0.0.0/8,::1/128`)."""
from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class BlockedTarget(Exception):
    pass


def parse_networks(raw: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(part.strip(), strict=False) for part in raw.split(",") if part.strip()]


class AddressGuard:
    def __init__(self, allowed_networks: str = "") -> None:
        self.allowed = parse_networks(allowed_networks)

    def allows(self, address: IPAddress) -> bool:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if any(address in net for net in self.allowed):
            return True
        return address.is_global and not address.is_multicast

    def check_literal(self, url: str) -> None:
        """At configuration time: refuse IP literals and `localhost` outside the allowed
        networks (names are resolved when delivering, since DNS answers change)."""
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
        """At delivery time: every address the name resolves to must be allowed."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise ConnectionError(f"cannot resolve {host}: {exc}") from None
        for info in infos:
            address = ipaddress.ip_address(info[4][0].split("%")[0])
            if not self.allows(address):
                raise BlockedTarget(f"{host} resolves to {address}, which is not a public address")
