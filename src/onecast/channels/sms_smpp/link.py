"""A channel's binds to its SMSC: several sessions (transceivers, or transmitter + receiver
pairs), one throughput limit for all, and submit_sm that waits out reconnects and throttling.
Links are shared within a process by channel, so the background service and the provider use
the same binds."""
from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog

from onecast.channels.sms_smpp import pdu as P
from onecast.channels.sms_smpp.config import SmppConfig
from onecast.channels.sms_smpp.session import ConnectionLost, DeliverHandler, Session

log = structlog.get_logger("onecast.smpp")
THROTTLE_BACKOFF = (0.05, 2.0)  # first and longest pause after ESME_RTHROTTLED


class SubmitError(Exception):
    def __init__(self, code: str, message: str, *, permanent: bool, status: int | None = None) -> None:
        super().__init__(message)
        self.code, self.permanent, self.status = code, permanent, status


class Link:
    def __init__(self, config: SmppConfig, on_deliver: DeliverHandler, name: str) -> None:
        self.config = config
        self.name = name
        commands = ([P.BIND_TRANSCEIVER] if config.bind_mode == "transceiver"
                    else [P.BIND_TRANSMITTER, P.BIND_RECEIVER])
        self.sessions = [Session(config, command, on_deliver, f"{name}/{i}.{command}")
                         for i in range(config.binds) for command in commands]
        self._next_slot = 0.0  # monotonic time of the next submit_sm the throughput limit allows
        self._paused_until = 0.0  # set by ESME_RTHROTTLED for all binds of the channel
        self.throttled = 0  # how many ESME_RTHROTTLED answers it got
        self.resubmitted = 0  # submit_sm sent again after a lost connection

    def start(self) -> None:
        for session in self.sessions:
            session.start()

    async def wait_bound(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self._transmitter(), timeout)
            return True
        except TimeoutError:
            return False

    def _ready(self) -> Session | None:
        """The bound transmitting session with the least load (in flight or queued), if any."""
        ready = [s for s in self.sessions if s.can_submit]
        return min(ready, key=lambda s: s.load) if ready else None

    async def _transmitter(self) -> Session:
        """The bound transmitting session with the fewest requests in flight."""
        while True:
            session = self._ready()
            if session is not None:
                return session
            waiters = [asyncio.ensure_future(s.bound.wait()) for s in self.sessions if s.command != P.BIND_RECEIVER]
            try:
                await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waiters:
                    waiter.cancel()

    async def _pace(self) -> None:
        now = time.monotonic()
        wait = self._paused_until - now
        if self.config.throughput > 0:
            slot = max(self._next_slot, now)
            self._next_slot = slot + 1.0 / self.config.throughput
            wait = max(wait, slot - now)
        if wait > 0:
            await asyncio.sleep(wait)

    async def submit(self, params: dict[str, Any], tlvs: dict[int, bytes] | None = None) -> str:
        """submit_sm until the SMSC accepts or refuses it; returns the SMSC's message id.
        A connection lost before the answer sends it again (at least once, never lost)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.submit_timeout_seconds
        throttled = 0
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise SubmitError("SmscUnavailable", "no bind to the SMSC accepted the message in time",
                                  permanent=False)
            try:
                await self._pace()
                session = self._ready() or await asyncio.wait_for(self._transmitter(), remaining)
                resp = await session.request(P.SUBMIT_SM, params, tlvs)
            except TimeoutError:
                continue
            except ConnectionLost:
                self.resubmitted += 1
                continue
            if resp.status == P.ESME_ROK:
                return resp.params.get("message_id", "")
            if resp.status in P.TRANSIENT_STATUSES:
                throttled += 1
                self.throttled += resp.status == P.ESME_RTHROTTLED
                first, longest = THROTTLE_BACKOFF
                pause = random.uniform(0.5, 1.0) * min(longest, first * 2 ** (throttled - 1))
                self._paused_until = max(self._paused_until, time.monotonic() + pause)
                continue
            raise SubmitError(f"SmppStatus{resp.status:#04x}", f"the SMSC refused the message "
                              f"(command_status 0x{resp.status:08x})", permanent=True, status=resp.status)

    async def close(self) -> None:
        await asyncio.gather(*(s.close() for s in self.sessions))


@dataclass
class _Held:
    link: Link
    users: int


_LINKS: dict[Any, _Held] = {}


def acquire(key: Any, config: SmppConfig, handler_factory: Callable[[], DeliverHandler]) -> Link:
    """The process's link for `key` (a channel and its revision), started on first use."""
    held = _LINKS.get(key)
    if held is None:
        held = _Held(Link(config, handler_factory(), name=str(key[0])[:8]), 0)
        _LINKS[key] = held
        held.link.start()
    held.users += 1
    return held.link


def get(key: Any) -> Link:
    return _LINKS[key].link


async def release(key: Any) -> None:
    held = _LINKS.get(key)
    if held is None:
        return
    held.users -= 1
    if held.users <= 0:
        del _LINKS[key]
        await held.link.close()


def held_keys() -> list[Any]:
    return list(_LINKS)
