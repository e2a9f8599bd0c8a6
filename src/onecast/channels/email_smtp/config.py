"""The `email_smtp` channel config: where to connect, how to secure and authenticate, who sends."""
from __future__ import annotations

import re
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from typing import Any

from onecast.channels.base import ConfigError

SECURITY_MODES = ("starttls", "tls", "none")
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
EHLO_DOMAIN = re.compile(r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                         r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*")
EHLO_LITERAL = re.compile(r"\[(?:[0-9.]{7,15}|IPv6:[0-9A-Fa-f:.]{2,45})\]")


def has_line_break(value: str) -> bool:
    """CR or LF in a header value would start a new header (header injection)."""
    return "\r" in value or "\n" in value


def parse_address(value: Any, field: str) -> Address:
    """One plain mailbox `local@domain`, nothing that could smuggle another header or recipient."""
    if not isinstance(value, str) or not value or has_line_break(value) or len(value) > 320:
        raise ConfigError(field, "must be one e-mail address on one line")
    local, at, domain = value.rpartition("@")
    if not at or not local or not domain or any(c in value for c in ' <>,;:"()[]\\'):
        raise ConfigError(field, f"{value!r} is not a plain e-mail address")
    try:
        return Address(addr_spec=value)
    except (ValueError, IndexError) as exc:
        raise ConfigError(field, f"{value!r} is not a plain e-mail address ({exc})") from None


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str  # starttls | tls | none
    username: str | None
    password: str | None
    from_address: str
    from_name: str | None
    reply_to: str | None
    pool_size: int
    timeout: float
    verify_certificates: bool
    ca_certificate: str | None  # PEM, to trust a private CA or a self-signed server
    max_attachment_bytes: int
    message_id_domain: str
    ehlo_name: str | None  # what EHLO says; None: this machine's fully qualified name


    @classmethod
    def parse(cls, raw: dict[str, Any]) -> SmtpConfig:
        host = raw.get("host")
        if not isinstance(host, str) or not host or has_line_break(host) or len(host) > 253:
            raise ConfigError("host", "the SMTP server's host name is required")
        security = raw.get("security", "starttls")
        if security not in SECURITY_MODES:
            raise ConfigError("security", f"one of {', '.join(SECURITY_MODES)}")
        port = _int(raw, "port", DEFAULT_PORTS[security], 1, 65535)
        username, password = raw.get("username"), raw.get("password")
        if (username is None) != (password is None):
            raise ConfigError("username", "give both username and password, or neither")
        for name, value in (("username", username), ("password", password)):
            if value is not None and (not isinstance(value, str) or not value):
                raise ConfigError(name, "must be a non-empty string")
        sender = parse_address(raw.get("fromAddress"), "fromAddress")
        from_name = raw.get("fromName")
        if from_name is not None and (not isinstance(from_name, str) or has_line_break(from_name)):
            raise ConfigError("fromName", "must be text on one line")
        reply_to = raw.get("replyTo")
        if reply_to is not None:
            parse_address(reply_to, "replyTo")
        inbound = raw.get("inboundAddresses", [])
        if not isinstance(inbound, list) or len(inbound) > 50:
            raise ConfigError("inboundAddresses", "must be a list of at most 50 e-mail addresses")
        for i, address in enumerate(inbound):
            parse_address(address, f"inboundAddresses[{i}]")
        verify = raw.get("verifyCertificates", True)
        if not isinstance(verify, bool):
            raise ConfigError("verifyCertificates", "must be true or false")
        ca = raw.get("caCertificate")
        if ca is not None and (not isinstance(ca, str) or "BEGIN CERTIFICATE" not in ca):
            raise ConfigError("caCertificate", "must be a PEM certificate")
        return cls(host=host, port=port, security=security, username=username, password=password,
                   from_address=sender.addr_spec, from_name=from_name or None, reply_to=reply_to,
                   pool_size=_int(raw, "poolSize", 2, 1, 20), timeout=float(_int(raw, "timeoutSeconds", 30, 1, 300)),
                   verify_certificates=verify, ca_certificate=ca,
                   max_attachment_bytes=_int(raw, "maxAttachmentBytes", 10 * 1024 * 1024, 0, 50 * 1024 * 1024),
                   message_id_domain=sender.domain, ehlo_name=_ehlo_name(raw.get("ehloName")))

    def tls_context(self) -> ssl.SSLContext | None:
        if self.security == "none":
            return None
        context = ssl.create_default_context(cadata=self.ca_certificate) if self.ca_certificate \
            else ssl.create_default_context()
        if not self.verify_certificates:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context


def _ehlo_name(value: Any) -> str | None:
    """RFC 5321 EHLO argument: a domain name or an address literal such as [192.0.2.1]."""
    if value is None:
        return None
    if not isinstance(value, str) or not (EHLO_DOMAIN.fullmatch(value) or EHLO_LITERAL.fullmatch(value)):
        raise ConfigError("ehloName", "must be a host name (mail.example.com) or an address literal ([192.0.2.1])")
    return value


def _int(raw: dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = raw.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(name, f"must be a whole number from {low} to {high}")
    return value


def validate_config(raw: dict[str, Any]) -> None:
    """Raise ConfigError for a config that cannot send (used when a channel is saved)."""
    SmtpConfig.parse(raw)
