"""The `sandbox` provider: accepts any address, records what it sent, and answers with the
receipts, failures and replies the space's sandbox settings ask for."""
from __future__ import annotations

import asyncio
import time
from typing import Any

from onecast.channels.base import OutboundMessage, Receipt, Reply, SendResult
from onecast.channels.sandbox import service

SETTINGS_TTL = 1.0


def _failure_for(rule: str | None, attempt: int) -> SendResult | None:
    if not rule:
        return None
    if rule == "permanent":
        return SendResult.failed("SandboxRejected", "The sandbox was told to reject this recipient")
    kind, _, count = rule.partition(":")
    if kind == "transient" and (not count or attempt <= int(count)):
        return SendResult.transient("SandboxUnavailable", "The sandbox was told to fail for now")
    return None


class SandboxProvider:
    name = "sandbox"

    def __init__(self, db: Any) -> None:
        self.db = db
        self._settings: dict[str, tuple[float, asyncio.Future]] = {}

    async def _settings_of(self, space_id: str) -> dict[str, Any]:
        """Settings are read at most once a second per space: a change applies within a second.
        Concurrent sends share one read (without that, all of them read when the second is up)."""
        cached = self._settings.get(space_id)
        if cached is None or time.monotonic() - cached[0] >= SETTINGS_TTL:
            cached = (time.monotonic(), asyncio.ensure_future(self._read_settings(space_id)))
            self._settings[space_id] = cached
        try:
            return await asyncio.shield(cached[1])
        except Exception:
            if self._settings.get(space_id) is cached:
                del self._settings[space_id]  # a failed read is not cached
            raise

    async def _read_settings(self, space_id: str) -> dict[str, Any]:
        async with self.db.read() as session:
            return await service.get_settings(session, space_id)

    async def send(self, message: OutboundMessage) -> SendResult:
        settings = await self._settings_of(message.space_id)
        failure = (_failure_for(settings["failAddresses"].get(message.address), message.attempt)
                   or _failure_for(settings["failChannels"].get(message.channel), message.attempt))
        if settings.get("latencyMs"):
            await asyncio.sleep(settings["latencyMs"] / 1000)
        if failure is not None:
            return failure
        payload = {"body": message.body, "title": message.title, "customBody": message.custom_body,
                   "options": message.options, "parts": message.parts, "type": message.type}

        async def record(session: Any) -> str:
            row = await service.record_delivery(session, message.space_id, message.message_id,
                                                message.channel, message.address, payload)
            return f"sandbox-{row.id}"

        receipts: list[Receipt] = []
        if settings["receipt"] in ("delivered", "read"):
            receipts.append(Receipt("delivered"))
        if settings["receipt"] == "read":
            receipts.append(Receipt("read"))
        replies = (Reply(settings["autoReply"], message.address),) if settings.get("autoReply") else ()
        # What it sent is recorded in the worker's outcome transaction (SendResult.record).
        return SendResult(ok=True, details={"sandbox": True, "address": message.address},
                          receipts=tuple(receipts), replies=replies, record=record)

    async def close(self) -> None:
        return None


def create(config: dict[str, Any], db: Any, guard: Any = None) -> SandboxProvider:
    return SandboxProvider(db)
