"""Plain http(s) URLs: what an API client may give as a URL the server will call (webhooks, custom
channels, vendor base URLs), normalised to one spelling, so what is checked is what is sent.

Refused: other schemes, credentials in the URL (receivers check the signature instead), spaces
and control characters, hosts that are neither a DNS name nor a canonical IP address: IPv4 in
octal, hex, with leading zeros or short (`0177.0.0.1`, `127.000.000.001`, `0x7f.1`, `2130706433`,
which resolvers read as 127.0.0.1 while this server's HTTP client refuses them), an IPv4 address
written with non-ASCII digits (`①②⑦.0.0.1`), IPv6 zone ids. An international name becomes its
ASCII (punycode) form by UTS #46, the host is lower-cased, a trailing dot and a default port go."""
from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

import httpx
import idna

DEFAULT_PORTS = {"http": 80, "https": 443}
LABEL = re.compile(r"^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$")
NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")  # what resolvers read as (part of) an IPv4 address


class NotPlainUrl(ValueError):
    pass


def plain_http_url(url: str) -> str:
    """The normalised form of `url`, or NotPlainUrl saying what is wrong with it."""
    if any(ch.isspace() or not ch.isprintable() for ch in url) or "\\" in url:
        raise NotPlainUrl("must not contain spaces, control characters or backslashes")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise NotPlainUrl(f"is not a valid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.netloc:
        raise NotPlainUrl("must be an absolute http or https URL")
    if "@" in parts.netloc:
        raise NotPlainUrl("must not contain credentials (user:password@); receivers verify the signature instead")
    if port == 0:
        raise NotPlainUrl("the port must be 1 to 65535")
    host = _host(parts.netloc.rpartition(":")[0] if port is not None or parts.netloc.endswith(":")
                 else parts.netloc)
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    normal = f"{scheme}://{netloc}{parts.path}" + (f"?{parts.query}" if parts.query else "")
    try:  # the client that will send it must read the same URL
        httpx.URL(normal)
    except (httpx.InvalidURL, UnicodeError, ValueError) as exc:
        raise NotPlainUrl(f"is not a valid URL: {exc}") from None
    return normal


def _host(raw: str) -> str:
    if raw.startswith("["):
        if not raw.endswith("]") or "%" in raw:
            raise NotPlainUrl("an IPv6 address is written [address], without a zone")
        try:
            return f"[{ipaddress.IPv6Address(raw[1:-1]).compressed}]"
        except ValueError:
            raise NotPlainUrl(f"{raw} is not a valid IPv6 address") from None
    if not raw:
        raise NotPlainUrl("must name a host")
    host = raw.lower()
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError) as exc:
            raise NotPlainUrl(f"{raw} is not a valid domain name: {exc}") from None
        if NUMERIC_LABEL.match(host.rstrip(".").rpartition(".")[2]):
            raise NotPlainUrl(f"{raw} is an IP address written with non-ASCII characters; write it in ASCII digits")
    host = host[:-1] if host.endswith(".") else host
    labels = host.split(".")
    if NUMERIC_LABEL.match(labels[-1]):
        try:
            canonical = str(ipaddress.IPv4Address(host))
        except ValueError:
            canonical = None
        if canonical != host:
            raise NotPlainUrl(f"{raw} is not a canonical IPv4 address (four decimal numbers 0-255 without "
                              "leading zeros) nor a domain name")
        return host
    if len(host) > 253 or not all(LABEL.match(label) for label in labels):
        raise NotPlainUrl(f"{raw} is not a valid domain name (letters, digits, '-' and '_' in dot-separated "
                          "labels of 1 to 63 characters)")
    if any(label.startswith("xn--") for label in labels):
        try:
            idna.decode(host)
        except (idna.IDNAError, UnicodeError) as exc:
            raise NotPlainUrl(f"{raw} is not a valid domain name: {exc}") from None
    return host
