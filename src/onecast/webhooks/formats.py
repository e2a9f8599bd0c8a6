"""Payload formats: how a webhook's event becomes the request body. Onecast's own is the event
envelope (`standard`); a compatibility surface adds its own (seed 003's InBoundWrapper), so its
callbacks are ordinary webhooks: signed, sent through the guarded transport, retried and disabled
like every other. The surface registers its format when imported; `load` imports them all (the
webhooks domain imports no surface by name in code)."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

STANDARD = "standard"


@dataclass(frozen=True)
class PayloadFormat:
    # (db, webhook, event envelope) -> (JSON body, extra headers), or None when the format does not
    # report this event (the delivery counts as done, nothing is sent).
    render: Callable[[Any, Any, dict[str, Any]], Awaitable[tuple[Any, dict[str, str]] | None]]
    # Event names the format reports: its webhooks' subscriptions.
    events: tuple[str, ...]
    # After a 2xx: (db, guarded client, webhook, body) -> None, e.g. a follow-up callback.
    after_delivered: Callable[[Any, httpx.AsyncClient, Any, Any], Awaitable[None]] | None = None


FORMATS: dict[str, PayloadFormat] = {}
FORMAT_MODULES = ("onecast.compat.msgapi.callbacks",)


def register(name: str, payload_format: PayloadFormat) -> None:
    FORMATS[name] = payload_format


def load() -> None:
    for module in FORMAT_MODULES:
        importlib.import_module(module)
