"""The one interface every provider implements. Providers get a rendered message and return
a result; they know nothing of HTTP routing or the database."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from onecast.kit.text import clean


class ConfigError(ValueError):
    """A channel config that cannot work; `field` names the config key (the 400 names config.<field>)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class OutboundMessage:
    message_id: str
    space_id: str
    channel: str  # the id named in `rules`
    type: str  # sms, email, ...
    address: str
    body: str | None
    title: str | None
    custom_body: Any
    options: dict[str, Any]
    parts: list[dict[str, Any]]
    metadata: dict[str, Any]
    attempt: int
    expires_on: datetime | None
    config: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Receipt:
    """A status the provider already knows (some report delivery before the send returns)."""

    status: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    """An inbound message from the recipient, reported together with the send."""

    body: str
    from_address: str


@dataclass(frozen=True)
class SendResult:
    ok: bool
    provider_message_id: str | None = None
    permanent: bool = False
    error_code: str | None = None
    error: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    receipts: tuple[Receipt, ...] = ()
    replies: tuple[Reply, ...] = ()
    # A write the provider wants committed in the same transaction as the outcome (the sandbox's
    # record of what it sent), so a send costs no transaction of its own; it gets the session and
    # returns the provider message id.
    record: Callable[[Any], Awaitable[str]] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        # Ids and error text come from the provider's answer and are stored: they keep kit.text's
        # rule (a NUL in a vendor's message id failed every attempt to record the send on PostgreSQL).
        for name in ("provider_message_id", "error", "details"):
            object.__setattr__(self, name, clean(getattr(self, name)))

    @classmethod
    def transient(cls, code: str, error: str, **details: Any) -> SendResult:
        return cls(ok=False, permanent=False, error_code=code, error=error, details=details)

    @classmethod
    def failed(cls, code: str, error: str, **details: Any) -> SendResult:
        return cls(ok=False, permanent=True, error_code=code, error=error, details=details)


class Provider(Protocol):
    name: str

    async def send(self, message: OutboundMessage) -> SendResult: ...

    async def close(self) -> None: ...
