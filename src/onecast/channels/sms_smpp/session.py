"""One SMPP bind (ESME side) over asyncio: connects, binds, keeps the link alive with
enquire_link, matches responses to requests by sequence number within a window of requests in
flight, answers the SMSC's requests, reconnects with backoff and unbinds on close."""
from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Awaitable, Callable

import structlog

from onecast.channels.sms_smpp import pdu as P
from onecast.channels.sms_smpp.config import SmppConfig

log = structlog.get_logger("onecast.smpp")
# Handles a deliver_sm and returns the command_status to answer with.
DeliverHandler = Callable[[P.Pdu], Awaitable[int]]


class ConnectionLost(Exception):
    """The bind went away before the SMSC answered; the request may or may not have arrived."""


class BindRefused(Exception):
    pass


class Session:
    def __init__(self, config: SmppConfig, command: int, on_deliver: DeliverHandler, name: str) -> None:
        self.config = config
        self.command = command
        self.on_deliver = on_deliver
        self.name = name
        self.bound = asyncio.Event()
        self._window = asyncio.Semaphore(config.window)
        self._sequence = itertools.count(1)
        self._pending: dict[int, asyncio.Future[P.Pdu]] = {}
        self._writer: asyncio.StreamWriter | None = None
        self._stopping = False
        self._task: asyncio.Task | None = None
        self._handlers: set[asyncio.Task] = set()
        self.in_flight = 0  # requests sent and not answered yet
        self.load = 0  # requests in flight or waiting for the window
        self.binds = 0  # how many times it bound (reconnects + 1)

    @property
    def can_submit(self) -> bool:
        return self.command != P.BIND_RECEIVER and self.bound.is_set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"smpp:{self.name}")

    async def _run(self) -> None:
        failures = 0
        while not self._stopping:
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(self.config.host, self.config.port), self.config.response_timeout_seconds)
            except (TimeoutError, OSError) as exc:
                failures += 1
                log.info("smpp_connect_failed", bind=self.name, error=repr(exc))
            else:
                self._writer = writer
                try:
                    await self._serve(reader, writer)
                    failures = 0
                except BindRefused as exc:
                    failures += 1
                    log.warning("smpp_bind_refused", bind=self.name, error=str(exc))
                except (OSError, asyncio.IncompleteReadError, P.PduError, ConnectionLost) as exc:
                    log.info("smpp_connection_lost", bind=self.name, error=repr(exc))
                finally:
                    self._drop_connection()
            if self._stopping:
                return
            # Full jitter, so several binds (or processes) do not reconnect in step.
            ceiling = min(self.config.reconnect_max_seconds, 0.05 * (2 ** min(failures, 16)))
            await asyncio.sleep(random.uniform(ceiling / 2, ceiling))

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        read_task = asyncio.create_task(self._read_loop(reader))
        try:
            resp = await self._request(self.command, {
                "system_id": self.config.system_id, "password": self.config.password,
                "system_type": self.config.system_type, "interface_version": 0x34})
            if resp.status != P.ESME_ROK:
                raise BindRefused(f"bind answered with status 0x{resp.status:08x}")
            self.binds += 1
            self.bound.set()
            log.info("smpp_bound", bind=self.name, smsc=resp.params.get("system_id"))
            keepalive = asyncio.create_task(self._keepalive())
            try:
                await asyncio.shield(read_task)
            finally:
                keepalive.cancel()
        finally:
            read_task.cancel()

    async def _read_loop(self, reader: asyncio.StreamReader) -> None:
        while True:
            header = await reader.readexactly(P.HEADER.size)
            length = int.from_bytes(header[:4], "big")
            if not P.HEADER.size <= length <= P.MAX_PDU:
                raise P.PduError(f"command_length {length} out of range")
            pdu = P.decode(header + await reader.readexactly(length - P.HEADER.size))
            if pdu.is_response:
                future = self._pending.pop(pdu.sequence, None)
                if future is not None and not future.done():
                    future.set_result(pdu)
                continue
            if pdu.command_id == P.DELIVER_SM:
                task = asyncio.create_task(self._deliver(pdu))
                self._handlers.add(task)
                task.add_done_callback(self._handlers.discard)
            elif pdu.command_id == P.ENQUIRE_LINK:
                self._write(P.Pdu(P.ENQUIRE_LINK | P.RESP, pdu.sequence))
            elif pdu.command_id == P.UNBIND:
                self._write(P.Pdu(P.UNBIND | P.RESP, pdu.sequence))
                raise ConnectionLost("the SMSC unbound")
            else:
                self._write(P.Pdu(P.GENERIC_NACK, pdu.sequence, P.ESME_RINVCMDID))

    async def _deliver(self, pdu: P.Pdu) -> None:
        """Answer only once the handler has kept the message: an SMSC that gets no answer (or
        a temporary error) delivers it again, so nothing is lost when we fail."""
        writer = self._writer
        try:
            status = await self.on_deliver(pdu)
        except Exception as exc:
            log.error("smpp_deliver_failed", bind=self.name, error=repr(exc))
            status = P.ESME_RX_T_APPN
        if writer is not None and writer is self._writer:  # same connection: the sequence means this PDU
            self._write(P.Pdu(P.DELIVER_SM | P.RESP, pdu.sequence, status, {"message_id": ""}))

    async def _keepalive(self) -> None:
        while True:
            await asyncio.sleep(self.config.enquire_link_seconds)
            try:
                await self.request(P.ENQUIRE_LINK, {})
            except (TimeoutError, ConnectionLost):
                log.info("smpp_enquire_link_unanswered", bind=self.name)
                if self._writer is not None:
                    self._writer.close()
                return

    def _write(self, pdu: P.Pdu) -> None:
        if self._writer is None or self._writer.is_closing():
            self.bound.clear()  # submitters wait for the next bind instead of spinning on this one
            raise ConnectionLost("not connected")
        self._writer.write(P.encode(pdu))

    async def _request(self, command: int, params: dict, tlvs: dict[int, bytes] | None = None) -> P.Pdu:
        sequence = next(self._sequence) & 0x7FFFFFFF or next(self._sequence)
        future: asyncio.Future[P.Pdu] = asyncio.get_running_loop().create_future()
        self._pending[sequence] = future
        try:
            self._write(P.Pdu(command, sequence, params=params, tlvs=tlvs or {}))
            return await asyncio.wait_for(future, self.config.response_timeout_seconds)
        finally:
            self._pending.pop(sequence, None)

    async def request(self, command: int, params: dict, tlvs: dict[int, bytes] | None = None) -> P.Pdu:
        """Send a request within the window and wait for its response."""
        self.load += 1
        try:
            async with self._window:
                if not self.bound.is_set():
                    raise ConnectionLost("not bound")
                self.in_flight += 1
                try:
                    return await self._request(command, params, tlvs)
                finally:
                    self.in_flight -= 1
        finally:
            self.load -= 1

    def _drop_connection(self) -> None:
        self.bound.clear()
        for future in self._pending.values():
            if not future.done():
                future.set_exception(ConnectionLost("connection closed before the response"))
        self._pending.clear()
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    async def close(self, grace: float = 5.0) -> None:
        """Wait (a little) for requests in flight and deliveries being handled, unbind, close."""
        self._stopping = True
        if self.bound.is_set():
            loop = asyncio.get_running_loop()
            deadline = loop.time() + grace
            while (self.in_flight or self._handlers) and loop.time() < deadline:
                await asyncio.sleep(0.01)
            try:
                await asyncio.wait_for(self._request(P.UNBIND, {}), min(grace, 2.0))
            except (TimeoutError, ConnectionLost, OSError):
                pass
        self._drop_connection()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
